/**
 * The store: one SQLite database and a repository per table family. Synchronous, camelCase domain
 * objects out, never API errors and never wire casing.
 */
import type Database from 'better-sqlite3';
import { closeDatabase, openDatabase, type Db } from './db.js';
import { AccountsRepo } from './accounts.js';
import { AggregatorsRepo } from './aggregators.js';
import { PacksRepo } from './packs.js';
import { RulesRepo } from './rules.js';
import { ReportsRepo } from './reports.js';
import { TagsRepo } from './tags.js';
import { TokensRepo } from './tokens.js';

export * from './accounts.js';
export * from './aggregators.js';
export * from './packs.js';
export * from './rules.js';
export * from './reports.js';
export * from './tags.js';
export * from './tokens.js';

/** Tables in an order that respects foreign keys when emptying them. */
const TABLES = ['client_tokens', 'tags', 'reports', 'config_rules', 'compliance_packs', 'aggregator_members', 'aggregators', 'access_keys', 'accounts'];

export class Store {
  readonly accounts: AccountsRepo;
  readonly aggregators: AggregatorsRepo;
  readonly packs: PacksRepo;
  readonly rules: RulesRepo;
  readonly reports: ReportsRepo;
  readonly tags: TagsRepo;
  readonly tokens: TokensRepo;

  constructor(readonly db: Db) {
    this.accounts = new AccountsRepo(db);
    this.aggregators = new AggregatorsRepo(db);
    this.packs = new PacksRepo(db);
    this.rules = new RulesRepo(db);
    this.reports = new ReportsRepo(db);
    this.tags = new TagsRepo(db);
    this.tokens = new TokensRepo(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  static open(file: string): Store {
    return new Store(openDatabase(file));
  }

  /** One transaction wrapper for the store's life (building one per call showed in the profile). */
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  /** Runs `fn` atomically: everything or nothing is written. */
  transaction<T>(fn: () => T): T {
    return this.runInTransaction.immediate(fn) as T;
  }

  /** Empties every table (reset), keeping the schema. */
  clear(): void {
    this.transaction(() => {
      for (const t of TABLES) this.db.prepare(`DELETE FROM ${t}`).run();
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
