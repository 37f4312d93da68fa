/**
 * Results that are handed out again and again. A read action may answer several calls with the
 * same result object while nothing it is made of changes (GetAggregateCompliancePackReport polled
 * by a client). Such a result is frozen to the bottom, so whatever is derived from it cannot go
 * stale: the serializer keeps its rendered text here, with the object (a WeakMap: it goes when the
 * object goes). Neither side knows the other: actions mark results, protocol/ renders them.
 */

/** What may be kept with a reusable result: its text in each format (null: not kept for JSON). */
export interface KeptText {
  json?: string | null;
  xml?: string;
}

const kept = new WeakMap<object, KeptText>();

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
}

/** Freezes a result (and everything in it) and lets the serializer keep its rendered text. */
export function reusableResult<T extends Record<string, unknown>>(result: T): T {
  deepFreeze(result);
  kept.set(result, {});
  return result;
}

/** The text slots of a reusable result; undefined for any other object. */
export function keptTextOf(result: object): KeptText | undefined {
  return kept.get(result);
}

/**
 * Answers kept for handing out again, per store (each emulator its own: the owner object is the
 * key of a WeakMap), at most `max` per store; past it the store's map starts afresh.
 */
export class KeptResults<V> {
  private readonly perOwner = new WeakMap<object, Map<string, V>>();

  constructor(private readonly max: number) {}

  get(owner: object, key: string): V | undefined {
    return this.perOwner.get(owner)?.get(key);
  }

  set(owner: object, key: string, value: V): void {
    let kept = this.perOwner.get(owner);
    if (kept === undefined) this.perOwner.set(owner, (kept = new Map()));
    if (kept.size >= this.max) kept.clear();
    kept.set(key, value);
  }
}
