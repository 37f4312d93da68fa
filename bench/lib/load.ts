/**
 * The load generator: autocannon in this (pinned) process, with our own microsecond latency
 * histogram (autocannon's own histogram keeps whole milliseconds, too coarse for sub-ms answers).
 */
import autocannon, { type Request } from 'autocannon';
import { cpuMsOf, HOST } from './proc.js';

/** 1 µs buckets up to 2 s; slower answers go to the last bucket. */
const BUCKETS = 2_000_001;

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  private sumUs = 0;
  record(ms: number): void {
    const us = Math.min(BUCKETS - 1, Math.max(0, Math.round(ms * 1000)));
    this.counts[us]++;
    this.count++;
    this.sumUs += us;
  }
  /** The q-quantile in ms (0 < q < 1). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= target) return i / 1000;
    }
    return (BUCKETS - 1) / 1000;
  }
  meanMs(): number {
    return this.count ? this.sumUs / this.count / 1000 : NaN;
  }
}

export interface LoadSpec {
  port: number;
  /** The server's pid, to measure the CPU time it spends per answered request. */
  pid?: number;
  connections: number;
  durationSec: number;
  /** One request shape, or a setup function that builds each request. */
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: Request['setupRequest'];
}

export interface LoadResult {
  connections: number;
  durationSec: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Server CPU time (user + system) per 2xx answer, in µs: robust to a noisy machine. */
  serverCpuUsPerReq: number;
  /** This process's (the load generator's) CPU time per 2xx answer, in µs. */
  generatorCpuUsPerReq: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const hist = new Histogram();
  const request: Request = {
    method: spec.method ?? 'GET',
    path: spec.path ?? '/',
    headers: spec.headers ?? {},
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.setupRequest ? { setupRequest: spec.setupRequest } : {}),
  };
  const inst = autocannon({
    url: `http://${HOST}:${spec.port}`,
    connections: spec.connections,
    duration: spec.durationSec,
    timeout: 10,
    requests: [request],
  });
  let ok = 0;
  inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) {
      ok++;
      hist.record(ms);
    }
  });
  const cpu0 = cpuMsOf(spec.pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await inst;
  const elapsed = (performance.now() - t0) / 1000;
  const cpuMs = cpuMsOf(spec.pid) - cpu0;
  const gen = process.cpuUsage(gen0);
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count;
  return {
    connections: spec.connections,
    durationSec: elapsed,
    requests: ok,
    rps: ok / elapsed,
    p50Ms: hist.quantile(0.5),
    p99Ms: hist.quantile(0.99),
    meanMs: hist.meanMs(),
    serverCpuUsPerReq: ok ? Math.round((cpuMs * 1000) / ok) : NaN,
    generatorCpuUsPerReq: ok ? Math.round((gen.user + gen.system) / ok) : NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}
