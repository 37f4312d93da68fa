/**
 * Real clients against a listening emulator (port 0). The emulator clock is frozen at the real
 * current time (the clients stamp requests with the real clock) and advanced by the tests instead
 * of sleeping.
 */
import assert from 'node:assert';
import type { Test } from 'tap';
import { EmulatorClock } from '../../src/clock.js';
import type { AuthMode } from '../../src/config.js';
import { DEMO, testApp, type TestEmulator } from '../helpers.js';

export interface Listening {
  em: TestEmulator;
  /** host:port, as SDK configs take it. */
  endpoint: string;
  baseUrl: string;
}

export async function listeningEmulator(t: Test, auth: AuthMode = 'strict'): Promise<Listening> {
  const em = await testApp(t, { clock: new EmulatorClock(), config: { auth } });
  await em.app.listen({ port: 0, host: '127.0.0.1' });
  const address = em.app.server.address();
  assert(address && typeof address === 'object');
  const endpoint = `127.0.0.1:${address.port}`;
  return { em, endpoint, baseUrl: `http://${endpoint}` };
}

/** One call of an action, the way a given client places its parameters. */
export type ActionCaller = (action: string, method: 'GET' | 'POST', where: { query?: Record<string, unknown>; body?: Record<string, unknown> }) => Promise<Record<string, any>>;

/**
 * create aggregator -> create pack -> list -> generate report -> poll until COMPLETE -> download.
 * Parameter placement follows reference/actions.md ("In") and the generated SDK (clients.md §2).
 */
export async function reportFlow(t: Test, call: ActionCaller, l: Listening, name: string): Promise<void> {
  const created = await call('CreateAggregator', 'POST', {
    body: {
      AggregatorName: name,
      AggregatorType: 'CUSTOM',
      Description: `flow through ${name}`,
      AggregatorAccounts: JSON.stringify([
        { AccountId: DEMO.managementAccountId, AccountName: 'demo-management', AccountType: 'ResourceDirectory' },
        { AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' },
      ]),
    },
  });
  const aggregatorId = created.AggregatorId as string;
  t.match(aggregatorId, /^ca-[0-9a-f]+$/, 'CreateAggregator');

  const pack = await call('CreateAggregateCompliancePack', 'POST', {
    body: {
      AggregatorId: aggregatorId,
      CompliancePackName: `${name}-pack`,
      Description: 'pack (x) * !',
      RiskLevel: 1,
      ConfigRules: JSON.stringify([
        { ConfigRuleParameters: [{ ParameterName: 'value', ParameterValue: '10' }], ManagedRuleIdentifier: 'eip-bandwidth-limit', RiskLevel: 1 },
        { ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited', RiskLevel: 2 },
      ]),
    },
  });
  const packId = pack.CompliancePackId as string;
  t.match(packId, /^cp-[0-9a-f]+$/, 'CreateAggregateCompliancePack');

  const list = await call('ListAggregateCompliancePacks', 'POST', { query: { AggregatorId: aggregatorId, PageNumber: 1, PageSize: 10 } });
  t.same(
    list.CompliancePacksResult.CompliancePacks.map((p: { CompliancePackId: string }) => p.CompliancePackId),
    [packId],
    'ListAggregateCompliancePacks',
  );

  const generated = await call('GenerateAggregateCompliancePackReport', 'POST', { body: { AggregatorId: aggregatorId, CompliancePackId: packId } });
  t.equal(generated.CompliancePackId, packId, 'GenerateAggregateCompliancePackReport');

  let report: Record<string, any> = {};
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    const got = await call('GetAggregateCompliancePackReport', 'GET', { query: { AggregatorId: aggregatorId, CompliancePackId: packId } });
    report = got.CompliancePackReport;
    seen.push(report.ReportStatus);
    if (report.ReportStatus === 'COMPLETE') break;
    l.em.clock.advance(1000);
  }
  t.equal(seen[0], 'CREATING', 'first poll: CREATING');
  t.equal(seen.at(-1), 'COMPLETE', `polled until COMPLETE (${seen.join(' -> ')})`);
  t.ok(String(report.ReportUrl).startsWith(`${l.baseUrl}/`), 'ReportUrl points at this emulator');

  const download = await fetch(report.ReportUrl as string);
  t.equal(download.status, 200, 'report downloads');
  const bytes = Buffer.from(await download.arrayBuffer());
  t.equal(bytes.subarray(0, 4).toString('binary'), 'PK\x03\x04', 'it is a zip');
}
