/**
 * Crash safety with a file database: a real server process takes a burst of writes, is killed with
 * SIGKILL in the middle of it, and is started again on the same file. Then the file passes
 * `PRAGMA integrity_check` and every write that had been answered 200 is there, read back both from
 * SQLite directly and through the API (list paging).
 *
 * The kill is triggered by the N-th 200 answer while more writes are in flight, so it lands
 * mid-burst without any sleep. FUZZ_RUNS (npm run fuzz) raises the number of kill cycles.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CYCLES = process.env.FUZZ_RUNS ? 6 : 2;
/**
 * 200 answers per cycle before the kill; more writes are in flight when it lands. A cycle's packs
 * (two rules each) go into one aggregator, which holds at most 500 rules: 240 stays below.
 */
const ACKS_BEFORE_KILL = process.env.FUZZ_RUNS ? 240 : 60;
const IN_FLIGHT = 8;

interface Server {
  proc: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(db: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--db', db, '--port', '0', '--fixtures', 'none', '--log-level', 'silent', '--host', '127.0.0.1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ proc, base: m[1], exited });
    });
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

async function rpc(base: string, action: string, params: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> {
  const body = new URLSearchParams(params).toString();
  const res = await fetch(`${base}/?Action=${action}&Version=2020-09-07&Format=JSON`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** Every aggregator of the caller, through ListAggregators paging. */
async function listAggregators(base: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token = '';
  for (;;) {
    const res = await rpc(base, 'ListAggregators', { MaxResults: '100', ...(token ? { NextToken: token } : {}) });
    if (res.status !== 200) throw new Error(`ListAggregators ${res.status} ${JSON.stringify(res.json)}`);
    for (const a of res.json.AggregatorsResult.Aggregators) out.set(a.AggregatorName, a.AggregatorId);
    token = res.json.AggregatorsResult.NextToken ?? '';
    if (!token) return out;
  }
}

/** Every pack of an aggregator, through ListAggregateCompliancePacks paging. */
async function listPacks(base: string, aggregatorId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let page = 1; ; page++) {
    const res = await rpc(base, 'ListAggregateCompliancePacks', { AggregatorId: aggregatorId, PageSize: '100', PageNumber: String(page) });
    if (res.status !== 200) throw new Error(`ListAggregateCompliancePacks ${res.status} ${JSON.stringify(res.json)}`);
    const items = res.json.CompliancePacksResult.CompliancePacks as { CompliancePackName: string; CompliancePackId: string }[];
    for (const p of items) out.set(p.CompliancePackName, p.CompliancePackId);
    if (items.length < 100) return out;
  }
}

t.test('SIGKILL in the middle of a burst of writes loses nothing that was answered 200', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-emulator-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'state.db');
  /** name -> id of every write answered 200, over all cycles. */
  const ackedAggregators = new Map<string, string>();
  /** pack name -> [pack id, its aggregator]; each cycle fills a fresh aggregator (500 packs each at most). */
  const ackedPacks = new Map<string, [string, string]>();
  let aggregatorId = '';
  let seq = 0;
  let lost = 0;

  const servers: Server[] = [];
  t.teardown(() => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  });
  let server = await start(db);
  servers.push(server);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    {
      const res = await rpc(server.base, 'CreateAggregator', { AggregatorName: `crash-base-${cycle}`, AggregatorType: 'RD' });
      t.equal(res.status, 200, `cycle ${cycle + 1}: the aggregator its packs go into`);
      aggregatorId = res.json.AggregatorId;
      ackedAggregators.set(`crash-base-${cycle}`, aggregatorId);
    }
    // The burst: aggregators while the account allows more (50), then compliance packs.
    let acks = 0;
    let killed = false;
    const writeOne = async (): Promise<void> => {
      while (!killed) {
        const n = seq++;
        const aggregator = n % 2 === 0 && ackedAggregators.size < 40;
        const name = aggregator ? `agg-${n}` : `pack-${n}`;
        try {
          const res = aggregator
            ? await rpc(server.base, 'CreateAggregator', { AggregatorName: name, AggregatorType: 'RD' })
            : await rpc(server.base, 'CreateAggregateCompliancePack', {
                AggregatorId: aggregatorId,
                CompliancePackName: name,
                ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }, { ManagedRuleIdentifier: 'ecs-instance-no-public-ip' }]),
              });
          if (res.status !== 200) {
            if (res.json.Code === 'AggregatorExceedMaxCount') continue;
            throw new Error(`${name}: ${res.status} ${JSON.stringify(res.json)}`);
          }
          if (aggregator) ackedAggregators.set(name, res.json.AggregatorId);
          else ackedPacks.set(name, [res.json.CompliancePackId, aggregatorId]);
          if (++acks === ACKS_BEFORE_KILL) {
            killed = true;
            server.proc.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          lost++; // in flight when the process died: never answered, so never promised
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, writeOne));
    const exit = await server.exited;
    t.equal(exit.signal, 'SIGKILL', `cycle ${cycle + 1}: the server was killed mid-burst`);

    // The file, read directly after the process is dead.
    const raw = new Database(db);
    t.equal(raw.pragma('integrity_check', { simple: true }), 'ok', `cycle ${cycle + 1}: integrity_check ok`);
    t.equal((raw.pragma('foreign_key_check') as unknown[]).length, 0, `cycle ${cycle + 1}: no foreign key violations`);
    const ids = new Set((raw.prepare('SELECT aggregator_id AS id FROM aggregators UNION ALL SELECT compliance_pack_id FROM compliance_packs').all() as { id: string }[]).map((r) => r.id));
    const missing = [...ackedAggregators.values(), ...[...ackedPacks.values()].map(([id]) => id)].filter((id) => !ids.has(id));
    t.same(missing, [], `cycle ${cycle + 1}: every acknowledged write is in the file (${ackedAggregators.size + ackedPacks.size})`);
    const orphans = raw.prepare(`SELECT COUNT(*) AS n FROM config_rules WHERE compliance_pack_id <> '' AND compliance_pack_id NOT IN (SELECT compliance_pack_id FROM compliance_packs)`).get() as { n: number };
    t.equal(orphans.n, 0, `cycle ${cycle + 1}: no orphan rules (no half-written pack)`);
    const halfPacks = raw.prepare(`SELECT COUNT(*) AS n FROM compliance_packs p WHERE (SELECT COUNT(*) FROM config_rules r WHERE r.compliance_pack_id = p.compliance_pack_id) <> 2`).get() as { n: number };
    t.equal(halfPacks.n, 0, `cycle ${cycle + 1}: every pack has all its rules`);
    raw.close();

    // And through the API after a restart (the restarted server takes the next burst).
    server = await start(db);
    servers.push(server);
    const aggs = await listAggregators(server.base);
    const packs = new Map<string, string>();
    for (const agg of new Set([...ackedPacks.values()].map(([, a]) => a))) for (const [name, id] of await listPacks(server.base, agg)) packs.set(name, id);
    for (const [name, id] of ackedAggregators) if (aggs.get(name) !== id) t.fail(`aggregator ${name} (${id}) missing after restart`);
    for (const [name, [id]] of ackedPacks) if (packs.get(name) !== id) t.fail(`pack ${name} (${id}) missing after restart`);
    t.pass(`cycle ${cycle + 1}: ${ackedAggregators.size} aggregators and ${ackedPacks.size} packs listed after restart`);
  }
  server.proc.kill('SIGTERM');
  t.equal((await server.exited).code, 0, 'clean stop at the end');
  t.comment(`writes answered 200 and checked after ${CYCLES} SIGKILLs: ${ackedAggregators.size + ackedPacks.size}; in flight at a kill: ${lost}`);
});
