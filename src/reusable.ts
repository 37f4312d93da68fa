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
