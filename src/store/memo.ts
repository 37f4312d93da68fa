/**
 * Memoized hot lookups (every API call makes a few: the caller's key and account, the owner of an
 * aggregator or pack, a pack's latest report). Under load an indexed SQLite lookup costs about
 * ten times what it costs in a tight loop, so the request path keeps their answers in memory
 * until the data may have changed:
 *
 * - every statement that writes bumps `WriteClock.generation` (src/store/db.ts wraps prepare),
 *   and so does every transaction that rolls back (its reads may have seen rows that are gone);
 * - for a database file, another process may write too: `sync()` (once per request, by the
 *   route) compares SQLite's `data_version`, which moves when another connection commits.
 *
 * A memo is cleared whole when the generation moved. Values are shared, so they are frozen.
 */
export class WriteClock {
  generation = 0;
  written(): void {
    this.generation++;
  }
}

/** At most this many keys per memo; past it the memo starts afresh (ids are unbounded). */
const MAX_KEYS = 10_000;

export class Memo<K, V> {
  private readonly map = new Map<K, V>();
  private generation = -1;

  constructor(
    private readonly clock: WriteClock,
    private readonly load: (key: K) => V,
  ) {}

  get(key: K): V {
    if (this.generation !== this.clock.generation) {
      this.map.clear();
      this.generation = this.clock.generation;
    }
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = this.load(key);
    if (this.map.size >= MAX_KEYS) this.map.clear();
    this.map.set(key, value !== null && typeof value === 'object' ? Object.freeze(value) : value);
    return value;
  }
}
