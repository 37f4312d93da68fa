/**
 * Memoized hot lookups (every API call makes a few: the caller's key and account, the owner of an
 * aggregator or pack, a pack's latest report). Under load an indexed SQLite lookup costs about
 * ten times what it costs in a tight loop, so the request path keeps their answers in memory
 * until the data may have changed:
 *
 * - every statement that writes moves the write clock (src/store/db.ts wraps prepare): for a plain
 *   INSERT/UPDATE/DELETE of one table, that table's hand; for anything else (and for `accounts`,
 *   whose deletes cascade to every table), all of them;
 * - every transaction that rolls back moves all of them (its reads may have seen rows that are gone);
 * - for a database file, another process may write too: `sync()` (once per request, by the
 *   route) compares SQLite's `data_version`, which moves when another connection commits.
 *
 * A memo names the tables it reads and is cleared whole when one of them may have changed. Values
 * are shared, so they are frozen.
 */
export class WriteClock {
  private counter = 0;
  /** The counter at the last write that may have touched any table. */
  private all = 0;
  private readonly tables = new Map<string, number>();

  /** Any table may have changed. */
  written(): void {
    this.all = ++this.counter;
  }

  /** Only `table` changed. (Trigger-maintained tables are never memoized.) */
  wroteTable(table: string): void {
    this.tables.set(table, ++this.counter);
  }

  /** A number that moves whenever one of `tables` may have changed. */
  version(tables: readonly string[]): number {
    let v = this.all;
    for (const t of tables) {
      const w = this.tables.get(t);
      if (w !== undefined && w > v) v = w;
    }
    return v;
  }
}

/** The one table a write statement changes, or undefined when that is not plain to see. */
export function writtenTable(sql: string): string | undefined {
  const m = /^\s*(?:INSERT(?:\s+OR\s+[A-Za-z]+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+[A-Za-z]+)?|DELETE\s+FROM)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\.)/i.exec(sql);
  if (!m) return undefined;
  const table = m[1].toLowerCase();
  // Deleting an account cascades to every table that belongs to it.
  return table === 'accounts' ? undefined : table;
}

/** At most this many keys per memo; past it the memo starts afresh (ids are unbounded). */
const MAX_KEYS = 10_000;

export class Memo<K, V> {
  private readonly map = new Map<K, V>();
  private version = -1;

  constructor(
    private readonly clock: WriteClock,
    /** The tables `load` reads. */
    private readonly tables: readonly string[],
    private readonly load: (key: K) => V,
  ) {}

  get(key: K): V {
    const version = this.clock.version(this.tables);
    if (this.version !== version) {
      this.map.clear();
      this.version = version;
    }
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = this.load(key);
    if (this.map.size >= MAX_KEYS) this.map.clear();
    this.map.set(key, value !== null && typeof value === 'object' ? Object.freeze(value) : value);
    return value;
  }
}
