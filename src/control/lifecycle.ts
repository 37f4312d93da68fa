/**
 * Lifecycle modes: how long a generated report stays CREATING, and how long a new compliance pack
 * or aggregator stays in its creating state.
 *
 *   immediate          ready at once
 *   delay  {delayMs}   ready `delayMs` of emulator time after creation (follows the clock)
 *   reads  {reads}     the first N reads answer "creating", read N+1 and later see it ready
 *                      (like moto's state manager)
 *
 * Modes are set globally (POST /_emulator/lifecycle) and per request with headers:
 *   x-emulator-report-delay-ms: N            this request's generated report: delay N ms
 *   x-emulator-report-ready-after-reads: N   this request's generated report: reads mode
 *   x-emulator-create-delay-ms: N            this request's new pack/aggregator: delay N ms
 *   x-emulator-create-ready-after-reads: N   this request's new pack/aggregator: reads mode
 *
 * Everything is computed from `ready_at` columns and the clock. "Reads" mode stores a ready_at far
 * in the future (NEVER_MS after creation) and keeps the read counters IN MEMORY, keyed by resource
 * id: a restart, an export/import or a reset forgets them (the resource then stays creating until
 * the clock passes ready_at). A read is a Get or List call by the owning account that names the
 * resource:
 *   reports      a Get/List action whose name contains "Report" with a parameter equal to the
 *                report's scope (the pack id for pack reports)
 *   packs        a Get/List *CompliancePack* action (not a report) with CompliancePackId = the pack,
 *                or a List action with AggregatorId = the pack's aggregator
 *   aggregators  GetAggregator with AggregatorId = the aggregator, or ListAggregators
 * A read is counted before the action runs, even if the action then fails. The read that uses up
 * the counter makes the resource ready IN THE SAME TRANSACTION as its action (`readyWrite`): a
 * failed request changes nothing in the store (docs/reliability.md), so when that read fails the
 * counter stays at zero and the next read makes the resource ready instead. Failed reads answer
 * nothing, so what a client sees is the same: every successful read after the first N sees it ready.
 */
import { ApiError } from '../errors.js';
import type { Store } from '../store/index.js';

export type ReadyMode = { mode: 'immediate' } | { mode: 'delay'; delayMs: number } | { mode: 'reads'; reads: number };
export const LIFECYCLE_KINDS = ['reports', 'compliancePacks', 'aggregators'] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

/** ready_at offset used for "reads" mode: about 100 years, i.e. never by the clock alone. */
export const NEVER_MS = 100 * 365 * 86_400_000;
const MAX_DELAY_MS = 10 * 365 * 86_400_000;
const MAX_READS = 1_000_000;

export class LifecycleInputError extends Error {}

export interface PendingReads {
  kind: LifecycleKind;
  /** Pack id, aggregator id, or report object key. */
  id: string;
  accountId: number;
  /** What a read must name: the report's scope, the pack's aggregator. */
  scopeId: string;
  readsLeft: number;
}

/** Per-request overrides read from the x-emulator-* headers. */
export interface RequestModes {
  report: ReadyMode;
  create: { compliancePacks: ReadyMode; aggregators: ReadyMode };
}

export function parseMode(raw: unknown, at: string): ReadyMode {
  if (typeof raw === 'number') return delayMode(raw, at);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new LifecycleInputError(`${at} must be an object like {"mode":"delay","delayMs":5000}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['mode', 'delayMs', 'reads'].includes(k)) throw new LifecycleInputError(`${at}.${k} is not a known field (mode, delayMs, reads)`);
  const mode = o.mode ?? (o.reads !== undefined ? 'reads' : o.delayMs !== undefined ? 'delay' : undefined);
  if (mode === 'immediate') return { mode: 'immediate' };
  if (mode === 'delay') return delayMode(o.delayMs, `${at}.delayMs`);
  if (mode === 'reads') {
    if (typeof o.reads !== 'number' || !Number.isInteger(o.reads) || o.reads < 0 || o.reads > MAX_READS) {
      throw new LifecycleInputError(`${at}.reads must be a whole number between 0 and ${MAX_READS}`);
    }
    return o.reads === 0 ? { mode: 'immediate' } : { mode: 'reads', reads: o.reads };
  }
  throw new LifecycleInputError(`${at}.mode must be immediate, delay or reads`);
}

function delayMode(v: unknown, at: string): ReadyMode {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_DELAY_MS) throw new LifecycleInputError(`${at} must be a whole number of ms between 0 and ${MAX_DELAY_MS}`);
  return v === 0 ? { mode: 'immediate' } : { mode: 'delay', delayMs: v };
}

/** The ready_at offset a mode gives at creation. */
export function readyOffset(mode: ReadyMode): number {
  return mode.mode === 'immediate' ? 0 : mode.mode === 'delay' ? mode.delayMs : NEVER_MS;
}

const badHeader = (name: string) => new ApiError('InvalidParameter', `The header ${name} must be a whole number.`, 400);

export type HeaderBag = Record<string, string | string[] | undefined>;
function headerInt(headers: HeaderBag, name: string): number | undefined {
  const raw = headers[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,12}$/.test(v.trim())) throw badHeader(name);
  return Number(v);
}

const isRead = (action: string) => /^(Get|List)/.test(action);

/** What an action creates that a lifecycle mode governs, if anything; kept per action name. */
const createsOf = new Map<string, LifecycleKind | undefined>();
function creates(action: string): LifecycleKind | undefined {
  if (createsOf.has(action)) return createsOf.get(action);
  const kind: LifecycleKind | undefined = /^(Create|Copy)\w*CompliancePacks?$/.test(action)
    ? 'compliancePacks'
    : action === 'CreateAggregator'
      ? 'aggregators'
      : /^Generate.*Report$/.test(action)
        ? 'reports'
        : undefined;
  // Only the registry's action names come here (a few dozen); the cap is a guard all the same.
  if (createsOf.size < 1000) createsOf.set(action, kind);
  return kind;
}

export class Lifecycle {
  private modes: Record<LifecycleKind, ReadyMode>;
  private readonly pending = new Map<string, PendingReads>();

  constructor(
    private readonly defaultReportDelayMs: number,
    private readonly defaultCreateDelayMs = 0,
  ) {
    this.modes = Lifecycle.defaults(defaultReportDelayMs, defaultCreateDelayMs);
  }

  /** The configured defaults: --report-delay-ms for reports, --create-delay-ms for packs and groups. */
  static defaults(reportDelayMs: number, createDelayMs = 0): Record<LifecycleKind, ReadyMode> {
    const after = (ms: number): ReadyMode => (ms === 0 ? { mode: 'immediate' } : { mode: 'delay', delayMs: ms });
    return { reports: after(reportDelayMs), compliancePacks: after(createDelayMs), aggregators: after(createDelayMs) };
  }

  settings(): Record<LifecycleKind, ReadyMode> {
    return { ...this.modes };
  }

  pendingReads(): PendingReads[] {
    return [...this.pending.values()].map((p) => ({ ...p }));
  }

  /** Sets some modes from a body like {"reports": {"mode": "reads", "reads": 2}}; all or nothing. */
  configure(body: unknown): Record<LifecycleKind, ReadyMode> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new LifecycleInputError('the body must be a JSON object');
    const next = { ...this.modes };
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === 'reset') {
        if (v !== true) throw new LifecycleInputError('reset must be true (back to the defaults); leave it out otherwise');
        Object.assign(next, Lifecycle.defaults(this.defaultReportDelayMs, this.defaultCreateDelayMs));
        continue;
      }
      if (!(LIFECYCLE_KINDS as readonly string[]).includes(k)) throw new LifecycleInputError(`unknown field "${k}" (known: ${LIFECYCLE_KINDS.join(', ')}, reset)`);
      next[k as LifecycleKind] = parseMode(v, k);
    }
    this.modes = next;
    return this.settings();
  }

  /** The global modes as a request's, while no x-emulator-* header overrides them (one object per configuration). */
  private globalModes: { of: Record<LifecycleKind, ReadyMode>; modes: RequestModes } | undefined;

  /** The modes for one request: the global ones, overridden by x-emulator-* headers. */
  requestModes(headers: HeaderBag): RequestModes {
    const reportMs = headerInt(headers, 'x-emulator-report-delay-ms');
    const reportReads = headerInt(headers, 'x-emulator-report-ready-after-reads');
    const createMs = headerInt(headers, 'x-emulator-create-delay-ms');
    const createReads = headerInt(headers, 'x-emulator-create-ready-after-reads');
    if (reportMs === undefined && reportReads === undefined && createMs === undefined && createReads === undefined) {
      const g = this.globalModes;
      if (g !== undefined && g.of === this.modes) return g.modes;
      const modes = { report: this.modes.reports, create: { compliancePacks: this.modes.compliancePacks, aggregators: this.modes.aggregators } };
      this.globalModes = { of: this.modes, modes };
      return modes;
    }
    const pick = (global: ReadyMode, ms: number | undefined, reads: number | undefined, name: string): ReadyMode => {
      if (reads !== undefined) return parseMode({ mode: 'reads', reads }, name);
      if (ms !== undefined) return parseMode({ mode: 'delay', delayMs: ms }, name);
      return global;
    };
    return {
      report: pick(this.modes.reports, reportMs, reportReads, 'x-emulator-report-*'),
      create: {
        compliancePacks: pick(this.modes.compliancePacks, createMs, createReads, 'x-emulator-create-*'),
        aggregators: pick(this.modes.aggregators, createMs, createReads, 'x-emulator-create-*'),
      },
    };
  }

  /**
   * Before an action runs: counts a read of every pending resource the call names. Answers the
   * resources this read makes ready; nothing is written yet: the caller runs `readyWrite` inside the
   * action's transaction, and `forgetReady` once the action succeeded.
   */
  countReads(call: { action: string; accountId: number; params: Record<string, string> }): PendingReads[] {
    const due: PendingReads[] = [];
    if (this.pending.size === 0 || !isRead(call.action)) return due;
    const values = new Set(Object.values(call.params));
    const isList = call.action.startsWith('List');
    for (const p of [...this.pending.values()]) {
      if (p.accountId !== call.accountId) continue;
      let named = false;
      if (p.kind === 'reports') named = /Report/.test(call.action) && values.has(p.scopeId);
      else if (p.kind === 'compliancePacks') {
        named = /CompliancePack/.test(call.action) && !/Report/.test(call.action) &&
          (call.params.CompliancePackId === p.id || (isList && (call.params.AggregatorId ?? '') === p.scopeId));
      } else {
        named = (call.action === 'GetAggregator' && call.params.AggregatorId === p.id) || call.action === 'ListAggregators';
      }
      if (!named) continue;
      if (p.readsLeft > 0) {
        p.readsLeft--;
        continue;
      }
      due.push(p);
    }
    return due;
  }

  /** Inside the reading action's transaction: makes ready what `countReads` said is due (still pending). */
  readyWrite(store: Store, due: PendingReads[], now: number): void {
    for (const p of due) {
      if (this.pending.get(p.id) !== p) continue; // made ready meanwhile by another read, or forgotten
      if (p.kind === 'reports') store.reports.setReadyAt(p.id, now);
      else if (p.kind === 'compliancePacks') store.packs.setReadyAt(p.id, now);
      else store.aggregators.setReadyAt(p.id, now);
    }
  }

  /** After the reading action succeeded (its transaction committed): stops counting what it made ready. */
  forgetReady(due: PendingReads[]): void {
    for (const p of due) if (this.pending.get(p.id) === p) this.pending.delete(p.id);
  }

  /**
   * After an action succeeded: starts the read counters of what it created in "reads" mode. The
   * handlers already wrote each new resource's ready_at from the request's modes (ctx.createReadyMs,
   * ctx.reportDelayMs; "reads" = NEVER_MS), in the action's own transaction, so other modes need
   * nothing here. A ClientToken replay creates nothing (the resource is not fresh): left alone.
   */
  afterRun(store: Store, call: { action: string; accountId: number; since: number; result: Record<string, unknown>; modes: RequestModes }): void {
    const { action, result, since, modes } = call;
    const kind = creates(action);
    if (kind === undefined) return;
    if (kind === 'compliancePacks') {
      // Create answers the new id; Copy answers none, so take every fresh pack of the caller.
      const mode = modes.create.compliancePacks;
      if (mode.mode !== 'reads') return;
      const fresh = typeof result.CompliancePackId === 'string' ? [store.packs.get(result.CompliancePackId)] : store.packs.freshSince(call.accountId, since);
      for (const pack of fresh) {
        if (!pack || pack.createdAt < since || pack.readyAt !== pack.createdAt + NEVER_MS || this.pending.has(pack.compliancePackId)) continue;
        this.track({ kind: 'compliancePacks', id: pack.compliancePackId, accountId: pack.accountId, scopeId: pack.aggregatorId, readsLeft: mode.reads });
      }
    } else if (kind === 'aggregators' && typeof result.AggregatorId === 'string') {
      const mode = modes.create.aggregators;
      if (mode.mode !== 'reads') return;
      const agg = store.aggregators.get(result.AggregatorId);
      if (agg && agg.createdAt >= since && agg.readyAt === agg.createdAt + NEVER_MS && !this.pending.has(agg.aggregatorId)) {
        this.track({ kind: 'aggregators', id: agg.aggregatorId, accountId: agg.accountId, scopeId: agg.aggregatorId, readsLeft: mode.reads });
      }
    } else if (kind === 'reports' && modes.report.mode === 'reads') {
      // The handler built the report with ready_at = now + NEVER_MS (ctx.reportDelayMs); track it.
      for (const r of store.reports.all()) {
        if (r.accountId === call.accountId && r.createdAt >= since && r.readyAt === r.createdAt + NEVER_MS && !this.pending.has(r.objectKey)) {
          this.track({ kind: 'reports', id: r.objectKey, accountId: r.accountId, scopeId: r.scopeId, readsLeft: modes.report.reads });
        }
      }
    }
  }

  private track(p: PendingReads): void {
    this.pending.set(p.id, p);
  }

  /** Forgets read counters (all, or one account's). */
  clearPending(accountId?: number): void {
    for (const [id, p] of this.pending) if (accountId === undefined || p.accountId === accountId) this.pending.delete(id);
  }
}
