/**
 * Concurrency: many parallel creates, deletes and generates on the same resources, through inject,
 * over real HTTP, and from two server processes sharing one database file. The invariants hold
 * whatever the interleaving:
 *   - no duplicate aggregator names per account, no duplicate pack names per aggregator;
 *   - no orphan rules (a rule's pack exists), no orphan packs (a pack's aggregator exists);
 *   - at most one report CREATING per pack, and generating twice at once creates one report;
 *   - a ClientToken retried concurrently creates exactly once, and every retry gets the same answer.
 * Delete actions join the random workload as soon as they are registered (issue 3).
 */
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { ACTIONS } from '../src/actions/index.js';
import type { Emulator } from '../src/app.js';
import { call, DEMO, testApp } from './helpers.js';
import { checkRpcAnswer, fcParams, FUZZ_RUNS } from './fuzz/harness.js';

const RULES = JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }, { ManagedRuleIdentifier: 'ram-user-mfa-check' }]);
const PARALLEL = 24;

/** Every invariant of the store that concurrency could break; returns what is broken. */
function invariantProblems(em: Emulator): string[] {
  const db = em.services.store.db;
  const now = em.services.clock.now();
  const checks: [string, string][] = [
    ['duplicate aggregator names per account', 'SELECT account_id, name, COUNT(*) AS n FROM aggregators GROUP BY account_id, name HAVING n > 1'],
    ['duplicate pack names per aggregator', 'SELECT account_id, aggregator_id, name, COUNT(*) AS n FROM compliance_packs GROUP BY account_id, aggregator_id, name HAVING n > 1'],
    ['orphan rules', `SELECT config_rule_id FROM config_rules WHERE compliance_pack_id <> '' AND compliance_pack_id NOT IN (SELECT compliance_pack_id FROM compliance_packs)`],
    ['orphan packs', `SELECT compliance_pack_id FROM compliance_packs WHERE aggregator_id <> '' AND aggregator_id NOT IN (SELECT aggregator_id FROM aggregators)`],
    ['orphan members', 'SELECT aggregator_id FROM aggregator_members WHERE aggregator_id NOT IN (SELECT aggregator_id FROM aggregators)'],
    ['more than one report CREATING per pack', `SELECT scope_id, COUNT(*) AS n FROM reports WHERE ready_at > ${now} GROUP BY scope_id HAVING n > 1`],
    ['more than one report per pack and instant', 'SELECT scope_id, created_at, COUNT(*) AS n FROM reports GROUP BY scope_id, created_at HAVING n > 1'],
  ];
  const problems: string[] = [];
  for (const [what, sql] of checks) {
    const rows = db.prepare(sql).all();
    if (rows.length) problems.push(`${what}: ${JSON.stringify(rows).slice(0, 300)}`);
  }
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  return problems;
}

function checkInvariants(t: Test, em: Emulator, label: string): void {
  t.same(invariantProblems(em), [], `${label}: no duplicate names, no orphans, one CREATING report per pack, integrity ok`);
}

const count = (em: Emulator, sql: string, ...args: unknown[]) => (em.services.store.db.prepare(sql).get(...args) as { n: number }).n;

/** POSTs an RPC call over real HTTP and checks the answer's invariants. */
async function httpCall(base: string, action: string, params: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${base}/?Action=${action}&Version=2020-09-07&Format=JSON`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  checkRpcAnswer({ status: res.status, contentType: res.headers.get('content-type') ?? '', body }, 'JSON');
  return { status: res.status, json: JSON.parse(body) as Record<string, any> };
}

async function listen(em: Emulator): Promise<string> {
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(em.app.server.address() as AddressInfo).port}`;
}

t.test('parallel creates with one name: exactly one wins (inject and real HTTP)', async (t) => {
  const em = await testApp(t);
  const base = await listen(em);
  for (const via of ['inject', 'http'] as const) {
    const send = (action: string, params: Record<string, string>) =>
      via === 'http' ? httpCall(base, action, params) : call(em, action, params, { method: 'POST' }).then((r) => ({ status: r.status, json: r.json }));
    const aggs = await Promise.all(Array.from({ length: PARALLEL }, () => send('CreateAggregator', { AggregatorName: `same-${via}`, AggregatorType: 'RD' })));
    t.equal(aggs.filter((r) => r.status === 200).length, 1, `${via}: one CreateAggregator succeeds`);
    t.same([...new Set(aggs.filter((r) => r.status !== 200).map((r) => r.json.Code))], ['AggregatorNameDuplicated'], `${via}: the others are AggregatorNameDuplicated`);
    t.equal(count(em, 'SELECT COUNT(*) AS n FROM aggregators WHERE name = ?', `same-${via}`), 1);

    const packs = await Promise.all(
      Array.from({ length: PARALLEL }, () => send('CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: `same-pack-${via}`, ConfigRules: RULES })),
    );
    t.equal(packs.filter((r) => r.status === 200).length, 1, `${via}: one CreateAggregateCompliancePack succeeds`);
    t.same([...new Set(packs.filter((r) => r.status !== 200).map((r) => r.json.Code))], ['CompliancePackExists'], `${via}: the others are CompliancePackExists`);
    t.equal(count(em, 'SELECT COUNT(*) AS n FROM compliance_packs WHERE name = ?', `same-pack-${via}`), 1);
  }
  checkInvariants(t, em, 'after parallel creates');
});

t.test('ClientToken retried concurrently: created exactly once, every retry gets the same answer', async (t) => {
  const em = await testApp(t);
  const base = await listen(em);
  const aggParams = { AggregatorName: 'idem', AggregatorType: 'RD', ClientToken: 'tok-1' };
  const aggs = await Promise.all(Array.from({ length: PARALLEL }, () => httpCall(base, 'CreateAggregator', aggParams)));
  t.ok(aggs.every((r) => r.status === 200), 'every retry answered 200');
  t.equal(new Set(aggs.map((r) => r.json.AggregatorId)).size, 1, 'one AggregatorId for all');
  t.equal(count(em, `SELECT COUNT(*) AS n FROM aggregators WHERE name = 'idem'`), 1, 'one aggregator');

  // Same token, different parameters, racing the original: the first in wins, the rest mismatch.
  const mixed = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) =>
      httpCall(base, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: `tok-pack-${i % 3}`, ConfigRules: RULES, ClientToken: 'tok-2' }),
    ),
  );
  const ok = mixed.filter((r) => r.status === 200);
  t.ok(ok.length >= 1, 'at least the first succeeds');
  t.equal(new Set(ok.map((r) => r.json.CompliancePackId)).size, 1, 'all successes name the same pack');
  t.same([...new Set(mixed.filter((r) => r.status !== 200).map((r) => r.json.Code))].filter((c) => c !== undefined), mixed.some((r) => r.status !== 200) ? ['IdempotentParameterMismatch'] : [], 'the others are IdempotentParameterMismatch');
  t.equal(count(em, `SELECT COUNT(*) AS n FROM compliance_packs WHERE name LIKE 'tok-pack-%'`), 1, 'one pack');
  checkInvariants(t, em, 'after token retries');
});

t.test('parallel generates on one pack: one report, the others CompliancePackReportCreating', async (t) => {
  const em = await testApp(t);
  const base = await listen(em);
  const before = count(em, 'SELECT COUNT(*) AS n FROM reports WHERE scope_id = ?', DEMO.compliancePackId);
  const ids = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };
  const gens = await Promise.all(Array.from({ length: PARALLEL }, () => httpCall(base, 'GenerateAggregateCompliancePackReport', ids)));
  t.equal(gens.filter((r) => r.status === 200).length, 1, 'one generate succeeds');
  t.same([...new Set(gens.filter((r) => r.status !== 200).map((r) => r.json.Code))], ['CompliancePackReportCreating']);
  t.equal(count(em, 'SELECT COUNT(*) AS n FROM reports WHERE scope_id = ?', DEMO.compliancePackId), before + 1, 'one new report');
  const gets = await Promise.all(Array.from({ length: 8 }, () => httpCall(base, 'GetAggregateCompliancePackReport', ids)));
  t.same([...new Set(gets.map((r) => r.json.CompliancePackReport.ReportStatus))], ['CREATING'], 'every reader sees CREATING');
  em.clock.advance(1000);
  const done = await Promise.all(Array.from({ length: 8 }, () => httpCall(base, 'GetAggregateCompliancePackReport', ids)));
  t.same([...new Set(done.map((r) => r.json.CompliancePackReport.ReportStatus))], ['COMPLETE'], 'then every reader sees COMPLETE');
  t.equal(new Set(done.map((r) => r.json.CompliancePackReport.ReportUrl)).size, 1, 'and the same link');
  checkInvariants(t, em, 'after parallel generates');
});

/** One operation of the random workload; deletes only once their actions exist. */
type Op =
  | { kind: 'createAgg'; name: number }
  | { kind: 'createPack'; agg: number; name: number; token?: number }
  | { kind: 'generate'; agg: number; pack: number }
  | { kind: 'deleteAggs'; agg: number }
  | { kind: 'deletePacks'; agg: number; pack: number }
  | { kind: 'read'; agg: number; pack: number }
  | { kind: 'tick' };

const CAN_DELETE_AGGS = ACTIONS.has('DeleteAggregators');
const CAN_DELETE_PACKS = ACTIONS.has('DeleteAggregateCompliancePacks');

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('createAgg' as const), name: fc.nat(3) }),
  fc.record({ kind: fc.constant('createPack' as const), agg: fc.nat(3), name: fc.nat(3), token: fc.option(fc.nat(2), { nil: undefined }) }),
  fc.record({ kind: fc.constant('generate' as const), agg: fc.nat(3), pack: fc.nat(5) }),
  fc.record({ kind: fc.constant('deleteAggs' as const), agg: fc.nat(3) }),
  fc.record({ kind: fc.constant('deletePacks' as const), agg: fc.nat(3), pack: fc.nat(5) }),
  fc.record({ kind: fc.constant('read' as const), agg: fc.nat(3), pack: fc.nat(5) }),
  fc.constant({ kind: 'tick' as const }),
);

t.test('random parallel workloads of creates, deletes and generates keep every invariant', async (t) => {
  const em = await testApp(t);
  const base = await listen(em);
  t.comment(`deletes in the workload: aggregators ${CAN_DELETE_AGGS}, packs ${CAN_DELETE_PACKS}`);
  const runs = Math.max(10, Math.round(FUZZ_RUNS / 10));
  let requests = 0;
  const params = fcParams(t, runs);
  const out = await fc.check(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
      const aggIds = (em.services.store.db.prepare(`SELECT aggregator_id AS id FROM aggregators WHERE account_id = ? ORDER BY seq`).all(DEMO.managementAccountId) as { id: string }[]).map((r) => r.id);
      const aggId = (i: number) => aggIds[i % Math.max(1, aggIds.length)] ?? DEMO.aggregatorId;
      const packIds = (agg: string) => (em.services.store.db.prepare('SELECT compliance_pack_id AS id FROM compliance_packs WHERE aggregator_id = ? ORDER BY seq').all(agg) as { id: string }[]).map((r) => r.id);
      const packId = (agg: string, i: number) => packIds(agg)[i % Math.max(1, packIds(agg).length)] ?? 'cp-0000000000000000dead';
      await Promise.all(
        ops.map(async (o) => {
          requests++;
          switch (o.kind) {
            case 'createAgg':
              return httpCall(base, 'CreateAggregator', { AggregatorName: `w-${o.name}`, AggregatorType: 'RD' });
            case 'createPack': {
              const p: Record<string, string> = { AggregatorId: aggId(o.agg), CompliancePackName: `p-${o.name}`, ConfigRules: RULES };
              if (o.token !== undefined) p.ClientToken = `t-${o.token}-${o.agg}-${o.name}`;
              return httpCall(base, 'CreateAggregateCompliancePack', p);
            }
            case 'generate': {
              const a = aggId(o.agg);
              return httpCall(base, 'GenerateAggregateCompliancePackReport', { AggregatorId: a, CompliancePackId: packId(a, o.pack) });
            }
            case 'deleteAggs':
              if (!CAN_DELETE_AGGS) return undefined;
              return httpCall(base, 'DeleteAggregators', { AggregatorIds: aggId(o.agg) === DEMO.aggregatorId ? aggIds[1] ?? 'ca-0000000000000000dead' : aggId(o.agg) });
            case 'deletePacks': {
              if (!CAN_DELETE_PACKS) return undefined;
              const a = aggId(o.agg);
              return httpCall(base, 'DeleteAggregateCompliancePacks', { AggregatorId: a, CompliancePackIds: packId(a, o.pack) });
            }
            case 'read': {
              const a = aggId(o.agg);
              const res = await httpCall(base, 'GetAggregateCompliancePackReport', { AggregatorId: a, CompliancePackId: packId(a, o.pack) });
              if (res.status === 200) {
                const r = res.json.CompliancePackReport;
                const consistent = (r.ReportStatus === 'COMPLETE') === (r.ReportUrl !== '') && ['NONE', 'CREATING', 'COMPLETE'].includes(r.ReportStatus);
                if (!consistent) throw new Error(`inconsistent report state ${JSON.stringify(r)}`);
              }
              return res;
            }
            case 'tick':
              em.clock.advance(250);
              return undefined;
          }
        }),
      );
      const problems = invariantProblems(em);
      if (problems.length) throw new Error(problems.join('; '));
    }),
    params,
  );
  if (out.failed) t.fail(`workload failed (seed=${params.seed} path=${out.counterexamplePath}): ${String((out.errorInstance as Error)?.message ?? out.errorInstance).slice(0, 1500)}`);
  else t.pass(`${out.numRuns} parallel batches (${requests} requests) kept every invariant`);
});

t.test('two server processes on one database file: names stay unique, tokens create once', async (t) => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = mkdtempSync(path.join(tmpdir(), 'config-emulator-2proc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'shared.db');
  const start = () =>
    new Promise<{ base: string; stop: () => Promise<void> }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--db', db, '--port', '0', '--fixtures', 'none', '--log-level', 'silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      t.teardown(() => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      });
      let out = '';
      let err = '';
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve({ base: m[1], stop: () => (proc.kill('SIGTERM'), exited) });
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
  // One after the other, so the two do not race on creating the schema.
  const a = await start();
  const b = await start();
  const bases = [a.base, b.base];
  const names = Array.from({ length: 6 }, (_, i) => `shared-${i}`);
  const creates = await Promise.all(names.flatMap((name) => Array.from({ length: 6 }, (_, i) => httpCall(bases[i % 2], 'CreateAggregator', { AggregatorName: name, AggregatorType: 'RD' }))));
  t.equal(creates.filter((r) => r.status === 200).length, names.length, 'one success per name across both processes');
  t.same([...new Set(creates.filter((r) => r.status !== 200).map((r) => r.json.Code))], ['AggregatorNameDuplicated']);
  const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => httpCall(bases[i % 2], 'CreateAggregator', { AggregatorName: 'tok', AggregatorType: 'RD', ClientToken: 'shared-token' })));
  t.ok(tokens.every((r) => r.status === 200), 'every token retry answered 200');
  t.equal(new Set(tokens.map((r) => r.json.AggregatorId)).size, 1, 'one id for every retry, from either process');
  await Promise.all([a.stop(), b.stop()]);
  const { default: Database } = await import('better-sqlite3');
  const raw = new Database(db);
  t.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  t.same(raw.prepare('SELECT name, COUNT(*) AS n FROM aggregators GROUP BY name HAVING n > 1').all(), [], 'no duplicate names in the file');
  t.equal((raw.prepare(`SELECT COUNT(*) AS n FROM aggregators WHERE name = 'tok'`).get() as { n: number }).n, 1, 'the token created once');
  raw.close();
});
