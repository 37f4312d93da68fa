/**
 * The store: one SQLite database and a repository per table family. Synchronous, camelCase domain
 * objects out, never API errors and never wire casing.
 */
import path from 'node:path';
import { ChangeSet } from './changes.js';
import type Database from 'better-sqlite3';
import { CHECKPOINT_INTERVAL_MS, Checkpointer, checkpointerTrouble } from './checkpointer.js';
import { beforeEachStatement, closeDatabase, openDatabase, writeClockOf, type Db } from './db.js';
import type { WriteClock } from './memo.js';
import { AccountsRepo } from './accounts.js';
import { AggregatorsRepo } from './aggregators.js';
import { EvaluationsRepo } from './evaluations.js';
import { PacksRepo } from './packs.js';
import { RulesRepo } from './rules.js';
import { ReportsRepo } from './reports.js';
import { ResourcesRepo } from './resources.js';
import { TagsRepo } from './tags.js';
import { TokensRepo } from './tokens.js';

export * from './accounts.js';
export * from './aggregators.js';
export * from './evaluations.js';
export * from './packs.js';
export * from './rules.js';
export * from './reports.js';
export * from './resources.js';
export * from './tags.js';
export * from './tokens.js';

export { CHECKPOINT_INTERVAL_MS, Checkpointer, type CheckpointResult } from './checkpointer.js';

export interface StoreOptions {
  /**
   * On a database file: time between the WAL checkpoints a worker thread takes (checkpointer.ts),
   * from the first grouped write on. 0 leaves checkpoints to SQLite's auto-checkpoint, on the
   * committing connection. Default CHECKPOINT_INTERVAL_MS.
   */
  checkpointIntervalMs?: number;
  /** Told when the checkpointer cannot run (the emulator logs it as a warning). */
  onCheckpointerError?: (message: string) => void;
}

/** The writes of one commit group waiting for its commit (see Store.grouped). */
interface CommitGroup {
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** Tables in an order that respects foreign keys when emptying them. */
const TABLES = ['evaluation_results', 'resources', 'client_tokens', 'tags', 'reports', 'config_rules', 'compliance_packs', 'aggregator_members', 'aggregators', 'access_keys', 'accounts'];

export class Store {
  /** Rule and membership writes of the current request (see changes.ts). */
  readonly changes = new ChangeSet();
  readonly accounts: AccountsRepo;
  readonly aggregators: AggregatorsRepo;
  readonly packs: PacksRepo;
  readonly rules: RulesRepo;
  readonly reports: ReportsRepo;
  readonly tags: TagsRepo;
  readonly tokens: TokensRepo;
  readonly resources: ResourcesRepo;
  readonly evaluations: EvaluationsRepo;

  /** Moves on writes (per table) and rollbacks (all tables); memoized lookups (memo.ts) start afresh when theirs move. */
  readonly writes: WriteClock;
  private readonly dataVersionStmt;
  private dataVersion = 0;
  /** The open commit group (see `grouped`), or undefined. */
  private group: CommitGroup | undefined;
  /** More than 0 while a grouped write runs (its nested transactions are savepoints of the group). */
  private groupDepth = 0;
  private readonly beginStmt;
  private readonly beginReadStmt;
  /** `read` runs on a database file and its transaction has not begun: the first reading statement begins it. */
  private readPending = false;
  /** `read` began its transaction (`beginRead`): it ends it. */
  private readBegun = false;
  private readonly commitStmt;
  private readonly rollbackStmt;

  /** Takes the WAL checkpoints of a database file off the event loop; started by the first grouped write. */
  private checkpointer: Checkpointer | undefined;
  /** Time between the checkpointer's passive checkpoints; 0: none (SQLite's auto-checkpoint alone). */
  private checkpointIntervalMs: number;
  /** The database file's absolute path ('' in memory). */
  private readonly dbFile: string;
  private readonly onCheckpointerError: ((message: string) => void) | undefined;

  constructor(readonly db: Db, options: StoreOptions = {}) {
    this.checkpointIntervalMs = db.memory ? 0 : (options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS);
    this.onCheckpointerError = options.onCheckpointerError;
    // Resolved now: the checkpointer opens the file later, perhaps after the process changed directory.
    this.dbFile = db.memory ? '' : path.resolve(db.name);
    // The commit group's own statements change no rows: prepared before the write clock starts
    // tracking (writeClockOf), they never move it (a failed group moves it itself, failGroup).
    this.beginStmt = db.prepare('BEGIN IMMEDIATE');
    this.beginReadStmt = db.prepare('BEGIN DEFERRED');
    this.commitStmt = db.prepare('COMMIT');
    this.rollbackStmt = db.prepare('ROLLBACK');
    this.writes = writeClockOf(db);
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    // Every statement (the repositories', anyone's) commits an open commit group before it runs,
    // unless it runs inside a grouped write: no reader ever sees another request's uncommitted
    // writes, whichever route or task it serves. (`flush` leaves the group before its COMMIT.)
    beforeEachStatement(db, (stmt) => {
      this.flush();
      if (this.readPending && stmt.reader && !db.inTransaction) this.beginRead();
    });
    this.accounts = new AccountsRepo(db);
    this.aggregators = new AggregatorsRepo(db, this.changes);
    this.packs = new PacksRepo(db);
    this.rules = new RulesRepo(db, this.changes);
    this.reports = new ReportsRepo(db);
    this.tags = new TagsRepo(db);
    this.tokens = new TokensRepo(db);
    this.resources = new ResourcesRepo(db);
    this.evaluations = new EvaluationsRepo(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  static open(file: string, options?: StoreOptions): Store {
    return new Store(openDatabase(file), options);
  }

  /** The checkpointer of a database file, once the first grouped write has started it (tests). */
  get walCheckpointer(): Checkpointer | undefined {
    return this.checkpointer;
  }

  /** One transaction wrapper for the store's life (building one per call showed in the profile). */
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  /**
   * Runs the reads of `fn` in one read transaction: one consistent snapshot, and on a database
   * file one lock round instead of one per statement (each autocommit read of a WAL file takes
   * and drops the shared locks: about four times the cost of a small indexed lookup). In memory
   * there are no locks to save, so `fn` just runs.
   */
  read<T>(fn: () => T): T {
    this.flush();
    if (this.db.memory || this.db.inTransaction || this.readPending) return fn();
    // The transaction begins at the first statement that reads (the statement hook), not here: a
    // read whose answers all come from the memos (a polled Get or List page) then costs no
    // BEGIN/COMMIT round at all. The snapshot starts at that first statement; the memos were
    // checked against other processes' commits by `sync` when the call began, as before.
    this.readPending = true;
    try {
      const result = fn();
      if (this.readBegun && this.db.inTransaction) this.commitStmt.run();
      return result;
    } catch (err) {
      if (this.readBegun && this.db.inTransaction) this.rollbackStmt.run();
      throw err;
    } finally {
      this.readPending = false;
      this.readBegun = false;
    }
  }

  private beginRead(): void {
    this.readBegun = true;
    this.beginReadStmt.run();
  }

  /** Runs `fn` atomically: everything or nothing is written, and it is committed on return. */
  transaction<T>(fn: () => T): T {
    this.flush();
    try {
      if (this.db.inTransaction) return this.runInTransaction.immediate(fn) as T;
      // Holding the write lock now, look again for other processes' commits: a write decides on
      // memoized lookups (owners), which must not predate a commit made since the request began.
      return this.runInTransaction.immediate(() => {
        this.checkDataVersion();
        return fn();
      }) as T;
    } catch (err) {
      this.writes.written(); // rolled back: memos may hold rows that are gone
      throw err;
    }
  }

  /**
   * Notices writes of other processes on the same database file (SQLite's data_version moves
   * when another connection commits), so memoized lookups never serve stale rows. The RPC route
   * calls it once per request, and `transaction` and a new commit group again under the write
   * lock; an in-memory database has no other writer.
   */
  sync(): void {
    // While a commit group is open this connection holds the write lock: no one else can commit.
    if (this.group === undefined) this.checkDataVersion();
  }

  private checkDataVersion(): void {
    if (this.db.memory) return;
    const v = this.dataVersionStmt.get() as number;
    if (v !== this.dataVersion) {
      this.dataVersion = v;
      this.writes.written();
    }
  }

  /**
   * Group commit, for the API's writes: runs `fn` atomically (a savepoint) inside one transaction
   * shared by every grouped write that arrives before the event loop next turns, and resolves with
   * its result once that transaction has committed. The caller answers only then, so an answered
   * write is always committed.
   *
   * Under concurrent load a commit (the WAL frames of every page the transaction changed, and the
   * lock round) costs about a third of a create; writes committed together share it, and pages they
   * both change (indexes, counters) are written once.
   *
   * - `fn` throws: its savepoint is rolled back, the promise rejects at once, the group goes on.
   * - The commit fails: the whole group is rolled back and every write of it rejects.
   * - Anything else that touches the store commits the open group first: any statement run outside
   *   a grouped write (`beforeEachStatement`), and `read`, `transaction` and `close`, which must
   *   commit it before they open (or close) a transaction of their own. So no statement reads
   *   uncommitted data of another request. A memo hit runs no statement: a memoized lookup made
   *   outside `read`/`transaction` (the route's auth lookup of the access key) can see a row of the
   *   open group before it commits; API writes never write access keys or accounts.
   */
  grouped<T>(fn: () => T): Promise<T> {
    if (this.groupDepth > 0 || (this.group === undefined && this.db.inTransaction)) {
      // Nested in a grouped write, or in a caller's own transaction: a plain (nested) transaction.
      try {
        return Promise.resolve(this.transaction(fn));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let group = this.group;
    try {
      group ??= this.openGroup();
    } catch (err) {
      return Promise.reject(err); // the write lock could not be taken (busy): nothing was written
    }
    let result: T;
    this.groupDepth++;
    try {
      // A savepoint of the group's transaction (`transaction` nests; it marks memos stale on failure).
      result = this.transaction(fn);
    } catch (err) {
      // Some failures (I/O, out of memory) make SQLite roll back the whole transaction, not just the savepoint.
      if (!this.db.inTransaction) this.failGroup(group, err);
      return Promise.reject(err);
    } finally {
      this.groupDepth--;
    }
    const open = group;
    return new Promise<T>((resolve, reject) => open.waiters.push({ resolve: () => resolve(result), reject }));
  }

  /** Commits the open commit group now (no-op when there is none, or from inside a grouped write). */
  flush(): void {
    const group = this.group;
    if (group === undefined || this.groupDepth > 0) return;
    this.group = undefined;
    try {
      this.commitStmt.run();
    } catch (err) {
      try {
        if (this.db.inTransaction) this.rollbackStmt.run();
      } finally {
        this.failGroup(group, err);
      }
      return;
    }
    for (const w of group.waiters) w.resolve();
  }

  private openGroup(): CommitGroup {
    // The API's writes come through here: a store that only reads, or only loads fixtures, never
    // needs a thread for its WAL (SQLite's auto-checkpoint folds those few pages).
    if (this.checkpointer === undefined && this.checkpointIntervalMs > 0) this.startCheckpointer();
    this.beginStmt.run();
    // Holding the write lock now, look again for other processes' commits (see `transaction`);
    // before the group is set, as its statement would commit an open group.
    this.checkDataVersion();
    const group: CommitGroup = { waiters: [] };
    this.group = group;
    setImmediate(() => {
      if (this.group === group) this.flush();
    });
    return group;
  }

  private startCheckpointer(): void {
    try {
      this.checkpointer = new Checkpointer(this.dbFile, { intervalMs: this.checkpointIntervalMs, onError: this.onCheckpointerError });
    } catch (err) {
      // No thread to be had (a resource limit): SQLite's auto-checkpoint alone, as with 0.
      this.checkpointIntervalMs = 0;
      this.onCheckpointerError?.(checkpointerTrouble(this.dbFile, `no thread (${(err as Error).message})`));
    }
  }

  /** The group's transaction is gone (rolled back): every write of it fails. */
  private failGroup(group: CommitGroup, cause: unknown): void {
    if (this.group === group) this.group = undefined;
    this.writes.written();
    const reason = cause instanceof Error ? cause.message : String(cause);
    for (const w of group.waiters) w.reject(new Error(`the write was rolled back with its commit group: ${reason}`));
    group.waiters.length = 0;
  }

  /**
   * Whether the store holds state of its own: any group, pack, resource or report, or an account
   * other than `except` (the default account a start without fixtures creates). One statement of
   * EXISTS probes: a start on a large file reads no table through.
   */
  holdsState(except: number): boolean {
    return (
      this.db
        .prepare<[number], number>(
          `SELECT EXISTS (SELECT 1 FROM aggregators) OR EXISTS (SELECT 1 FROM compliance_packs) OR EXISTS (SELECT 1 FROM resources)
             OR EXISTS (SELECT 1 FROM reports) OR EXISTS (SELECT 1 FROM accounts WHERE account_id <> ?)`,
        )
        .pluck()
        .get(except) === 1
    );
  }

  /** Empties every table (reset), keeping the schema. */
  clear(): void {
    this.transaction(() => {
      for (const t of TABLES) this.db.prepare(`DELETE FROM ${t}`).run();
      // Restart AUTOINCREMENT counters too, so a reset store numbers rows (and NextTokens) as a fresh one.
      const hasSequence = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
      if (hasSequence) this.db.prepare('DELETE FROM sqlite_sequence').run();
    });
  }

  /**
   * Deletes everything one account owns (reset of one account), keeping the account row and its
   * access keys. Tables added later that hold per-account data must be listed here too.
   */
  clearAccount(accountId: number): void {
    this.transaction(() => {
      for (const t of ['client_tokens', 'tags', 'reports', 'evaluation_results', 'resources', 'config_rules', 'compliance_packs', 'aggregators']) {
        this.db.prepare(`DELETE FROM ${t} WHERE account_id = ?`).run(accountId);
      }
    });
  }

  /** True when no account exists yet (a fresh database). */
  isEmpty(): boolean {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n === 0;
  }

  close(): void {
    if (this.db.open) this.flush();
    // The checkpointer's connection closes first: the store's close is then the last one, and it
    // folds the WAL into the database file (one self-contained file).
    this.checkpointer?.stop();
    closeDatabase(this.db);
  }
}
