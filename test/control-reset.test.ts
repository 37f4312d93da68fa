import t from 'tap';
import { call, DEMO, dumpStore, settledDump, testApp } from './helpers.js';
import { createAggregator, createPack, ctl } from './control-helpers.js';

const aggregatorIds = async (em: Parameters<typeof call>[0], key?: string) => {
  const res = await call(em, 'ListAggregators', { MaxResults: 100, ...(key ? { AccessKeyId: key } : {}) });
  return (res.json.AggregatorsResult.Aggregators as { AggregatorId: string }[]).map((a) => a.AggregatorId);
};

t.test('POST /_emulator/reset with no body puts everything back to the loaded fixtures, without a restart', async (t) => {
  const em = await testApp(t);
  // Settled: the fixture report's workbook is built in the background after start.
  const fresh = await settledDump(em);
  const agg = await createAggregator(em, 'extra');
  await createPack(em, agg, 'extra pack');
  await call(em, 'GenerateAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.not(dumpStore(em), fresh);
  const res = await ctl(em, 'POST', '/_emulator/reset');
  t.equal(res.status, 200);
  t.match(res.json, { reset: 'all', to: 'fixtures', loaded: { accounts: 3, aggregators: 1, compliancePacks: 1, reports: 1 } });
  t.equal(await settledDump(em), fresh, 'the store is exactly as after start');
  t.same(await aggregatorIds(em), [DEMO.aggregatorId]);
  const report = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(report.json.CompliancePackReport.ReportStatus, 'COMPLETE');
});

t.test('reset ?to=empty leaves an empty emulator whose default key still works', async (t) => {
  const em = await testApp(t);
  const res = await ctl(em, 'POST', '/_emulator/reset?to=empty');
  t.equal(res.status, 200);
  t.same(res.json, { reset: 'all', to: 'empty', loaded: null });
  t.same(await aggregatorIds(em), []);
  const state = await ctl(em, 'GET', '/_emulator/state');
  t.equal(state.json.accounts.length, 1, 'only the account of the default key');
  t.same(state.json.accounts[0].accessKeys.map((k: { accessKeyId: string }) => k.accessKeyId), [DEMO.defaultKey.id]);
  t.same(state.json.aggregators, []);
  // and back
  await ctl(em, 'POST', '/_emulator/reset');
  t.same(await aggregatorIds(em), [DEMO.aggregatorId]);
});

t.test('reset ?accountId= resets one account and leaves the others alone', async (t) => {
  const em = await testApp(t);
  const inventory = (accountId: number) => em.services.store.resources.all().filter((r) => r.accountId === accountId).length;
  const alicesResources = inventory(DEMO.aliceAccountId);
  t.ok(alicesResources > 0, 'alice has resources in the fixtures');
  const evaluated = (await call(em, 'GetAggregateConfigRuleComplianceByPack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId })).json;
  const mine = await createAggregator(em, 'management extra');
  const alices = await createAggregator(em, 'alice group', { key: DEMO.aliceKey.id });
  await createPack(em, alices, 'alice pack', { key: DEMO.aliceKey.id });
  const res = await ctl(em, 'POST', `/_emulator/reset?accountId=${DEMO.aliceAccountId}`);
  t.equal(res.status, 200);
  t.match(res.json, { reset: DEMO.aliceAccountId, to: 'fixtures' });
  t.same(await aggregatorIds(em, DEMO.aliceKey.id), [], 'alice is back to her fixtures (she owns nothing there)');
  t.same(await aggregatorIds(em), [DEMO.aggregatorId, mine], 'the management account is untouched');
  t.equal(inventory(DEMO.aliceAccountId), alicesResources, 'her inventory is back too');
  t.same((await call(em, 'GetAggregateConfigRuleComplianceByPack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId })).json.ConfigRuleComplianceResult,
    evaluated.ConfigRuleComplianceResult, 'and the group rules find the same resources in her account');

  // The management account back to its fixtures: the demo group stays, the extra goes.
  await ctl(em, 'POST', `/_emulator/reset?accountId=${DEMO.managementAccountId}`);
  t.same(await aggregatorIds(em), [DEMO.aggregatorId]);
  const pack = await call(em, 'GetAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(pack.json.CompliancePack.ConfigRules.length, 9);

  // ... or to empty: its keys still work, its resources are gone.
  const empty = await ctl(em, 'POST', `/_emulator/reset?accountId=${DEMO.managementAccountId}&to=empty`);
  t.equal(empty.status, 200);
  t.same(await aggregatorIds(em), []);
  t.equal((await ctl(em, 'GET', '/_emulator/state')).json.accounts.length, 3, 'accounts and keys are kept');
});

t.test('reset refuses bad parameters and unknown accounts, changing nothing', async (t) => {
  const em = await testApp(t);
  await createAggregator(em, 'keep me');
  const before = dumpStore(em);
  const badTo = await ctl(em, 'POST', '/_emulator/reset?to=yesterday');
  t.equal(badTo.status, 400);
  t.match(badTo.json.error.message, /to must be one of fixtures, empty/);
  const badAccount = await ctl(em, 'POST', '/_emulator/reset?accountId=abc');
  t.equal(badAccount.status, 400);
  const unknown = await ctl(em, 'POST', '/_emulator/reset?accountId=123456');
  t.equal(unknown.status, 404);
  t.equal(unknown.json.error.code, 'AccountNotFound');
  t.equal(dumpStore(em), before);
});

t.test('a full reset also drops fault rules; an account reset drops that account\'s', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'ListAggregators', error: 'InternalError' });
  await ctl(em, 'POST', '/_emulator/faults', { action: 'GetAggregator', error: 'InternalError', accountId: DEMO.aliceAccountId });
  await ctl(em, 'POST', `/_emulator/reset?accountId=${DEMO.aliceAccountId}`);
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults.map((f: { action: string }) => f.action), ['ListAggregators']);
  await ctl(em, 'POST', '/_emulator/reset');
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults, []);
  t.equal((await call(em, 'ListAggregators', { MaxResults: 10 })).status, 200);
});

t.test('with --fixtures none, reset goes back to an empty emulator', async (t) => {
  const em = await testApp(t, { config: { fixtures: 'none' } });
  await createAggregator(em, 'temp').catch(() => undefined);
  const res = await ctl(em, 'POST', '/_emulator/reset');
  t.equal(res.status, 200);
  t.same(res.json.loaded, null);
  t.same((await ctl(em, 'GET', '/_emulator/state')).json.aggregators, []);
});
