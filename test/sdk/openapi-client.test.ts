/**
 * @alicloud/openapi-client 0.4.15 `callApi`, exactly as the generated config20200907 SDK calls it
 * (clients.md §2): V3 (ACS3-HMAC-SHA256, the default), ACS3-HMAC-SM3, and V1 (`signatureAlgorithm:
 * 'v2'`), against a listening emulator in strict mode.
 */
import t, { type Test } from 'tap';
import { createRequire } from 'node:module';
import OpenApiModule, * as $OpenApi from '@alicloud/openapi-client';
import OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import { DEMO } from '../helpers.js';
import { listeningEmulator, reportFlow, type ActionCaller, type Listening } from './harness.js';

const OpenApi = OpenApiModule.default;
const OpenApiUtil = OpenApiUtilModule.default;
/** The tea-util instance openapi-client itself uses (it pins its own copy): its nonce source. */
const ClientTeaUtil = (createRequire(createRequire(import.meta.url).resolve('@alicloud/openapi-client'))('@alicloud/tea-util') as { default: { getNonce(): string } }).default;

const MODES = [
  { name: 'V3 ACS3-HMAC-SHA256 (SDK default)', signatureAlgorithm: undefined },
  { name: 'V3 ACS3-HMAC-SM3', signatureAlgorithm: 'ACS3-HMAC-SM3' },
  { name: "V1 (signatureAlgorithm 'v2')", signatureAlgorithm: 'v2' },
] as const;

type Mode = (typeof MODES)[number];

function client(l: Listening, mode: Mode, key: { id: string; secret: string } = DEMO.defaultKey, securityToken?: string) {
  return new OpenApi(
    new $OpenApi.Config({
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      securityToken,
      endpoint: l.endpoint,
      protocol: 'http',
      signatureAlgorithm: mode.signatureAlgorithm,
    }),
  );
}

/** What a generated SDK method does: Params + OpenApiRequest(query, body) + callApi. */
function sdkCaller(c: InstanceType<typeof OpenApi>): ActionCaller {
  return async (action, method, where) => {
    const params = new $OpenApi.Params({
      action, version: '2020-09-07', protocol: 'HTTP', pathname: '/', method,
      authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
    });
    const request = new $OpenApi.OpenApiRequest({
      query: where.query ? OpenApiUtil.query(where.query) : undefined,
      body: where.body ? OpenApiUtil.parseToMap(where.body) : undefined,
    });
    const res = await c.callApi(params, request, new $Util.RuntimeOptions({}) as never);
    return res.body as Record<string, any>;
  };
}

async function expectSdkError(t: Test, p: Promise<unknown>, code: string, statusCode: number, what: string) {
  try {
    await p;
    t.fail(`${what}: expected ${code}`);
  } catch (e) {
    const err = e as { code?: string; statusCode?: number; message?: string };
    t.equal(err.code, code, `${what}: e.code`);
    t.equal(err.statusCode, statusCode, `${what}: e.statusCode`);
    t.match(err.message, new RegExp(`^${code.replace(/\./g, '\\.')}: code: ${statusCode}, `), `${what}: e.message`);
  }
}

for (const mode of MODES) {
  t.test(`openapi-client ${mode.name}: the report flow in strict mode`, async (t) => {
    const l = await listeningEmulator(t, 'strict');
    await reportFlow(t, sdkCaller(client(l, mode)), l, `sdk-${mode.signatureAlgorithm ?? 'default'}`);
  });

  t.test(`openapi-client ${mode.name}: the errors it surfaces in strict mode`, async (t) => {
    const l = await listeningEmulator(t, 'strict');
    const list = { query: { MaxResults: 10 } };
    const report = { query: { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId } };

    await expectSdkError(t, sdkCaller(client(l, mode, { id: DEMO.defaultKey.id, secret: 'wrong' }))('ListAggregators', 'POST', list), 'SignatureDoesNotMatch', 400, 'wrong secret');
    await expectSdkError(t, sdkCaller(client(l, mode, { id: 'LTAI5tNobody', secret: 'x' }))('ListAggregators', 'POST', list), 'InvalidAccessKeyId.NotFound', 404, 'unknown key');
    await expectSdkError(
      t, sdkCaller(client(l, mode, DEMO.aliceKey))('GetAggregateCompliancePackReport', 'GET', report), 'Invalid.AggregatorId.Value', 400, "another account's aggregator",
    );

    // Replayed nonce: make the client's own nonce source repeat itself.
    const original = ClientTeaUtil.getNonce;
    const nonce = `fixed-nonce-${mode.signatureAlgorithm ?? 'v3'}`;
    ClientTeaUtil.getNonce = () => nonce;
    try {
      const c = sdkCaller(client(l, mode));
      const first = await c('ListAggregators', 'POST', list);
      t.ok(first.AggregatorsResult, 'first use of the nonce is served');
      await expectSdkError(t, c('ListAggregators', 'POST', list), 'SignatureNonceUsed', 400, 'replayed nonce');
    } finally {
      ClientTeaUtil.getNonce = original;
    }

    // Stale timestamp: the emulator's clock is 20 minutes ahead of the client's.
    l.em.clock.advance(20 * 60_000);
    await expectSdkError(t, sdkCaller(client(l, mode))('ListAggregators', 'POST', list), 'InvalidTimeStamp.Expired', 400, 'stale timestamp');
    l.em.clock.advance(-20 * 60_000);

    const sts = await sdkCaller(client(l, mode, DEMO.aliceKey, 'CAIS-sts-token'))('ListAggregators', 'POST', list);
    t.same(sts.AggregatorsResult.Aggregators, [], 'with an STS token the AccessKeyId still decides the account');
  });
}

t.test('openapi-client in warn mode: a bad signature is served, with x-emulator-auth-warning', async (t) => {
  const l = await listeningEmulator(t, 'warn');
  for (const mode of MODES) {
    const c = client(l, mode, { id: DEMO.defaultKey.id, secret: 'wrong' });
    const params = new $OpenApi.Params({
      action: 'ListAggregators', version: '2020-09-07', protocol: 'HTTP', pathname: '/', method: 'POST',
      authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
    });
    const res = await c.callApi(params, new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query({ MaxResults: 10 }) }), new $Util.RuntimeOptions({}) as never);
    t.equal(res.statusCode, 200, mode.name);
    t.match(res.headers['x-emulator-auth-warning'], /^SignatureDoesNotMatch: /, `${mode.name}: warning header`);
  }
});

t.test('openapi-client in off mode: served without a warning', async (t) => {
  const l = await listeningEmulator(t, 'off');
  const c = client(l, MODES[0], { id: DEMO.defaultKey.id, secret: 'wrong' });
  const params = new $OpenApi.Params({
    action: 'ListAggregators', version: '2020-09-07', protocol: 'HTTP', pathname: '/', method: 'POST',
    authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
  });
  const res = await c.callApi(params, new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query({ MaxResults: 10 }) }), new $Util.RuntimeOptions({}) as never);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-emulator-auth-warning'], undefined);
});

t.test('openapi-client: a key in both the query and the form body is signed and read with the body value', async (t) => {
  // openapi-client signs V1 over { ...query, ...body } (client.js doRPCRequest); V3 signs the query
  // and the body's bytes apart. Either way the action must read the body's value, and the
  // signature must hold in strict mode.
  const l = await listeningEmulator(t, 'strict');
  for (const mode of MODES) {
    const res = await sdkCaller(client(l, mode))('GetAggregateCompliancePack', 'POST', {
      query: { AggregatorId: DEMO.aggregatorId, CompliancePackId: 'cp-000000000000000000ff' },
      body: { CompliancePackId: DEMO.compliancePackId },
    });
    t.equal(res.CompliancePack?.CompliancePackId, DEMO.compliancePackId, `${mode.name}: the body's value is the one read`);
  }
});
