/**
 * Fuzzing the RPC route (GET|POST /) with fast-check: random and malformed parameters for every
 * registered action, in both request styles, JSON and XML. Every answer keeps the invariants of
 * test/fuzz/harness.ts (never a 5xx but 501/503, parseable, catalog-shaped errors) and a failed
 * request never changes the store.
 */
import fc from 'fast-check';
import t from 'tap';
import { COMMON_PARAMS } from '../src/protocol/common.js';
import { testApp } from './helpers.js';
import {
  ACTION_NAMES, anyString, child, FUZZ_RUNS, nearValidRequest, pct, rpcRequest, runProperty, sendChecked, statsLine, StoreWatch, type FuzzRequest,
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
