import t from 'tap';
import { startEmulator } from '../src/index.js';
import { DEMO, tempDbFile } from './helpers.js';

t.test('startEmulator listens on a free port, answers over HTTP, resets and closes', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.close());
  t.ok(emu.port > 0);
  t.equal(emu.url, `http://127.0.0.1:${emu.port}`);
  t.equal(emu.accessKeyId, DEMO.defaultKey.id);
  const q = `Action=GetAggregateCompliancePackReport&AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}&Format=JSON`;
  const res = await fetch(`${emu.url}/?${q}`);
  t.equal(res.status, 200);
  const body = (await res.json()) as { CompliancePackReport: { ReportUrl: string } };
  t.ok(body.CompliancePackReport.ReportUrl.startsWith(`${emu.url}/CompliancePackReports/`), 'report links point at the listening server');
  const zip = await fetch(body.CompliancePackReport.ReportUrl);
  t.equal(zip.status, 200);

  const created = await fetch(`${emu.url}/?Action=CreateAggregator&Format=JSON&AggregatorName=tmp&AggregatorType=RD`, { method: 'POST' });
  t.equal(created.status, 200);
  const before = (await (await fetch(`${emu.url}/?Action=ListAggregators&MaxResults=10&Format=JSON`)).json()) as { AggregatorsResult: { Aggregators: unknown[] } };
  t.equal(before.AggregatorsResult.Aggregators.length, 2);
  await emu.reset();
  const after = (await (await fetch(`${emu.url}/?Action=ListAggregators&MaxResults=10&Format=JSON`)).json()) as { AggregatorsResult: { Aggregators: unknown[] } };
  t.equal(after.AggregatorsResult.Aggregators.length, 1, 'reset goes back to the fixtures');
});

t.test('startEmulator with fixtures none starts empty but usable', async (t) => {
  const emu = await startEmulator({ fixtures: 'none' });
  t.teardown(() => emu.close());
  const res = await fetch(`${emu.url}/?Action=ListAggregators&MaxResults=10&Format=JSON`);
  t.equal(res.status, 200);
  t.same(((await res.json()) as { AggregatorsResult: { Aggregators: unknown[] } }).AggregatorsResult.Aggregators, []);
});

t.test('a database file keeps its state across restarts: fixtures seed only a new one', async (t) => {
  const db = tempDbFile(t);
  const first = await startEmulator({ db });
  t.equal(first.emulator.state.kept, undefined, 'a new file is seeded with the fixtures');
  const q = (action: string, params: string) => fetch(`${first.url}/?Action=${action}&Format=JSON&${params}`, { method: 'POST' });
  t.equal((await q('UpdateAggregateCompliancePack', `AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}&CompliancePackName=renamed`)).status, 200);
  t.equal((await q('DeactiveAggregateConfigRules', `AggregatorId=${DEMO.aggregatorId}&ConfigRuleIds=cr-a260626622af0005a1b2`)).status, 200);
  await first.close();

  const second = await startEmulator({ db, accessKeys: 'LTAI5tKeptKey:KeptSecret:1009318965421234' });
  t.teardown(() => second.close());
  t.equal(second.emulator.state.kept, true, 'the file held state: kept');
  const get = async (action: string, params: string) => (await fetch(`${second.url}/?Action=${action}&Format=JSON&${params}`)).json() as Promise<Record<string, any>>;
  t.equal((await get('GetAggregateCompliancePack', `AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}`)).CompliancePack.CompliancePackName, 'renamed', 'not put back by the fixtures');
  t.equal((await get('GetAggregateConfigRule', `AggregatorId=${DEMO.aggregatorId}&ConfigRuleId=cr-a260626622af0005a1b2`)).ConfigRule.ConfigRuleState, 'INACTIVE');
  t.ok(second.emulator.services.store.accounts.accessKey('LTAI5tKeptKey'), 'configured access keys are still loaded');
  await second.reset();
  t.equal((await get('GetAggregateCompliancePack', `AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}`)).CompliancePack.CompliancePackName, 'Demo security baseline', 'reset puts the fixtures back');
});

t.test('a file that only ever held the default account is still new; reset keeps the configured access keys', async (t) => {
  const db = tempDbFile(t);
  const empty = await startEmulator({ db, fixtures: 'none' });
  await empty.close();
  const seeded = await startEmulator({ db, accessKeys: 'LTAI5tCiKey:CiSecret123:1234567890123456' });
  t.teardown(() => seeded.close());
  t.equal(seeded.emulator.state.kept, undefined, 'no state of its own: the fixtures are loaded');
  t.ok(seeded.emulator.services.store.aggregators.get(DEMO.aggregatorId), 'the demo group is there');
  const ready = await (await fetch(`${seeded.url}/_emulator/ready`)).json() as { fixtures: unknown; kept?: boolean };
  t.notOk(ready.kept);
  t.ok(ready.fixtures);
  await fetch(`${seeded.url}/_emulator/reset?to=empty`, { method: 'POST' });
  t.ok(seeded.emulator.services.store.accounts.accessKey('LTAI5tCiKey'), 'reset loads the configured access keys again');
});
