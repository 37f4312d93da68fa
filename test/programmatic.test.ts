import t from 'tap';
import { startEmulator } from '../src/index.js';
import { DEMO } from './helpers.js';

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
