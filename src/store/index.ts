/**
 * The store: one SQLite database and a repository per table family. Synchronous, camelCase domain
 * objects out, never API errors and never wire casing.
 */
import { ChangeSet } from './changes.js';
import type Database from 'better-sqlite3';
import { closeDatabase, openDatabase, writeClockOf, type Db } from './db.js';
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

  constructor(readonly db: Db) {
    this.writes = writeClockOf(db);
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
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

  static open(file: string): Store {
    return new Store(openDatabase(file));
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
    if (this.db.memory || this.db.inTransaction) return fn();
    return this.runInTransaction.deferred(fn) as T;
  }

  /** Runs `fn` atomically: everything or nothing is written. */
  transaction<T>(fn: () => T): T {
    try {
      if (this.db.inTransaction) return this.runInTransaction.immediate(fn) as T;
      // Holding the write lock now, look again for other processes' commits: a write decides on
      // memoized lookups (owners), which must not predate a commit made since the request began.
      return this.runInTransaction.immediate(() => {
        this.sync();
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
   * calls it once per request and `transaction` again under the write lock; an in-memory database
   * has no other writer.
   */
  sync(): void {
    if (this.db.memory) return;
    const v = this.dataVersionStmt.get() as number;
    if (v !== this.dataVersion) {
      this.dataVersion = v;
      this.writes.written();
    }
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
    closeDatabase(this.db);
  }
}
