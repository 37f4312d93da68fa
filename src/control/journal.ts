/**
 * The request journal: a bounded ring of the last N API calls, newest first on read.
 *
 * Each entry has the time (from the emulator clock), the action, the caller's account, the
 * parameters with secrets redacted, the HTTP status, the error code and the duration. The RPC route
 * records an entry after every call (src/routes/rpc.ts, once the answer is handed over).
 *
 * Recording is on every call's path, so it only keeps the call's record (its parameters are never
 * changed after the call); the entry (ISO time, redacted parameters) is built when it is read.
 */
import { emptyParams, mergeParams, parseForm } from '../protocol/form.js';
import type { CallRecord } from '../routes/rpc.js';

export interface JournalEntry {
  /** Increasing number of the call since start (or the last clear). */
  seq: number;
  /** ISO time of the call, from the emulator clock. */
  time: string;
  timeMs: number;
  requestId: string;
  method: string;
  action: string | null;
  accountId: number | null;
  params: Record<string, string>;
  status: number;
  errorCode: string | null;
  /** Wall-clock time spent answering, in ms (includes injected latency). */
  durationMs: number;
  /** The fault rule that fired on this call, if any: its id, the latency it added, its error. */
  fault: JournalFault | null;
}

export interface JournalFault {
  id: string;
  latencyMs: number;
  error: string | null;
}

export interface JournalFilter {
  action?: string;
  accountId?: number;
  /** An exact status (`503`), a class (`4xx`, `5xx`) or `error` (any status >= 400). */
  status?: string;
  errorCode?: string;
  limit?: number;
}

export const REDACTED = '***';

/** Parameters whose value must never be stored: signatures, tokens and anything called a secret. */
export function isSecretParam(name: string): boolean {
  return /^(Signature|SecurityToken|BearerToken)$/i.test(name) || /secret|password/i.test(name);
}

export function redactParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = isSecretParam(k) ? REDACTED : v;
  return out;
}

/**
 * What `record` keeps: primitives and the two raw parameter strings, not the parsed parameters.
 * A full ring of 1 000 entries lives long enough to be promoted out of V8's young generation; fewer,
 * flatter objects per entry made the journal's share of a call several times smaller.
 */
interface Recorded {
  seq: number;
  timeMs: number;
  requestId: string;
  method: string;
  action: string | undefined;
  accountId: number | undefined;
  status: number;
  errorCode: string | undefined;
  durationMs: number;
  fault: JournalFault | undefined;
  query: string | undefined;
  body: string | undefined;
}

/** The parameters of an entry, decoded as the route decoded them: the query's and the body's, the body's value for a name in both. */
function paramsOf(r: Recorded): Record<string, string> {
  if (r.query === undefined) return emptyParams();
  return mergeParams(parseForm(r.query), r.body ? parseForm(r.body) : undefined);
}

function entryOf(r: Recorded): JournalEntry {
  return {
    seq: r.seq,
    time: new Date(r.timeMs).toISOString(),
    timeMs: r.timeMs,
    requestId: r.requestId,
    method: r.method,
    action: r.action ?? null,
    accountId: r.accountId ?? null,
    params: redactParams(paramsOf(r)),
    status: r.status,
    errorCode: r.errorCode ?? null,
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    fault: r.fault ?? null,
  };
}

/** `List*`, `Get?ggregator` -> a whole-string, case-sensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function statusMatches(status: number, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === 'error') return status >= 400;
  if (f === 'ok') return status < 400;
  if (/^[1-5]xx$/.test(f)) return Math.floor(status / 100) === Number(f[0]);
  return String(status) === f;
}

export class Journal {
  private entries: Recorded[] = [];
  /** Index of the oldest entry once the ring is full. */
  private head = 0;
  private seq = 0;

  constructor(private capacity: number) {}

  get size(): number {
    return this.capacity;
  }

  /**
   * Once the ring is full, the oldest entry's object is written over instead of a new one taking its
   * place. Every entry outlives many young-generation collections, so V8 came to allocate new entries
   * straight in the old generation (pretenuring), where each dropped entry waited for a full GC: under
   * a steady load the RSS climbed in a saw-tooth by 20-50 MB (docs/performance.md, "Memory").
   */
  record(call: CallRecord, method: string, durationMs: number): void {
    if (this.capacity <= 0) return;
    const full = this.entries.length >= this.capacity;
    const e = full ? this.entries[this.head] : ({} as Recorded);
    e.seq = ++this.seq;
    e.timeMs = call.startedAt;
    e.requestId = call.requestId;
    e.method = method;
    e.action = call.action;
    e.accountId = call.accountId;
    e.status = call.status;
    e.errorCode = call.errorCode;
    e.durationMs = durationMs;
    e.fault = call.fault;
    e.query = call.rawParams?.query;
    e.body = call.rawParams?.body;
    if (full) this.head = (this.head + 1) % this.capacity;
    else this.entries.push(e);
  }

  /** Entries matching the filter, newest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const ordered = [...this.entries.slice(this.head), ...this.entries.slice(0, this.head)].reverse().map(entryOf);
    const action = filter.action !== undefined ? globToRegExp(filter.action) : undefined;
    const out = ordered.filter(
      (e) =>
        (action === undefined || (e.action !== null && action.test(e.action))) &&
        (filter.accountId === undefined || e.accountId === filter.accountId) &&
        (filter.status === undefined || statusMatches(e.status, filter.status)) &&
        (filter.errorCode === undefined || e.errorCode === filter.errorCode),
    );
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  count(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
  }

  /** Changes the capacity, keeping the newest entries. */
  resize(capacity: number): void {
    const ordered = [...this.entries.slice(this.head), ...this.entries.slice(0, this.head)];
    const newest = capacity > 0 ? ordered.slice(-capacity) : [];
    this.capacity = capacity;
    this.entries = newest;
    this.head = 0;
  }
}
