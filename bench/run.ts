/**
 * npm run bench — throughput, latency, scaling, start-up and memory of the compiled emulator,
 * against a bare fastify route started the same way in the same run (issue 8).
 *
 *   npm run bench                          all sections, 3 s per measured run, 4 pairs per scenario
 *   npm run bench -- --only get-json,get-v3-strict --pairs 6
 *   npm run bench -- --soak                memory over a 60 s run (default 10 s)
 *   npm run bench -- --profile             also run get-json under node --cpu-prof and summarise it
 *   npm run bench -- --compare ../other    also run get-json and get-xml against another checkout's
 *                                          build (<dir>/dist/src/main.js), e.g. before a change
 *
 * The servers run as child processes pinned to core 0 (taskset); this process, the load generator
 * (autocannon), pins itself to core 1. Results: a table on stdout and bench/results/<stamp>.json
 * plus bench/results/latest.json. Benchmarks, not tests: nothing here runs under `npm test`.
 */
import { timeEvaluationApart } from './lib/evaluation.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult } from './lib/load.js';
import { get, hasTaskset, pinSelf, rssOf, startServer, stopServer, type Started } from './lib/proc.js';
import { summarizeProfile, type ProfileSummary } from './lib/profile.js';
import { explain, seedAggregators, seedPacks, TARGET_AGGREGATOR, TARGET_PACK } from './lib/seed.js';
import { bare, createScenario, getJson, getJsonQuiet, getQuery, getV3Strict, getXml, list10k, listQuery, type Scenario } from './scenarios.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repo root, from bench/ (tsx) or dist/bench/ (compiled). */
const ROOT = path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '..', '..') : path.resolve(HERE, '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const BARE = path.join(ROOT, 'dist', 'bench', 'bare-server.js');
const RESULTS = path.join(ROOT, 'bench', 'results');
const SERVER_CPU = 0;
const LOAD_CPU = 1;

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    pairs: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,50' },
    only: { type: 'string' },
    soak: { type: 'boolean', default: false },
    'soak-seconds': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'startup-runs': { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
    'scale-sizes': { type: 'string', default: '100,10000,100000' },
    'scale-rounds': { type: 'string', default: '4' },
    'scale-servers': { type: 'string', default: '2' },
    compare: { type: 'string' },
  },
});
const DURATION = Math.min(120, Math.max(1, Number(opt.duration)));
const WARMUP = Math.min(10, Math.max(0, Number(opt.warmup)));
const PAIRS = Math.min(20, Math.max(1, Math.round(Number(opt.pairs))));
const CONNECTIONS = opt.connections.split(',').map(Number).filter((n) => n > 0 && n <= 1000);
const SOAK_SECONDS = Math.min(600, Math.max(5, Number(opt['soak-seconds'] ?? (opt.soak ? 60 : 10))));
const STARTUP_RUNS = Math.min(20, Math.max(1, Number(opt['startup-runs'])));
const ONLY = opt.only ? new Set(opt.only.split(',')) : undefined;
const want = (section: string) => !ONLY || ONLY.has(section);

const round = (n: number, d = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const log = (s: string) => process.stderr.write(`${s}\n`);

const pinned = hasTaskset();
const serverCpu = pinned ? SERVER_CPU : undefined;

function emulatorArgs(extra: string[]) {
  return (port: number) => ['--host', '127.0.0.1', '--port', String(port), ...extra];
}

async function startFor(s: Scenario, extra: string[] = [], nodeArgs: string[] = [], probe?: string, main = MAIN): Promise<Started> {
  if (s.server.kind === 'bare') {
    return startServer({ script: BARE, cpu: serverCpu, args: (port) => ['--port', String(port), ...(cannedBody ? ['--body', cannedBody] : [])], probe: '/', nodeArgs });
  }
  return startServer({ script: main, cpu: serverCpu, args: emulatorArgs([...s.server.args, ...extra]), probe: probe ?? '/_emulator/ready', nodeArgs, cwd: path.resolve(main, '..', '..', '..') });
}

async function preflight(s: Scenario, srv: Started): Promise<void> {
  const shape = s.request(srv.port);
  if (shape.method === 'GET') {
    const r = await get(srv.port, shape.path, shape.headers);
    s.preflight(r.status, r.body, r.headers);
    return;
  }
  const body = shape.body ?? '';
  const res = await fetch(`http://127.0.0.1:${srv.port}${shape.path}`, { method: 'POST', headers: shape.headers, body });
  s.preflight(res.status, await res.text(), Object.fromEntries(res.headers.entries()));
}

/** One connection count of one scenario: its runs and those of the bare route, paired. */
interface PairedRuns {
  connections: number;
  /** The scenario's measured runs, in the order they ran. */
  runs: LoadResult[];
  /** The bare route's runs: bare[i] ran right before or right after runs[i]. */
  bare: LoadResult[];
  /** Which of each pair ran first. */
  order: ('bare' | 'scenario')[];
}

interface ScenarioResult {
  name: string;
  title: string;
  paired: PairedRuns[];
  rssAfterBytes: number;
}

/**
 * A scenario measured against the bare route in the same minute: both servers are started (each
 * pinned to the server core, the idle one waits), each is warmed up, and then PAIRS pairs of runs
 * alternate between them in the order B S, S B, B S, S B, … (a steady drift of the machine then
 * favours neither side). Each pair gives a ratio; the table shows their median.
 */
async function measure(s: Scenario, extra: string[] = [], main = MAIN): Promise<ScenarioResult> {
  log(`- ${s.name}: ${s.title}${main === MAIN ? '' : ` [${main}]`} (${PAIRS} pairs with the bare route per connection count)`);
  const ref = await startFor(bare);
  try {
    const srv = await startFor(s, extra, [], undefined, main);
    try {
      await preflight(s, srv);
      await preflight(bare, ref);
      const paired: PairedRuns[] = [];
      for (const c of CONNECTIONS) {
        const shape = s.request(srv.port, true);
        const bareShape = bare.request(ref.port, true);
        if (WARMUP > 0) {
          await runLoad({ port: ref.port, connections: c, durationSec: WARMUP, ...bareShape });
          await runLoad({ port: srv.port, connections: c, durationSec: WARMUP, ...shape });
        }
        const p: PairedRuns = { connections: c, runs: [], bare: [], order: [] };
        const runScenario = async () => p.runs.push(await runLoad({ port: srv.port, pid: srv.child.pid, connections: c, durationSec: DURATION, ...shape }));
        const runBare = async () => p.bare.push(await runLoad({ port: ref.port, pid: ref.child.pid, connections: c, durationSec: DURATION, ...bareShape }));
        for (let i = 0; i < PAIRS; i++) {
          const bareFirst = i % 2 === 0;
          p.order.push(bareFirst ? 'bare' : 'scenario');
          if (bareFirst) {
            await runBare();
            await runScenario();
          } else {
            await runScenario();
            await runBare();
          }
          const r = p.runs[i];
          const b = p.bare[i];
          log(`    ${String(c).padStart(3)} conns, pair ${i + 1}: ${Math.round(r.rps)} req/s (bare ${Math.round(b.rps)}: ${round(r.rps / b.rps)}x), p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (bare ${b.p99Ms}), server CPU ${r.serverCpuUsPerReq} µs/req (bare ${b.serverCpuUsPerReq})${r.non2xx || r.errors ? `, non2xx ${r.non2xx}, errors ${r.errors}` : ''}`);
        }
        paired.push(p);
      }
      return { name: s.name, title: s.title, paired, rssAfterBytes: rssOf(srv.child.pid) };
    } finally {
      await stopServer(srv);
    }
  } finally {
    await stopServer(ref);
  }
}

// ---- sections -------------------------------------------------------------------------------

let cannedBody: string | undefined;

async function startupSection(tmp: string) {
  log('- start-up: spawn -> first 200, RSS when ready');
  const emu: { ms: number; rss: number }[] = [];
  const ref: { ms: number; rss: number }[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const e = await startServer({ script: MAIN, cpu: serverCpu, args: emulatorArgs(['--auth', 'off']), probe: getQuery('JSON'), cwd: ROOT });
    emu.push({ ms: e.startMs, rss: rssOf(e.child.pid) });
    if (!cannedBody) {
      cannedBody = path.join(tmp, 'canned-get.json');
      writeFileSync(cannedBody, e.firstBody);
    }
    await stopServer(e);
    const b = await startServer({ script: BARE, cpu: serverCpu, args: (port) => ['--port', String(port), '--body', cannedBody!], probe: '/' });
    ref.push({ ms: b.startMs, rss: rssOf(b.child.pid) });
    await stopServer(b);
  }
  const out = {
    runs: STARTUP_RUNS,
    emulator: { medianMs: round(median(emu.map((x) => x.ms)), 1), medianRssMB: round(median(emu.map((x) => x.rss)) / 2 ** 20, 1), samples: emu.map((x) => ({ ms: round(x.ms, 1), rssMB: round(x.rss / 2 ** 20, 1) })) },
    bare: { medianMs: round(median(ref.map((x) => x.ms)), 1), medianRssMB: round(median(ref.map((x) => x.rss)) / 2 ** 20, 1), samples: ref.map((x) => ({ ms: round(x.ms, 1), rssMB: round(x.rss / 2 ** 20, 1) })) },
    timeRatio: 0,
    rssRatio: 0,
  };
  out.timeRatio = round(out.emulator.medianMs / out.bare.medianMs);
  out.rssRatio = round(out.emulator.medianRssMB / out.bare.medianRssMB);
  log(`    emulator ${out.emulator.medianMs} ms / ${out.emulator.medianRssMB} MB; bare ${out.bare.medianMs} ms / ${out.bare.medianRssMB} MB`);
  return out;
}

const SCALE_ROUNDS = Math.min(20, Math.max(1, Math.round(Number(opt['scale-rounds']))));
const SCALE_SERVERS = Math.min(5, Math.max(1, Math.round(Number(opt['scale-servers']))));
const SCALE_SIZES = opt['scale-sizes'].split(',').map(Number).filter((n) => n >= 100 && n <= 1_000_000);

/**
 * p50 of Get and List per store size. SCALE_SERVERS server processes per size are started (all
 * pinned to the server core; the idle ones wait) and warmed up; then SCALE_ROUNDS rounds run Get
 * and List on each server in turn, the order reversed every other round (100, 10k, 100k, then
 * 100k, 10k, 100, …). A size's p50 is the median over its servers and rounds.
 *
 * The spread is taken like the pair ratios of the throughput table: within each group (one round,
 * server k of every size, run back to back) each size's p50 is divided by the smallest size's,
 * and a size's ratio is the median over the groups. The machine's speed drifts by ±20% over the
 * minutes this section takes; a ratio of runs seconds apart shares that drift, a ratio of medians
 * taken minutes apart does not. One process can also run its request path ±10% slower than
 * another for as long as it lives (how V8 compiled it), which several processes per size average
 * out.
 */
async function scalingSection(tmp: string) {
  log(`- scaling: p50 of Get and List over ${SCALE_SIZES.join(' / ')} packs (100 in the listed aggregator), ${SCALE_SERVERS} servers per size, ${SCALE_ROUNDS} rounds over all of them`);
  const plans: Record<string, string[]> = {};
  const dbs = new Map<number, string>();
  for (const n of SCALE_SIZES) {
    const db = path.join(tmp, `scale-${n}.db`);
    const t = performance.now();
    seedPacks(db, n, 100);
    log(`    seeded ${n} packs in ${Math.round(performance.now() - t)} ms`);
    if (n === SCALE_SIZES[SCALE_SIZES.length - 1]) Object.assign(plans, queryPlans(db));
    dbs.set(n, db);
  }
  const samples = new Map<number, { get: LoadResult[]; list: LoadResult[] }>(SCALE_SIZES.map((n) => [n, { get: [], list: [] }]));
  const servers = new Map<number, Started[]>(SCALE_SIZES.map((n) => [n, []]));
  try {
    const c = 10;
    const shapes = (srv: Started) => ({
      get: { port: srv.port, pid: srv.child.pid, connections: c, method: 'GET' as const, path: getQuery('JSON'), headers: {} },
      list: { port: srv.port, pid: srv.child.pid, connections: c, method: 'GET' as const, path: listQuery(), headers: {} },
    });
    for (let k = 0; k < SCALE_SERVERS; k++) {
      for (const n of SCALE_SIZES) {
        const srv = await startServer({ script: MAIN, cpu: serverCpu, args: emulatorArgs(['--auth', 'off', '--fixtures', 'none', '--db', dbs.get(n)!]), probe: '/_emulator/ready', cwd: ROOT });
        servers.get(n)!.push(srv);
        const check = await get(srv.port, listQuery());
        if (check.status !== 200 || !check.body.includes('"TotalCount":100')) throw new Error(`scale list answered ${check.status}: ${check.body.slice(0, 200)}`);
        if (WARMUP) {
          await runLoad({ ...shapes(srv).get, durationSec: WARMUP });
          await runLoad({ ...shapes(srv).list, durationSec: WARMUP });
        }
      }
    }
    for (let round = 0; round < SCALE_ROUNDS; round++) {
      const order = round % 2 === 0 ? SCALE_SIZES : [...SCALE_SIZES].reverse();
      for (let k = 0; k < SCALE_SERVERS; k++) {
        for (const n of order) {
          const sh = shapes(servers.get(n)![k]);
          const gr = await runLoad({ ...sh.get, durationSec: DURATION });
          const lr = await runLoad({ ...sh.list, durationSec: DURATION });
          samples.get(n)!.get.push(gr);
          samples.get(n)!.list.push(lr);
          log(`    round ${round + 1}, ${n} (server ${k + 1}): Get p50 ${gr.p50Ms} ms (${Math.round(gr.rps)}/s), List p50 ${lr.p50Ms} ms (${Math.round(lr.rps)}/s)`);
        }
      }
    }
  } finally {
    for (const list of servers.values()) for (const srv of list) await stopServer(srv);
    for (const db of dbs.values()) rmSync(db, { force: true });
  }
  const rows = SCALE_SIZES.map((n) => {
    const { get: gs, list: ls } = samples.get(n)!;
    const med = (rs: LoadResult[], f: (r: LoadResult) => number) => median(rs.map(f));
    return {
      packs: n,
      getP50Ms: round(med(gs, (r) => r.p50Ms), 3), listP50Ms: round(med(ls, (r) => r.p50Ms), 3),
      getRps: Math.round(med(gs, (r) => r.rps)), listRps: Math.round(med(ls, (r) => r.rps)),
      getP50Runs: gs.map((r) => r.p50Ms), listP50Runs: ls.map((r) => r.p50Ms),
    };
  });
  const base = SCALE_SIZES[0];
  // Run i of every size belongs to the same group (round, server k), run back to back: each size's
  // p50 over the smallest size's, median over the groups (1 for the smallest).
  const relative = (k: 'get' | 'list') => {
    const baseRuns = samples.get(base)![k];
    return SCALE_SIZES.map((n) => round(median(samples.get(n)![k].map((r, i) => r.p50Ms / baseRuns[i].p50Ms)), 3));
  };
  const getRelative = relative('get');
  const listRelative = relative('list');
  const spread = (rel: number[]) => round(Math.max(...rel) / Math.min(...rel));
  const medianSpread = (k: 'getP50Ms' | 'listP50Ms') => round(Math.max(...rows.map((r) => r[k])) / Math.min(...rows.map((r) => r[k])));
  return {
    connections: 10, servers: SCALE_SERVERS, rounds: SCALE_ROUNDS,
    rows: rows.map((r, i) => ({ ...r, getRelative: getRelative[i], listRelative: listRelative[i] })),
    getSpread: spread(getRelative), listSpread: spread(listRelative),
    /** The older figure: max over min of the sizes' median p50s (runs minutes apart). */
    getSpreadOfMedians: medianSpread('getP50Ms'), listSpreadOfMedians: medianSpread('listP50Ms'),
    plans,
  };
}

/** The statements Get and List run, with their plans against the largest store. */
function queryPlans(db: string): Record<string, string[]> {
  const acc = 1009318965421234;
  const q: Record<string, [string, unknown[] | Record<string, unknown>]> = {
    'aggregators.get': ['SELECT * FROM aggregators WHERE aggregator_id = ?', [TARGET_AGGREGATOR]],
    'aggregator_members (hydrate)': ['SELECT account_id, account_name, account_type FROM aggregator_members WHERE aggregator_id = ? ORDER BY position', [TARGET_AGGREGATOR]],
    'packs.get': ['SELECT * FROM compliance_packs WHERE compliance_pack_id = ?', [TARGET_PACK]],
    'reports.latest': ['SELECT object_key FROM reports WHERE scope_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1', [TARGET_PACK]],
    'packs.search page': ['SELECT p.* FROM compliance_packs p WHERE p.account_id = @accountId AND p.aggregator_id = @aggregatorId ORDER BY p.seq LIMIT @limit OFFSET @offset', { accountId: acc, aggregatorId: TARGET_AGGREGATOR, limit: 10, offset: 0 }],
    'packs.count (List total, Create limit)': ['SELECT COALESCE((SELECT n FROM compliance_pack_counts WHERE account_id = ? AND aggregator_id = ?), 0)', [acc, TARGET_AGGREGATOR]],
    'packs.search count (with a filter)': ['SELECT COUNT(*) AS n FROM compliance_packs p WHERE p.account_id = @accountId AND p.aggregator_id = @aggregatorId AND p.risk_level = @riskLevel', { accountId: acc, aggregatorId: TARGET_AGGREGATOR, riskLevel: 1 }],
    'tags.of': ['SELECT * FROM tags WHERE resource_id = ? ORDER BY rowid', [TARGET_PACK]],
    'accounts.accessKey': ['SELECT * FROM access_keys WHERE access_key_id = ?', ['LTAI5tEmulatorDefaultKey']],
    'accounts.get': ['SELECT * FROM accounts WHERE account_id = ?', [acc]],
    'packs.byName (create)': ['SELECT * FROM compliance_packs WHERE account_id = ? AND aggregator_id = ? AND name = ?', [acc, TARGET_AGGREGATOR, 'x']],
    'rules.byName (create rule)': ['SELECT * FROM config_rules WHERE account_id = ? AND aggregator_id = ? AND name = ?', [acc, TARGET_AGGREGATOR, 'x']],
  };
  const out: Record<string, string[]> = {};
  for (const [name, [sql, params]] of Object.entries(q)) out[name] = explain(db, sql, params);
  return out;
}

async function soakSection() {
  log(`- memory: RSS over a ${SOAK_SECONDS} s Get JSON run at 50 connections`);
  const srv = await startFor(getJson);
  const samples: { t: number; rssMB: number }[] = [];
  try {
    const t0 = performance.now();
    const timer = setInterval(() => samples.push({ t: round((performance.now() - t0) / 1000, 1), rssMB: round(rssOf(srv.child.pid) / 2 ** 20, 1) }), 1000);
    const r = await runLoad({ port: srv.port, pid: srv.child.pid, connections: 50, durationSec: SOAK_SECONDS, method: 'GET', path: getQuery('JSON'), headers: {} });
    clearInterval(timer);
    // Growth: the last quarter's mean against the second quarter's (the first warms up the JIT and pools).
    const q = Math.max(1, Math.floor(samples.length / 4));
    const mean = (xs: { rssMB: number }[]) => xs.reduce((a, x) => a + x.rssMB, 0) / Math.max(1, xs.length);
    const early = mean(samples.slice(q, 2 * q));
    const late = mean(samples.slice(-q));
    const growthPct = round(((late - early) / early) * 100, 1);
    log(`    ${r.requests} requests; RSS ${samples[0]?.rssMB} -> ${samples[samples.length - 1]?.rssMB} MB; growth (last quarter vs second) ${growthPct}%`);
    return { seconds: SOAK_SECONDS, requests: r.requests, rps: Math.round(r.rps), samples, earlyMB: round(early, 1), lateMB: round(late, 1), growthPct };
  } finally {
    await stopServer(srv);
  }
}

async function profileSection(tmp: string): Promise<ProfileSummary & { file: string; skippedMs: number }> {
  log('- profile: get-json under node --cpu-prof, 50 connections');
  const dir = path.join(tmp, 'profile');
  mkdirSync(dir, { recursive: true });
  const srv = await startFor(getJson, [], ['--cpu-prof', '--cpu-prof-dir', dir]);
  const spawnedAt = performance.now() - srv.startMs;
  let skipMs = 0;
  try {
    const shape = { port: srv.port, connections: 50, method: 'GET' as const, path: getQuery('JSON'), headers: {} };
    await runLoad({ ...shape, durationSec: Math.max(1, WARMUP) });
    skipMs = performance.now() - spawnedAt; // only the measured part counts
    await runLoad({ ...shape, durationSec: DURATION });
  } finally {
    await stopServer(srv, 20_000);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const keep = path.join(RESULTS, 'profile-get-json.cpuprofile');
  execFileSync('cp', [path.join(dir, file), keep]);
  const s = summarizeProfile(keep, 30, skipMs);
  for (const f of s.functions.slice(0, 15)) log(`    ${String(f.selfPct).padStart(5)}%  ${f.name}`);
  return { ...s, skippedMs: Math.round(skipMs), file: path.relative(ROOT, keep) };
}

async function evaluationSection() {
  const t = await timeEvaluationApart(ROOT, serverCpu);
  const ok = t.evaluateMs < 2000 && t.reportMs < 2000;
  log(`- evaluation: ${t.rules} rules x ${t.resources} resources -> ${t.results} results in ${t.evaluateMs} ms; report of ${t.nonCompliantRows} non-compliant rows (of ${t.nonCompliantResults} non-compliant results; ${t.reportBytes} bytes) in ${t.reportMs} ms (${t.reportCpuMs} ms of CPU) (targets < 2000 ms each: ${ok ? 'met' : 'MISSED'})`);
  return { skipped: false, ...t, targetsMet: ok };
}

// ---- table ----------------------------------------------------------------------------------

/**
 * The table: one row per scenario and connection count. Its figures are the medians of its runs;
 * its ratios are the medians of the ratios of each pair (scenario run / the bare run next to it),
 * and `rpsRatioRange` shows the spread of those pair ratios. This machine's speed drifts within one
 * run (the bare route went from 11 000 to 19 500 req/s between the first and the last measurement
 * of one run in session 4): a ratio taken within one pair shares the drift of that half minute.
 */
function table(results: ScenarioResult[]) {
  const rows = [];
  for (const s of results) {
    for (const p of s.paired) {
      const ratios = (f: (r: LoadResult) => number) => p.runs.map((r, i) => f(r) / f(p.bare[i]));
      const rpsRatios = ratios((r) => r.rps);
      const med = (rs: LoadResult[], f: (r: LoadResult) => number) => median(rs.map(f));
      rows.push({
        scenario: s.name, connections: p.connections, pairs: p.runs.length,
        rps: Math.round(med(p.runs, (r) => r.rps)), p50Ms: round(med(p.runs, (r) => r.p50Ms), 3), p99Ms: round(med(p.runs, (r) => r.p99Ms), 3),
        bareRps: Math.round(med(p.bare, (r) => r.rps)), bareP99Ms: round(med(p.bare, (r) => r.p99Ms), 3),
        rpsRatio: round(median(rpsRatios)), rpsRatioRange: [round(Math.min(...rpsRatios)), round(Math.max(...rpsRatios))],
        p99Ratio: round(median(ratios((r) => r.p99Ms))),
        cpuUsPerReq: Math.round(med(p.runs, (r) => r.serverCpuUsPerReq)), bareCpuUsPerReq: Math.round(med(p.bare, (r) => r.serverCpuUsPerReq)),
        cpuRatio: round(median(ratios((r) => r.serverCpuUsPerReq))),
        generatorCpuUsPerReq: Math.round(med(p.runs, (r) => r.generatorCpuUsPerReq)),
        non2xx: p.runs.reduce((a, r) => a + r.non2xx + r.errors, 0),
      });
    }
  }
  const head = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'bare req/s', 'bare p99 ms', 'x bare req/s (pairs)', 'x bare p99', 'server CPU µs/req', 'x bare CPU', 'loadgen CPU µs/req', 'non-2xx'];
  const lines = rows.map((r) => [r.scenario, r.connections, r.rps, r.p50Ms, r.p99Ms, r.bareRps, r.bareP99Ms, `${r.rpsRatio} (${r.rpsRatioRange[0]}-${r.rpsRatioRange[1]})`, r.p99Ratio, r.cpuUsPerReq, r.cpuRatio, r.generatorCpuUsPerReq, r.non2xx].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const text = [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
  return { rows, text };
}

function targets(rows: ReturnType<typeof table>['rows'], extra: { startup?: Awaited<ReturnType<typeof startupSection>>; scaling?: Awaited<ReturnType<typeof scalingSection>>; soak?: Awaited<ReturnType<typeof soakSection>> }) {
  const out: { measure: string; target: string; value: string; met: boolean }[] = [];
  const at = (name: string) => rows.filter((r) => r.scenario === name);
  for (const r of at('get-json')) out.push({ measure: `Get JSON req/s, ${r.connections} conns`, target: '>= 0.6x bare', value: `${r.rpsRatio}x`, met: r.rpsRatio >= 0.6 });
  for (const r of at('get-v3-strict')) out.push({ measure: `signed strict req/s, ${r.connections} conns`, target: '>= 0.45x bare', value: `${r.rpsRatio}x`, met: r.rpsRatio >= 0.45 });
  for (const r of rows.filter((x) => x.connections === 50 && !x.scenario.endsWith('@compare'))) out.push({ measure: `p99 at 50 conns, ${r.scenario}`, target: '<= 2x bare', value: `${r.p99Ratio}x`, met: r.p99Ratio <= 2 });
  for (const r of at('create')) out.push({ measure: `writes, ${r.connections} conns`, target: '>= 2000 req/s', value: `${r.rps} req/s`, met: r.rps >= 2000 });
  if (extra.scaling) {
    out.push({ measure: 'Get p50 across 100 / 10k / 100k packs', target: '<= 1.3x', value: `${extra.scaling.getSpread}x`, met: extra.scaling.getSpread <= 1.3 });
    out.push({ measure: 'List p50 across 100 / 10k / 100k packs', target: '<= 1.3x', value: `${extra.scaling.listSpread}x`, met: extra.scaling.listSpread <= 1.3 });
  }
  if (extra.startup) {
    out.push({ measure: 'start-up to first 200', target: '<= 1.5x bare', value: `${extra.startup.timeRatio}x (${extra.startup.emulator.medianMs} vs ${extra.startup.bare.medianMs} ms)`, met: extra.startup.timeRatio <= 1.5 });
    out.push({ measure: 'RSS when ready', target: '<= 1.5x bare', value: `${extra.startup.rssRatio}x (${extra.startup.emulator.medianRssMB} vs ${extra.startup.bare.medianRssMB} MB)`, met: extra.startup.rssRatio <= 1.5 });
  }
  if (extra.soak) out.push({ measure: `RSS growth over ${extra.soak.seconds} s`, target: 'none (< 5%)', value: `${extra.soak.growthPct}% (${extra.soak.earlyMB} -> ${extra.soak.lateMB} MB)`, met: extra.soak.growthPct < 5 });
  return out;
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  for (const f of [MAIN, BARE]) if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run bench\` (it builds first)`);
  const selfPinned = pinned && pinSelf(LOAD_CPU);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  log(`bench: ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), node ${process.version}; servers on cpu ${serverCpu ?? '(unpinned)'}, load generator on cpu ${selfPinned ? LOAD_CPU : '(unpinned)'}; load avg ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  log(`  ${DURATION} s per run after ${WARMUP} s warm-up, connections ${CONNECTIONS.join(', ')}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'config-emulator-bench-'));
  try {
    const startup = want('startup') ? await startupSection(tmp) : undefined;

    // Each scenario is measured in pairs with a bare route started beside it (see `measure`).
    const results: ScenarioResult[] = [];
    const add = async (run: Promise<ScenarioResult>) => {
      results.push(await run);
    };
    if (want('get-json')) await add(measure(getJson));
    if (want('get-json-quiet')) await add(measure(getJsonQuiet));
    if (want('get-xml')) await add(measure(getXml));
    if (want('get-v3-strict')) await add(measure(getV3Strict));
    if (want('list-10k')) {
      const db = path.join(tmp, 'list-10k.db');
      seedPacks(db, 10_000, 10_000);
      await add(measure(list10k, ['--db', db]));
    }
    if (want('create')) {
      const db = path.join(tmp, 'create.db');
      const aggs = seedAggregators(db, 1000);
      await add(measure(createScenario(aggs), ['--db', db]));
    }
    if (opt.compare) {
      const other = path.resolve(opt.compare, 'dist', 'src', 'main.js');
      if (!existsSync(other)) throw new Error(`--compare: ${other} is missing (build that checkout first)`);
      for (const sc of [getJson, getXml]) results.push({ ...(await measure(sc, [], other)), name: `${sc.name}@compare` });
    }
    const scaling = want('scaling') ? await scalingSection(tmp) : undefined;
    const soak = want('soak') ? await soakSection() : undefined;
    const profile = opt.profile ? await profileSection(tmp) : undefined;
    const evaluation = await evaluationSection();

    const t = table(results);
    const goals = targets(t.rows, { startup, scaling, soak });
    const loadAfter = os.loadavg();
    const report = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAvgBefore: loadBefore, loadAvgAfter: loadAfter, pinned: { server: serverCpu, loadGenerator: selfPinned ? LOAD_CPU : undefined } },
      options: { durationSec: DURATION, warmupSec: WARMUP, pairs: PAIRS, connections: CONNECTIONS, soakSec: SOAK_SECONDS, compare: opt.compare ? path.resolve(opt.compare) : undefined },
      bareReference: 'each scenario beside its own bare server, runs alternating in pairs (B S, S B, …); ratios: median of the per-pair ratios; figures: median of the runs',
      table: t.rows,
      targets: goals,
      startup,
      scaling,
      soak,
      profile,
      evaluation,
      raw: results,
    };
    process.stdout.write(`\n${t.text}\n\n`);
    for (const g of goals) process.stdout.write(`${g.met ? 'met   ' : 'MISSED'}  ${g.measure}: ${g.value} (target ${g.target})\n`);
    if (scaling) {
      process.stdout.write(`\nscaling (p50 ms at ${scaling.connections} conns):\n`);
      for (const r of scaling.rows) process.stdout.write(`  ${String(r.packs).padStart(6)} packs: Get ${r.getP50Ms} (${r.getRelative}x)  List ${r.listP50Ms} (${r.listRelative}x)\n`);
    }
    process.stdout.write(`\nload average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}\n`);
    if (!opt['no-write']) {
      mkdirSync(RESULTS, { recursive: true });
      const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
      const json = `${JSON.stringify(report, null, 2)}\n`;
      // latest.json is the latest complete run; partial runs (--only) keep their own file only.
      const partial = ONLY !== undefined;
      writeFileSync(path.join(RESULTS, `${stamp}${partial ? '-partial' : ''}.json`), json);
      if (!partial) writeFileSync(path.join(RESULTS, 'latest.json'), json);
      process.stdout.write(`results: bench/results/${stamp}${partial ? '-partial.json' : '.json (and latest.json)'}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
