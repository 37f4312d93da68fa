/**
 * Starting the servers under test: each is a child process pinned to one core with taskset,
 * timed from spawn to its first 200, measured (RSS from /proc) and stopped with SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const HOST = '127.0.0.1';

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Pins this process (all its threads) to `cpu`; the load generator runs here. */
export function pinSelf(cpu: number): boolean {
  if (!hasTaskset()) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with status and body, or rejects (connection refused while starting). */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, headers, agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface Started {
  child: ChildProcess;
  port: number;
  /** ms from spawn() to the first 200 on the probe path. */
  startMs: number;
  /** Body of that first 200. */
  firstBody: string;
  stderr: () => string;
}

export interface StartOptions {
  /** node arguments before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  script: string;
  args?: (port: number) => string[];
  cpu: number | undefined;
  /** A GET that answers 200 once the server is ready. */
  probe: string;
  probeHeaders?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The command running node with `argv`, pinned to `cpu` with taskset when one is given. */
export function pinnedNode(cpu: number | undefined, argv: string[]): [string, string[]] {
  return cpu === undefined ? [process.execPath, argv] : ['taskset', ['-c', String(cpu), process.execPath, ...argv]];
}

/** Spawns a server and polls its probe (every ~2 ms, bounded) until the first 200. */
export async function startServer(o: StartOptions): Promise<Started> {
  const port = await freePort();
  const argv = [...(o.nodeArgs ?? []), o.script, ...(o.args ? o.args(port) : [])];
  const [cmd, cmdArgs] = pinnedNode(o.cpu, argv);
  const t0 = performance.now();
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...o.env }, cwd: o.cwd });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    if (err.length < 20_000) err += c.toString('utf8');
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = t0 + (o.timeoutMs ?? 15_000);
  for (let i = 0; i < 20_000 && performance.now() < deadline; i++) {
    if (exited !== undefined) throw new Error(`server ${o.script} exited with ${exited} before it answered: ${err}`);
    try {
      const r = await get(port, o.probe, o.probeHeaders);
      if (r.status === 200) return { child, port, startMs: performance.now() - t0, firstBody: r.body, stderr: () => err };
      throw new Error(`probe ${o.probe} answered ${r.status}: ${r.body.slice(0, 300)}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' && (e as NodeJS.ErrnoException).code !== 'ECONNRESET') {
        child.kill('SIGKILL');
        throw e;
      }
    }
    await sleep(2);
  }
  child.kill('SIGKILL');
  throw new Error(`server ${o.script} did not answer within ${o.timeoutMs ?? 15_000} ms: ${err}`);
}

/** Resident set size of a process in bytes (Linux /proc), or NaN. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux /proc), or NaN. */
export function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/** The node process itself when started through taskset (taskset execs, so the pid is the same). */
export function serverPid(s: Started): number | undefined {
  return s.child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopServer(s: Started, graceMs = 5000): Promise<void> {
  const child = s.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}
