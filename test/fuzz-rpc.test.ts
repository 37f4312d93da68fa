/**
 * Fuzzing the RPC route (GET|POST /) with fast-check: random and malformed parameters for every
 * registered action, in both request styles, JSON and XML. Every answer keeps the invariants of
 * test/fuzz/harness.ts (never a 5xx but 501/503, parseable, catalog-shaped errors) and a failed
 * request never changes the store.
 */
import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import t from 'tap';
import { COMMON_PARAMS } from '../src/protocol/common.js';
import { successReply } from '../src/protocol/serialize.js';
import { testApp } from './helpers.js';
import {
  ACTION_NAMES, anyString, checkRpcAnswer, child, FUZZ_RUNS, nearValidRequest, pct, rpcRequest, runProperty, sendChecked, statsLine, StoreWatch, type FuzzRequest,
} from './fuzz/harness.js';

t.test('random requests over every registered action keep every invariant', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  t.comment(`actions fuzzed: ${ACTION_NAMES.length} (${ACTION_NAMES.join(', ')})`);
  await runProperty(t, rpcRequest, async (req) => {
    await sendChecked(em, watch, req);
  });
  t.comment(statsLine());
});

t.test('random requests with strict authentication keep every invariant', async (t) => {
  const em = await testApp(t, { config: { auth: 'strict' } });
  const watch = new StoreWatch(em);
  await runProperty(t, rpcRequest, async (req) => {
    await sendChecked(em, watch, req);
  }, Math.max(20, Math.round(FUZZ_RUNS / 2)));
  t.comment(statsLine());
});

t.test('near-valid requests (one or two mutations) reach the handlers and keep every invariant', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  await runProperty(t, nearValidRequest, async (req) => {
    await sendChecked(em, watch, req);
  });
  t.comment(statsLine());
});

/** What XML can carry of a string: invalid characters become U+FFFD, CR reads back as LF. */
const xmlVisible = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/\r\n?/g, '\n');
/** What reaches the server of a string sent percent-encoded (lone surrogates cannot be UTF-8). */
const onTheWire = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');

t.test('reflected input is escaped: an unknown parameter name comes back intact in JSON and XML', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  const arb = fc.record({
    name: fc.oneof(anyString, fc.constantFrom('<b>', '&foo;', '&amp;', ']]>', '</Message></Error>', '"\\', '\u0000x', 'a\rb')).filter((n) => {
      const wire = onTheWire(n);
      return wire.length > 0 && wire.length < 200 && !wire.includes('.') && !COMMON_PARAMS.has(wire) && !['MaxResults', 'NextToken', 'Tag'].includes(wire);
    }),
    format: fc.constantFrom('JSON', 'XML'),
  });
  await runProperty(t, arb, async ({ name, format }) => {
    const req: FuzzRequest = { method: 'GET', url: `/?Action=ListAggregators&MaxResults=10&Format=${format}&${pct(name)}=1`, headers: {}, action: 'ListAggregators', label: name, expectFormat: format as 'JSON' | 'XML' };
    const res = await sendChecked(em, watch, req);
    const expected = `The parameter ${onTheWire(name)} is not supported by ListAggregators.`;
    if (res.code !== 'InvalidParameter') throw new Error(`expected InvalidParameter, got ${res.code}`);
    const want = format === 'JSON' ? expected : xmlVisible(expected);
    if (res.message !== want) throw new Error(`message changed on the way: ${JSON.stringify(res.message)} !== ${JSON.stringify(want)}`);
  });
});

t.test('stored input is escaped: names and descriptions read back intact in JSON and XML', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  let n = 0;
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('&foo;', '&amp;', '<x/>', ']]>', '&#0;', 'a\u0001b', '\ud800'));
  await runProperty(t, fc.record({ name: text, description: text }), async ({ name, description }) => {
    const aggName = `${n++}-${name}`;
    const create: FuzzRequest = {
      method: 'POST', url: '/?Action=CreateAggregator&Format=JSON', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `AggregatorName=${pct(aggName)}&Description=${pct(description)}&AggregatorType=RD`, action: 'CreateAggregator', label: aggName, expectFormat: 'JSON',
    };
    const created = await sendChecked(em, watch, create);
    if (!created.ok) {
      if (n > 45) return; // the account's 50 aggregators are used up
      throw new Error(`create failed: ${created.code}`);
    }
    const id = created.json!.AggregatorId as string;
    for (const format of ['JSON', 'XML'] as const) {
      const got = await sendChecked(em, watch, { method: 'GET', url: `/?Action=GetAggregator&AggregatorId=${id}&Format=${format}`, headers: {}, action: 'GetAggregator', label: id, expectFormat: format });
      const agg = format === 'JSON' ? (got.json!.Aggregator as Record<string, string>) : Object.fromEntries(child(got.xml!, 'Aggregator')!.children.map((c) => [c.name, c.text]));
      const fix = format === 'JSON' ? onTheWire : (s: string) => xmlVisible(onTheWire(s));
      if (agg.AggregatorName !== fix(aggName)) throw new Error(`${format} name ${JSON.stringify(agg.AggregatorName)} !== ${JSON.stringify(fix(aggName))}`);
      if ((agg.Description ?? '') !== fix(description)) throw new Error(`${format} description ${JSON.stringify(agg.Description)} !== ${JSON.stringify(fix(description))}`);
    }
  }, Math.min(FUZZ_RUNS, 45));
});

t.test('raw HTTP garbage over a real socket: the server answers or closes, and keeps serving', async (t) => {
  const em = await testApp(t);
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = em.app.server.address() as AddressInfo;
  const send = (bytes: Buffer) =>
    new Promise<string>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let data = '';
      sock.setEncoding('latin1');
      sock.on('data', (c) => (data += c));
      sock.on('error', () => resolve(data));
      sock.on('close', () => resolve(data));
      sock.end(bytes);
    });
  const line = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc
      .record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'BREW', 'G\u0000T', ''),
        path: fc.oneof(fc.constantFrom('/', '/?Action=ListAggregators&MaxResults=10', '*', '//', '/..', '/%zz', '/CompliancePackReports/%00', 'http://x/'), fc.string({ maxLength: 30 })),
        version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'FOO', ''),
        headers: fc.array(fc.constantFrom('Host: x', 'Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked',
          'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 3\r\nContent-Length: 4', 'x-acs-action: ListAggregators', 'Expect: 100-continue', 'Connection: close', ': novalue', 'Bad Header'), { maxLength: 5 }),
        body: fc.constantFrom('', 'Action=ListAggregators', 'zz\r\nabc\r\n0\r\n\r\n', '5\r\nAction\r\n0\r\n\r\n', '\u0000\u0001\u0002'),
      })
      .map((r) => Buffer.from(`${r.method} ${r.path} ${r.version}\r\n${r.headers.join('\r\n')}${r.headers.length ? '\r\n' : ''}\r\n${r.body}`, 'latin1')),
  );
  await runProperty(t, line, async (bytes) => {
    const answer = await send(bytes);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
    if (status !== undefined && Number(status) >= 500 && status !== '501' && status !== '503') throw new Error(`HTTP ${status} for ${JSON.stringify(bytes.toString('latin1')).slice(0, 300)}: ${answer.slice(0, 300)}`);
    const health = await fetch(`http://127.0.0.1:${port}/_emulator/health`);
    if (health.status !== 200) throw new Error('the server stopped serving');
  }, Math.max(20, Math.round(FUZZ_RUNS / 3)));
});

t.test('the serializer renders any result object well-formed, JSON and XML', async (t) => {
  // Whatever a handler returns (keys a user chose, such as a rule's InputParameters, included).
  const key = fc.oneof(fc.constantFrom('Name', 'a b', '1x', '<x>', 'xml:y', '', 'é', '-', '.a', 'a\u0000'), anyString.filter((k) => k.length < 40));
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, anyString.filter((s) => s.length < 200), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
  })).v;
  await runProperty(t, fc.dictionary(key, value, { maxKeys: 6 }), async (result) => {
    for (const format of ['JSON', 'XML'] as const) {
      const r = successReply('GetAggregator', '6EC7AED1-172F-42AE-9C12-295BC2ADB751', result as Record<string, unknown>, format);
      checkRpcAnswer({ status: r.status, contentType: r.contentType, body: r.body }, format);
    }
  });
});
