/**
 * @alicloud/pop-core 1.8.0 RPCClient (V1 signature): GET (everything in the URL) and POST
 * (everything, Signature included, in the form body), JSON and XML, against a listening emulator in
 * strict mode. pop-core cannot parse XML: it rejects with a plain object whose `.text` is the body.
 */
import t, { type Test } from 'tap';
import RPCClient from '@alicloud/pop-core';
import { DEMO } from '../helpers.js';
import { listeningEmulator, reportFlow, type ActionCaller, type Listening } from './harness.js';

function client(l: Listening, key: { id: string; secret: string } = DEMO.defaultKey, securityToken?: string) {
  return new RPCClient({ endpoint: l.baseUrl, apiVersion: '2020-09-07', accessKeyId: key.id, accessKeySecret: key.secret, securityToken });
}

/** pop-core does not split query and body: every parameter travels the same way. */
function popCaller(c: RPCClient, method: 'GET' | 'POST'): ActionCaller {
  return async (action, _sdkMethod, where) => {
    const params = { ...where.query, ...where.body };
    return c.request<Record<string, any>>(action, params, method === 'POST' ? { method: 'POST' } : {});
  };
}

interface PopError { code?: string; entry?: { response?: { statusCode?: number } }; name?: string; text?: string }

async function expectPopError(t: Test, p: Promise<unknown>, code: string, statusCode: number, what: string) {
  try {
    await p;
    t.fail(`${what}: expected ${code}`);
  } catch (e) {
    const err = e as PopError;
    t.equal(err.code, code, `${what}: e.code`);
    t.equal(err.entry?.response?.statusCode, statusCode, `${what}: e.entry.response.statusCode`);
  }
}

for (const method of ['GET', 'POST'] as const) {
  t.test(`pop-core ${method}: the report flow in strict mode`, async (t) => {
    const l = await listeningEmulator(t, 'strict');
    await reportFlow(t, popCaller(client(l), method), l, `pop-${method}`);
  });

  t.test(`pop-core ${method}: the errors it surfaces in strict mode`, async (t) => {
    const l = await listeningEmulator(t, 'strict');
    const opts = method === 'POST' ? { method: 'POST' } : {};
    const list = { MaxResults: 10 };
    await expectPopError(t, client(l, { id: DEMO.defaultKey.id, secret: 'wrong' }).request('ListAggregators', list, opts), 'SignatureDoesNotMatch', 400, 'wrong secret');
    await expectPopError(t, client(l, { id: 'LTAI5tNobody', secret: 'x' }).request('ListAggregators', list, opts), 'InvalidAccessKeyId.NotFound', 404, 'unknown key');
    await expectPopError(
      t,
      client(l, DEMO.aliceKey).request('GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, opts),
      'Invalid.AggregatorId.Value', 400, "another account's aggregator",
    );
    // Replayed nonce: pop-core lets the caller's parameters override its own SignatureNonce.
    const c = client(l);
    const nonce = `pop-fixed-${method}`;
    const first = await c.request<Record<string, any>>('ListAggregators', { ...list, SignatureNonce: nonce }, opts);
    t.ok(first.AggregatorsResult, 'first use of the nonce is served');
    await expectPopError(t, c.request('ListAggregators', { ...list, SignatureNonce: nonce }, opts), 'SignatureNonceUsed', 400, 'replayed nonce');
    // Stale timestamp: the emulator's clock is 20 minutes ahead of the client's.
    l.em.clock.advance(20 * 60_000);
    await expectPopError(t, c.request('ListAggregators', list, opts), 'InvalidTimeStamp.Expired', 400, 'stale timestamp');
    l.em.clock.advance(-20 * 60_000);
    const sts = await client(l, DEMO.aliceKey, 'CAIS-sts-token').request<Record<string, any>>('ListAggregators', list, opts);
    t.same(sts.AggregatorsResult.Aggregators, [], 'SecurityToken accepted; the AccessKeyId decides the account');
  });

  t.test(`pop-core ${method}: Format XML (pop-core rejects, .text holds the XML)`, async (t) => {
    const l = await listeningEmulator(t, 'strict');
    const opts = method === 'POST' ? { method: 'POST' } : {};
    const ok = await client(l)
      .request('ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, Format: 'XML' }, opts)
      .then(() => undefined, (e: PopError) => e);
    t.equal(ok?.name, 'SyntaxError', 'pop-core cannot parse XML');
    t.match(ok?.text, /^<\?xml [^>]*\?>\s*<ListAggregateCompliancePacksResponse>/);
    t.match(ok?.text, new RegExp(`<CompliancePackId>${DEMO.compliancePackId}</CompliancePackId>`));
    const bad = await client(l, { id: DEMO.defaultKey.id, secret: 'wrong' })
      .request('ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, Format: 'XML' }, opts)
      .then(() => undefined, (e: PopError) => e);
    t.equal(bad?.name, 'SyntaxError');
    t.match(bad?.text, /<Error>.*<Code>SignatureDoesNotMatch<\/Code><Message>Specified signature is not matched with our calculation\. server string to sign is:/s);
  });
}

t.test('pop-core in warn mode: a bad signature is served with the warning header (verbose entry)', async (t) => {
  const l = await listeningEmulator(t, 'warn');
  // RPCClient(config, verbose): the second argument (not in its .d.ts) makes request() resolve [json, entry].
  const Verbose = RPCClient as unknown as new (config: RPCClient.Config, verbose: boolean) => RPCClient;
  const c = new Verbose({ endpoint: l.baseUrl, apiVersion: '2020-09-07', accessKeyId: DEMO.defaultKey.id, accessKeySecret: 'wrong' }, true);
  const [json, entry] = await c.request<[Record<string, any>, { response: { statusCode: number; headers: Record<string, string> } }]>('ListAggregators', { MaxResults: 10 });
  t.ok(json.AggregatorsResult, 'served');
  t.equal(entry.response.statusCode, 200);
  t.match(entry.response.headers['x-emulator-auth-warning'], /^SignatureDoesNotMatch: Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&/);
});
