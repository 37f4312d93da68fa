/**
 * Opening and migrating the SQLite database (better-sqlite3, synchronous).
 *
 * Files get WAL and foreign keys; ':memory:' is the default and what every test uses.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { WriteClock, writtenTable } from './memo.js';
import { MIGRATIONS } from './migrations.js';

// require(), not an ESM import: cheaper to load for a CommonJS package (see app.ts).
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export type Db = BetterSqlite3.Database;

/** The database file cannot be opened (missing directory, no permission, not a database). */
export class StoreOpenError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`cannot open database ${file}: ${reason}`);
    this.name = 'StoreOpenError';
  }
}

/**
 * WAL pages before a commit checkpoints them into the database file (SQLite's default: 1 000).
 * Each checkpoint costs two fsyncs and blocks the request that triggers it; at 10 000 pages
 * (about 40 MB of WAL at most) a page rewritten by many commits is copied once, not ten times:
 * about 10-20% less CPU and 25-40% less wall time per create (issue 8, docs/performance.md).
 * Closing still checkpoints everything into one self-contained file.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export function openDatabase(file: string): Db {
  let db: Db;
  try {
    db = new Database(file);
    if (file !== ':memory:' && file !== '') db.pragma('journal_mode = WAL');
  } catch (err) {
    throw new StoreOpenError(file, (err as Error).message);
  }
  if (file !== ':memory:' && file !== '') {
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    // Statement journals in memory. A commit group (Store.grouped) runs each write in a savepoint
    // of one transaction, and the sub-journal of released savepoints lasts until the COMMIT: past
    // SQLite's 64 KiB it spilled into a temporary file, a pwrite per journalled page (~30k kernel
    // instructions per create, issue 8). A group of 50 creates keeps ~2 MB until it commits.
    db.pragma('temp_store = MEMORY');
  }
  db.pragma('foreign_keys = ON');
  try {
    migrate(db);
  } catch (err) {
    db.close(); // a refused or failed migration leaves the file to whoever opens it next
    throw err;
  }
  return db;
}

const clocks = new WeakMap<Db, WriteClock>();

/**
 * The write clock of a database (src/store/memo.ts): from the first call on, every statement
 * prepared on `db` that writes (and every `exec`) bumps it when run. Statements prepared before
 * the first call are not tracked, so the Store calls this before its repositories prepare any.
 */
export function writeClockOf(db: Db): WriteClock {
  let clock = clocks.get(db);
  if (clock) return clock;
  const tracked = new WriteClock();
  clock = tracked;
  clocks.set(db, tracked);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    if (!stmt.reader) {
      const run = stmt.run;
      const table = writtenTable(source);
      stmt.run = function (this: BetterSqlite3.Statement, ...args: unknown[]) {
        if (table === undefined) tracked.written();
        else tracked.wroteTable(table);
        return run.apply(this, args);
      } as typeof stmt.run;
    }
    return stmt;
  }) as typeof db.prepare;
  const exec = db.exec.bind(db);
  db.exec = ((source: string) => {
    tracked.written();
    return exec(source);
  }) as typeof db.exec;
  return tracked;
}

/** Per database: what runs before each of its statements (`beforeEachStatement`). */
const statementHooks = new WeakMap<Db, (stmt: BetterSqlite3.Statement) => void>();
let statementsPatched = false;

/**
 * From the call on, every statement of `db` (whenever prepared, better-sqlite3's own transaction
 * statements included) runs `before(statement)` first, on each run, get, all or iterate. The Store
 * uses it to commit an open commit group before anyone else's statement, and to begin a read
 * transaction at the first statement that reads (`Store.read`). One wrapper per method on the shared
 * Statement prototype: call sites stay monomorphic (a wrapper per statement cost ~5% of a create).
 */
export function beforeEachStatement(db: Db, before: (stmt: BetterSqlite3.Statement) => void): void {
  statementHooks.set(db, before);
  if (statementsPatched) return;
  statementsPatched = true;
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method];
    proto[method] = function (this: BetterSqlite3.Statement, ...args: unknown[]) {
      statementHooks.get(this.database)?.(this);
      return original.apply(this, args);
    };
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this emulator (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const step = db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    });
    step.immediate();
  }
}

/** Flushes the WAL into the main file and closes. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  if (!db.memory) db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
