import type Database from 'better-sqlite3';
import { writeClockOf, type Db } from './db.js';
import { Memo } from './memo.js';

export interface TagPair {
  tagKey: string;
  tagValue: string;
}
/** Evaluation scope of a pack or rule (comma lists kept as the API gives them). */
export interface Scope {
  regionIdsScope?: string;
  excludeRegionIdsScope?: string;
  resourceGroupIdsScope?: string;
  excludeResourceGroupIdsScope?: string;
  resourceIdsScope?: string;
  excludeResourceIdsScope?: string;
  tagKeyScope?: string;
  tagValueScope?: string;
  excludeTagKeyScope?: string;
  excludeTagValueScope?: string;
  tagsScope?: TagPair[];
  excludeTagsScope?: TagPair[];
  resourceTypesScope?: string[];
}

export interface CompliancePack {
  compliancePackId: string;
  accountId: number;
  /** '' for a single-account pack. */
  aggregatorId: string;
  name: string;
  description: string;
  templateId: string;
  riskLevel: number;
  scope: Scope;
  templateContent: string;
  createdAt: number;
  readyAt: number;
}

/**
 * The columns of every pack read, in the order `toPack` takes them. Rows are read raw (arrays):
 * better-sqlite3 builds a row object property by property, about twice the cost of the array
 * (a page of 10 packs: ~95 vs ~45 µs on the bench machine, docs/performance.md).
 */
const PACK_COLUMNS = 'compliance_pack_id, account_id, aggregator_id, name, description, template_id, risk_level, scope_json, template_content, created_at, ready_at';
type Row = [
  compliancePackId: string, accountId: number, aggregatorId: string, name: string, description: string, templateId: string,
  riskLevel: number, scopeJson: string, templateContent: string, createdAt: number, readyAt: number,
];
const toPack = (r: Row): CompliancePack => ({
  compliancePackId: r[0], accountId: r[1], aggregatorId: r[2], name: r[3], description: r[4], templateId: r[5],
  riskLevel: r[6], scope: JSON.parse(r[7]) as Scope, templateContent: r[8], createdAt: r[9], readyAt: r[10],
});
/** The INSERT's values, in its column order. */
const insertValues = (p: CompliancePack): unknown[] => [
  p.compliancePackId, p.accountId, p.aggregatorId, p.name, p.description, p.templateId, p.riskLevel, JSON.stringify(p.scope),
  p.templateContent, p.createdAt, p.readyAt,
];
const toRow = (p: CompliancePack) => ({
  compliancePackId: p.compliancePackId, accountId: p.accountId, aggregatorId: p.aggregatorId, name: p.name,
  description: p.description, templateId: p.templateId, riskLevel: p.riskLevel, scopeJson: JSON.stringify(p.scope),
  templateContent: p.templateContent, createdAt: p.createdAt, readyAt: p.readyAt,
});

/** Filters of the List*CompliancePacks actions. */
export interface PackFilter {
  accountId: number;
  aggregatorId: string;
  /** ACTIVE = ready by `now`, CREATING = not yet. */
  status?: 'ACTIVE' | 'CREATING';
  now: number;
  riskLevel?: number;
  tags?: { key: string; value: string }[];
}

export class PacksRepo {
  private freshStmt: Database.Statement<[number, number], Row> | undefined;
  private ownerStmt: Database.Statement<[number, string], Row> | undefined;
  private readonly searchCache = new Map<string, { page: Database.Statement; count: Database.Statement }>();
  private readonly getStmt;
  private readonly packOwnerStmt;
  private readonly owners: Memo<string, [accountId: number, aggregatorId: string] | undefined>;
  private readonly byNameStmt;
  private readonly countStmt;
  private readonly ownerCountsStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly allStmt;
  private readonly setReadyStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], Row>(`SELECT ${PACK_COLUMNS} FROM compliance_packs WHERE compliance_pack_id = ?`).raw();
    this.packOwnerStmt = db.prepare<[string], [number, string]>('SELECT account_id, aggregator_id FROM compliance_packs WHERE compliance_pack_id = ?').raw();
    this.owners = new Memo(writeClockOf(db), ['compliance_packs'], (id: string) => this.packOwnerStmt.get(id));
    this.byNameStmt = db.prepare<[number, string, string], Row>(`SELECT ${PACK_COLUMNS} FROM compliance_packs WHERE account_id = ? AND aggregator_id = ? AND name = ?`).raw();
    // Kept by triggers (migration 4): one row read instead of counting the owner's packs.
    this.countStmt = db
      .prepare<[number, string], number>('SELECT COALESCE((SELECT n FROM compliance_pack_counts WHERE account_id = ? AND aggregator_id = ?), 0)')
      .pluck();
    // One statement for a create's two limits (a statement costs ~5 µs here, issue 8).
    this.ownerCountsStmt = db
      .prepare<[number, string, number, string], [number, number]>(
        `SELECT COALESCE((SELECT n FROM compliance_pack_counts WHERE account_id = ? AND aggregator_id = ?), 0),
                (SELECT COUNT(*) FROM config_rules WHERE account_id = ? AND aggregator_id = ?)`,
      )
      .raw();
    // Positional: cheaper to bind than named parameters from an object (issue 8, writes).
    this.insertStmt = db.prepare<unknown[]>(
      `INSERT INTO compliance_packs (compliance_pack_id, account_id, aggregator_id, name, description, template_id, risk_level, scope_json, template_content, created_at, ready_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE compliance_packs SET name = @name, description = @description, risk_level = @riskLevel, scope_json = @scopeJson,
       template_content = @templateContent WHERE compliance_pack_id = @compliancePackId`,
    );
    this.deleteStmt = db.prepare('DELETE FROM compliance_packs WHERE compliance_pack_id = ?');
    this.allStmt = db.prepare<[], Row>(`SELECT ${PACK_COLUMNS} FROM compliance_packs ORDER BY seq`).raw();
    this.setReadyStmt = db.prepare('UPDATE compliance_packs SET ready_at = ? WHERE compliance_pack_id = ?');
  }
  get(id: string): CompliancePack | undefined {
    const r = this.getStmt.get(id);
    return r && toPack(r);
  }
  /** The owning account and aggregator ('' = single account) of a pack: what an ownership check needs (memoized). */
  ownerOf(id: string): [accountId: number, aggregatorId: string] | undefined {
    return this.owners.get(id);
  }
  byName(accountId: number, aggregatorId: string, name: string): CompliancePack | undefined {
    const r = this.byNameStmt.get(accountId, aggregatorId, name);
    return r && toPack(r);
  }
  count(accountId: number, aggregatorId: string): number {
    return this.countStmt.get(accountId, aggregatorId)!;
  }
  /** How many packs and how many rules an owner holds. */
  ownerCounts(accountId: number, aggregatorId: string): { packs: number; rules: number } {
    const [packs, rules] = this.ownerCountsStmt.get(accountId, aggregatorId, accountId, aggregatorId)!;
    return { packs, rules };
  }
  /** Every pack of an owner (an aggregator, or '' for single-account packs), in creation order. */
  ofOwner(accountId: number, aggregatorId: string): CompliancePack[] {
    this.ownerStmt ??= this.db.prepare<[number, string], Row>(`SELECT ${PACK_COLUMNS} FROM compliance_packs WHERE account_id = ? AND aggregator_id = ? ORDER BY seq`).raw();
    return this.ownerStmt.all(accountId, aggregatorId).map(toPack);
  }
  /** A filtered page and the total count; statements are prepared once per filter shape. */
  search(f: PackFilter, limit: number, offset: number): { items: CompliancePack[]; total: number } {
    const tags = f.tags ?? [];
    const shape = `${f.status ?? ''}|${f.riskLevel !== undefined}|${tags.map((t) => (t.value === '' ? 'k' : 'kv')).join(',')}`;
    let stmts = this.searchCache.get(shape);
    if (!stmts) {
      const where = ['p.account_id = @accountId', 'p.aggregator_id = @aggregatorId'];
      if (f.status === 'ACTIVE') where.push('p.ready_at <= @now');
      if (f.status === 'CREATING') where.push('p.ready_at > @now');
      if (f.riskLevel !== undefined) where.push('p.risk_level = @riskLevel');
      tags.forEach((t, i) =>
        where.push(
          `EXISTS (SELECT 1 FROM tags t WHERE t.resource_id = p.compliance_pack_id AND t.tag_key = @k${i}${t.value === '' ? '' : ` AND t.tag_value = @v${i}`})`,
        ),
      );
      const sql = `FROM compliance_packs p WHERE ${where.join(' AND ')}`;
      stmts = {
        page: this.db.prepare(`SELECT ${PACK_COLUMNS} ${sql} ORDER BY p.seq LIMIT @limit OFFSET @offset`).raw(),
        count: this.db.prepare(`SELECT COUNT(*) AS n ${sql}`),
      };
      this.searchCache.set(shape, stmts);
    }
    const args: Record<string, unknown> = { accountId: f.accountId, aggregatorId: f.aggregatorId };
    if (f.status) args.now = f.now;
    if (f.riskLevel !== undefined) args.riskLevel = f.riskLevel;
    tags.forEach((t, i) => {
      args[`k${i}`] = t.key;
      if (t.value !== '') args[`v${i}`] = t.value;
    });
    const unfiltered = !f.status && f.riskLevel === undefined && tags.length === 0;
    const total = unfiltered ? this.count(f.accountId, f.aggregatorId) : (stmts.count.get(args) as { n: number }).n;
    const items = (stmts.page.all({ ...args, limit, offset }) as Row[]).map(toPack);
    return { items, total };
  }
  insert(p: CompliancePack): void {
    this.insertStmt.run(insertValues(p));
  }
  update(p: CompliancePack): void {
    this.updateStmt.run(toRow(p));
  }
  delete(id: string): void {
    this.deleteStmt.run(id);
  }
  /** Every pack of every account, in creation order (state export, console). */
  all(): CompliancePack[] {
    return this.allStmt.all().map(toPack);
  }
  /** Moves the end of the creating state (lifecycle modes). */
  /** Packs of an account created at or after `since` and still marked ready at creation. */
  freshSince(accountId: number, since: number): CompliancePack[] {
    this.freshStmt ??= this.db.prepare<[number, number], Row>(`SELECT ${PACK_COLUMNS} FROM compliance_packs WHERE account_id = ? AND created_at >= ? AND ready_at = created_at`).raw();
    return this.freshStmt.all(accountId, since).map(toPack);
  }
  setReadyAt(id: string, readyAt: number): void {
    this.setReadyStmt.run(readyAt, id);
  }
}
