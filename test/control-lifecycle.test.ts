import t from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator } from './helpers.js';
import { createAggregator, createPack, ctl } from './control-helpers.js';

const packParams = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };
const reportStatus = async (em: TestEmulator, headers?: Record<string, string>) =>
  (await call(em, 'GetAggregateCompliancePackReport', packParams, { headers })).json.CompliancePackReport.ReportStatus as string;
const generate = async (em: TestEmulator, headers?: Record<string, string>) => {
  const res = await call(em, 'GenerateAggregateCompliancePackReport', packParams, { headers });
  if (res.status !== 200) throw new Error(res.body);
};

t.test('GET /_emulator/lifecycle shows the modes; the report default follows --report-delay-ms', async (t) => {
  const em = await testApp(t);
  t.same((await ctl(em, 'GET', '/_emulator/lifecycle')).json, {
    reports: { mode: 'delay', delayMs: 1000 },
    compliancePacks: { mode: 'delay', delayMs: 1000 },
    aggregators: { mode: 'delay', delayMs: 1000 },
    pendingReads: [],
  });
});

t.test('reports: immediate, after a duration, after N reads (set globally)', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/lifecycle', { reports: { mode: 'immediate' } });
  await generate(em);
  t.equal(await reportStatus(em), 'COMPLETE', 'immediate');

  await ctl(em, 'POST', '/_emulator/lifecycle', { reports: { mode: 'delay', delayMs: 30_000 } });
  await generate(em);
  t.equal(await reportStatus(em), 'CREATING');
  em.clock.advance(29_999);
  t.equal(await reportStatus(em), 'CREATING');
  em.clock.advance(1);
  t.equal(await reportStatus(em), 'COMPLETE', 'after 30 s of emulator time');

  const set = await ctl(em, 'POST', '/_emulator/lifecycle', { reports: { mode: 'reads', reads: 2 } });
  t.same(set.json.reports, { mode: 'reads', reads: 2 });
  await generate(em);
  t.match((await ctl(em, 'GET', '/_emulator/lifecycle')).json.pendingReads, [{ kind: 'reports', accountId: DEMO.managementAccountId, scopeId: DEMO.compliancePackId, readsLeft: 2 }]);
  t.equal(await reportStatus(em), 'CREATING', 'read 1');
  em.clock.advance(86_400_000);
  t.equal(await reportStatus(em), 'CREATING', 'read 2 (time does not matter)');
  t.equal(await reportStatus(em), 'COMPLETE', 'read 3 sees it ready');
  t.equal(await reportStatus(em), 'COMPLETE');
  t.same((await ctl(em, 'GET', '/_emulator/lifecycle')).json.pendingReads, []);
  // The file is downloadable once ready.
  const url = new URL((await call(em, 'GetAggregateCompliancePackReport', packParams)).json.CompliancePackReport.ReportUrl);
  t.equal((await em.app.inject({ method: 'GET', url: url.pathname + url.search })).statusCode, 200);
  // Another account's reads do not count.
  await generate(em);
  await call(em, 'GetAggregateCompliancePackReport', { ...packParams, AccessKeyId: DEMO.aliceKey.id });
  t.equal((await ctl(em, 'GET', '/_emulator/lifecycle')).json.pendingReads[0].readsLeft, 2);
});

t.test('reports per request: x-emulator-report-delay-ms and x-emulator-report-ready-after-reads', async (t) => {
  const em = await testApp(t);
  await generate(em, { 'x-emulator-report-delay-ms': '0' });
  t.equal(await reportStatus(em), 'COMPLETE', 'header 0 = immediate, over the 1000 ms default');
  await generate(em, { 'x-emulator-report-delay-ms': '5000' });
  em.clock.advance(4999);
  t.equal(await reportStatus(em), 'CREATING');
  em.clock.advance(1);
  t.equal(await reportStatus(em), 'COMPLETE');
  await generate(em, { 'x-emulator-report-ready-after-reads': '1' });
  t.equal(await reportStatus(em), 'CREATING');
  t.equal(await reportStatus(em), 'COMPLETE');
  const bad = await call(em, 'GenerateAggregateCompliancePackReport', packParams, { headers: { 'x-emulator-report-delay-ms': 'soon' } });
  t.equal(bad.status, 400);
  t.equal(bad.json.Code, 'InvalidParameter');
  t.match(bad.json.Message, /x-emulator-report-delay-ms/);
});

t.test('reads mode: the read that would make a resource ready fails -> nothing changes; the next read sees it ready', async (t) => {
  const em = await testApp(t);
  await generate(em, { 'x-emulator-report-ready-after-reads': '1' });
  t.equal(await reportStatus(em), 'CREATING', 'read 1');
  // Read 2 counts (before the action) but fails: a failed request leaves the store unchanged, so
  // the report is not made ready by it (docs/reliability.md).
  await expectError(t, em, 'GetAggregateCompliancePackReport', { ...packParams, Bogus: 'x' }, { status: 400, code: 'InvalidParameter' });
  t.match((await ctl(em, 'GET', '/_emulator/lifecycle')).json.pendingReads, [{ kind: 'reports', readsLeft: 0 }], 'still pending, counter used up');
  t.equal(await reportStatus(em), 'COMPLETE', 'the next successful read sees it ready');
  t.same((await ctl(em, 'GET', '/_emulator/lifecycle')).json.pendingReads, []);
});

t.test('compliance packs and aggregators get the same modes when created', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/lifecycle', { aggregators: { mode: 'reads', reads: 1 }, compliancePacks: { mode: 'delay', delayMs: 10_000 } });
  const agg = await createAggregator(em, 'slow group');
  const aggStatus = async () => (await call(em, 'GetAggregator', { AggregatorId: agg })).json.Aggregator.AggregatorStatus;
  t.equal(await aggStatus(), 0, 'read 1: creating');
  t.equal(await aggStatus(), 1, 'read 2: ready');

  const pack = await createPack(em, agg, 'slow pack');
  const packStatus = async () => (await call(em, 'GetAggregateCompliancePack', { AggregatorId: agg, CompliancePackId: pack })).json.CompliancePack.Status;
  t.equal(await packStatus(), 'CREATING');
  const listed = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: agg, Status: 'CREATING' });
  t.equal(listed.json.CompliancePacksResult.TotalCount, 1);
  em.clock.advance(10_000);
  t.equal(await packStatus(), 'ACTIVE');

  // Per request, with x-emulator-create-*; reads count on List too.
  await ctl(em, 'POST', '/_emulator/lifecycle', { reset: true });
  const quick = await createPack(em, agg, 'header pack', { headers: { 'x-emulator-create-ready-after-reads': '2' } });
  const list = async () => (await call(em, 'ListAggregateCompliancePacks', { AggregatorId: agg })).json.CompliancePacksResult.CompliancePacks.find((p: { CompliancePackId: string }) => p.CompliancePackId === quick).Status;
  t.equal(await list(), 'CREATING');
  t.equal(await list(), 'CREATING');
  t.equal(await list(), 'ACTIVE');
  const later = await createAggregator(em, 'default group');
  t.equal((await call(em, 'GetAggregator', { AggregatorId: later })).json.Aggregator.AggregatorStatus, 0, 'defaults again: --create-delay-ms');
  em.clock.advance(1000);
  t.equal((await call(em, 'GetAggregator', { AggregatorId: later })).json.Aggregator.AggregatorStatus, 1);
});

t.test('a ClientToken replay does not restart the creating state', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/lifecycle', { aggregators: { mode: 'delay', delayMs: 1000 } });
  const params = { AggregatorName: 'once', AggregatorType: 'CUSTOM', ClientToken: 'tok-1', AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountType: 'ResourceDirectory' }]) };
  const first = await call(em, 'CreateAggregator', params);
  em.clock.advance(1000);
  const again = await call(em, 'CreateAggregator', params);
  t.equal(again.json.AggregatorId, first.json.AggregatorId);
  t.equal((await call(em, 'GetAggregator', { AggregatorId: first.json.AggregatorId })).json.Aggregator.AggregatorStatus, 1);
});

t.test('bad lifecycle bodies are refused and change nothing', async (t) => {
  const em = await testApp(t);
  const before = (await ctl(em, 'GET', '/_emulator/lifecycle')).json;
  for (const body of [
    { reports: { mode: 'eventually' } },
    { reports: { mode: 'delay', delayMs: -5 } },
    { reports: { mode: 'reads', reads: 1.5 } },
    { reports: { mode: 'immediate', colour: 1 } },
    { widgets: { mode: 'immediate' } },
    { aggregators: { mode: 'immediate' }, reports: 'soon' },
    { reset: false },
    { reset: 'yes' },
  ]) {
    const res = await ctl(em, 'POST', '/_emulator/lifecycle', body);
    t.equal(res.status, 400, JSON.stringify(body));
  }
  t.same((await ctl(em, 'GET', '/_emulator/lifecycle')).json, before);
  const shorthand = await ctl(em, 'POST', '/_emulator/lifecycle', { reports: 2500, compliancePacks: { reads: 3 } });
  t.same(shorthand.json.reports, { mode: 'delay', delayMs: 2500 });
  t.same(shorthand.json.compliancePacks, { mode: 'reads', reads: 3 });
});
