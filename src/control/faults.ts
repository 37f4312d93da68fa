/**
 * Fault injection: rules that make matching API calls fail with an error from the API's catalog,
 * wait before answering, or both.
 *
 * A rule matches on the action (a glob: `List*`, `Get?ggregator`, `*`) and optionally the caller's
 * account. It fires with a probability drawn from its own seeded PRNG (so a run repeats), at most
 * `times` times. The first matching rule that fires decides the call; rules are tried in the order
 * they were added. The error is thrown as an ApiError at the hook point in src/routes/rpc.ts, so the
 * normal serializer renders it in the request's format.
 */
import { ApiError, Errors } from '../errors.js';
import { globToRegExp } from './journal.js';

export interface FaultInput {
  action?: unknown;
  accountId?: unknown;
  error?: unknown;
  message?: unknown;
  latencyMs?: unknown;
  probability?: unknown;
  seed?: unknown;
  times?: unknown;
}

export interface FaultRule {
  id: string;
  action: string;
  accountId: number | null;
  error: string | null;
  httpStatus: number | null;
  message: string | null;
  latencyMs: number;
  probability: number;
  seed: number;
  /** How many more times the rule may fire; null = unlimited. */
  remaining: number | null;
  times: number | null;
  /** Calls the rule matched (whether or not it fired). */
  matched: number;
  /** Calls the rule fired on. */
  fired: number;
}

/** What a call gets from the fault rules. */
export interface FaultDecision {
  ruleId: string;
  latencyMs: number;
  error?: ApiError;
}

export class FaultInputError extends Error {}

/** The fault list is bounded like every other list the emulator keeps in memory. */
export const MAX_FAULT_RULES = 1000;

/** The catalog errors a fault may answer: every named error that takes no argument, by code. */
export function catalogErrors(): Map<string, () => ApiError> {
  const out = new Map<string, () => ApiError>();
  for (const make of Object.values(Errors) as ((...args: never[]) => ApiError)[]) {
    if (make.length !== 0) continue;
    const e = (make as () => ApiError)();
    if (!out.has(e.code)) out.set(e.code, make as () => ApiError);
  }
  return out;
}

/** mulberry32: tiny seeded PRNG, one per rule. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_LATENCY_MS = 120_000;

export class FaultInjector {
  private rules: { rule: FaultRule; pattern: RegExp; random: () => number }[] = [];
  private nextId = 1;
  private readonly catalog = catalogErrors();

  /** `seedBase` (the --seed) makes rules without their own seed repeatable too. */
  constructor(private readonly seedBase: number | undefined) {}

  knownErrorCodes(): string[] {
    return [...this.catalog.keys()].sort();
  }

  /** Validates and adds a rule; throws FaultInputError naming the bad field. */
  add(input: FaultInput): FaultRule {
    if (this.rules.length >= MAX_FAULT_RULES) throw new FaultInputError(`at most ${MAX_FAULT_RULES} fault rules can be active; delete some first`);
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new FaultInputError('the body must be a JSON object');
    const known = ['action', 'accountId', 'error', 'message', 'latencyMs', 'probability', 'seed', 'times'];
    for (const k of Object.keys(input)) if (!known.includes(k)) throw new FaultInputError(`unknown field "${k}" (known: ${known.join(', ')})`);
    const action = input.action ?? '*';
    if (typeof action !== 'string' || action === '' || !/^[A-Za-z0-9*?]+$/.test(action)) {
      throw new FaultInputError('action must be an action name or a glob such as "List*"');
    }
    let accountId: number | null = null;
    if (input.accountId !== undefined && input.accountId !== null) {
      const n = typeof input.accountId === 'string' && /^\d{1,16}$/.test(input.accountId) ? Number(input.accountId) : input.accountId;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new FaultInputError('accountId must be a positive integer account id');
      accountId = n;
    }
    let error: ApiError | undefined;
    if (input.error !== undefined && input.error !== null) {
      const make = typeof input.error === 'string' ? this.catalog.get(input.error) : undefined;
      if (!make) throw new FaultInputError(`error "${String(input.error)}" is not in the API's error catalog (known: ${this.knownErrorCodes().join(', ')})`);
      error = make();
    }
    if (input.message !== undefined && (typeof input.message !== 'string' || input.message.trim() === '')) throw new FaultInputError('message must be a non-empty string (every API error carries a Message)');
    const latencyMs = input.latencyMs ?? 0;
    if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
      throw new FaultInputError(`latencyMs must be a whole number of ms between 0 and ${MAX_LATENCY_MS}`);
    }
    if (!error && latencyMs === 0) throw new FaultInputError('a fault needs an error, a latencyMs, or both');
    const probability = input.probability ?? 1;
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw new FaultInputError('probability must be a number between 0 and 1');
    let times: number | null = null;
    if (input.times !== undefined && input.times !== null) {
      if (typeof input.times !== 'number' || !Number.isInteger(input.times) || input.times < 1) throw new FaultInputError('times must be a positive whole number');
      times = input.times;
    }
    const givenSeed = input.seed ?? undefined;
    if (givenSeed !== undefined && (typeof givenSeed !== 'number' || !Number.isInteger(givenSeed) || givenSeed < 0 || givenSeed > 2 ** 32 - 1)) {
      throw new FaultInputError('seed must be a whole number between 0 and 2^32-1');
    }
    // Only a rule that is added takes an id (and, with --seed, the seed derived from it).
    const id = `fault-${this.nextId++}`;
    let seed: number;
    if (givenSeed !== undefined) {
      seed = givenSeed;
    } else if (this.seedBase !== undefined) {
      seed = (this.seedBase + this.nextId * 0x9e3779b1) >>> 0;
    } else {
      seed = Math.floor(Math.random() * 2 ** 32);
    }
    const rule: FaultRule = {
      id, action, accountId, error: error?.code ?? null, httpStatus: error?.httpStatus ?? null,
      message: (input.message as string | undefined) ?? error?.message ?? null,
      latencyMs, probability, seed, remaining: times, times, matched: 0, fired: 0,
    };
    this.rules.push({ rule, pattern: globToRegExp(action), random: mulberry32(seed) });
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.rule.id !== id);
    return this.rules.length !== before;
  }

  /** Removes every rule, or only those bound to one account. */
  clear(accountId?: number): number {
    const before = this.rules.length;
    this.rules = accountId === undefined ? [] : this.rules.filter((r) => r.rule.accountId !== accountId);
    return before - this.rules.length;
  }

  /** What happens to a call of `action` by `accountId`: undefined when no rule fires. */
  decide(action: string, accountId: number | undefined): FaultDecision | undefined {
    for (const { rule, pattern, random } of this.rules) {
      if (rule.remaining === 0) continue;
      if (!pattern.test(action)) continue;
      if (rule.accountId !== null && rule.accountId !== accountId) continue;
      rule.matched++;
      // Always draw, so the sequence of a rule depends only on its seed and the calls it matched.
      const draw = random();
      if (rule.probability < 1 && draw >= rule.probability) continue;
      rule.fired++;
      if (rule.remaining !== null) rule.remaining--;
      const decision: FaultDecision = { ruleId: rule.id, latencyMs: rule.latencyMs };
      if (rule.error !== null) {
        decision.error = new ApiError(rule.error, rule.message ?? '', rule.httpStatus ?? 500, { 'x-emulator-fault': rule.id });
      }
      return decision;
    }
    return undefined;
  }
}
