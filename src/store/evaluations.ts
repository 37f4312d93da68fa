import type Database from 'better-sqlite3';
import type { Db } from './db.js';

export const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;
export type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

/** The latest result of one rule on one resource (a rule run replaces all of its rows). */
export interface EvaluationResult {
  configRuleId: string;
  accountId: number;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  resourceGroupId: string;
  regionId: string;
  complianceType: ComplianceType;
  /** A JSON string {configuration, desiredValue, operator, property[, reason]} or ''. */
  annotation: string;
  riskLevel: number;
  evaluatedAt: number;
  invokingEventMessageType: string;
  /**
   * History across runs (the engine carries it over from the previous result, see `history`): when
   * this resource was last found NON_COMPLIANT by the rule, and when it last went from
   * NON_COMPLIANT to COMPLIANT. 0 or absent = never.
   */
  lastNonCompliantAt?: number;
  lastFixedAt?: number;
}
/** What a rule's previous result on a resource says, for the next run to carry over. */
export interface ResultHistory {
  complianceType: ComplianceType;
  lastNonCompliantAt: number;
  lastFixedAt: number;
}

/** The identity of a result within its rule (the table's key after the rule id): account, type and id. */
export const resourceKey = (accountId: number, resourceType: string, resourceId: string): string => `${accountId}\u0000${resourceType}\u0000${resourceId}`;
/** A result with the facts of its rule at query time (name, pack). */
export interface EvaluationResultView extends EvaluationResult {
  configRuleName: string;
  compliancePackId: string;
  ruleAccountId: number;
  /** The rule's creation order (config_rules.seq): results list rule by rule in that order. */
  ruleSeq: number;
}

interface Row {
  config_rule_id: string; account_id: number; resource_type: string; resource_id: string; resource_name: string;
  resource_group_id: string; region_id: string; compliance_type: ComplianceType; annotation: string; risk_level: number;
  evaluated_at: number; invoking_event_message_type: string; last_non_compliant_at: number; last_fixed_at: number;
}
interface ViewRow extends Row { rule_name: string; rule_pack_id: string; rule_account_id: number; rule_seq: number }

const toResult = (r: Row): EvaluationResult => ({
  configRuleId: r.config_rule_id, accountId: r.account_id, resourceType: r.resource_type, resourceId: r.resource_id,
  resourceName: r.resource_name, resourceGroupId: r.resource_group_id, regionId: r.region_id, complianceType: r.compliance_type,
  annotation: r.annotation, riskLevel: r.risk_level, evaluatedAt: r.evaluated_at, invokingEventMessageType: r.invoking_event_message_type,
  lastNonCompliantAt: r.last_non_compliant_at, lastFixedAt: r.last_fixed_at,
});
// Written out rather than `{ ...toResult(r), … }`: the spread cost about 60 ms per 10 000 rows (a report's sheet).
const toView = (r: ViewRow): EvaluationResultView => ({
  configRuleId: r.config_rule_id, accountId: r.account_id, resourceType: r.resource_type, resourceId: r.resource_id,
  resourceName: r.resource_name, resourceGroupId: r.resource_group_id, regionId: r.region_id, complianceType: r.compliance_type,
  annotation: r.annotation, riskLevel: r.risk_level, evaluatedAt: r.evaluated_at, invokingEventMessageType: r.invoking_event_message_type,
  lastNonCompliantAt: r.last_non_compliant_at, lastFixedAt: r.last_fixed_at,
  configRuleName: r.rule_name, compliancePackId: r.rule_pack_id, ruleAccountId: r.rule_account_id, ruleSeq: r.rule_seq,
});

/** Filters of ListAggregateConfigRuleEvaluationResults (and the reports' non-compliant sheet). */
export interface ResultFilter {
  /** Owner of the rules (the caller). */
  accountId: number;
  /** Rules of this aggregator ('' = single-account rules). */
  aggregatorId: string;
  compliancePackId?: string;
  configRuleId?: string;
  complianceType?: string;
  regions?: string[];
  resourceTypes?: string[];
  resourceGroupIds?: string[];
  resourceAccountId?: number;
}

const VIEW = `SELECT e.*, c.name AS rule_name, c.compliance_pack_id AS rule_pack_id, c.account_id AS rule_account_id, c.seq AS rule_seq
  FROM evaluation_results e JOIN config_rules c ON c.config_rule_id = e.config_rule_id`;
/**
 * The order results are listed in (rule by rule in creation order, then account, type, region and
 * resource id): one list for the ORDER BY, a page's resume point (`resultKey`) and its check.
 * Unique per result: the table's key is (rule, account, type, resource id).
 */
const RESULT_ORDER = [
  { column: 'c.seq', kind: 'integer', of: (r: EvaluationResultView) => r.ruleSeq },
  { column: 'e.account_id', kind: 'integer', of: (r: EvaluationResultView) => r.accountId },
  { column: 'e.resource_type', kind: 'string', of: (r: EvaluationResultView) => r.resourceType },
  { column: 'e.region_id', kind: 'string', of: (r: EvaluationResultView) => r.regionId },
  { column: 'e.resource_id', kind: 'string', of: (r: EvaluationResultView) => r.resourceId },
] as const;
const ORDER = `ORDER BY ${RESULT_ORDER.map((k) => k.column).join(', ')}`;
const AFTER_KEY = `(${RESULT_ORDER.map((k) => k.column).join(', ')}) > (${RESULT_ORDER.map((_, i) => `@k${i}`).join(', ')})`;

/** A result's place in the list order (`RESULT_ORDER`): where the next page resumes. */
export const resultKey = (r: EvaluationResultView): (string | number)[] => RESULT_ORDER.map((k) => k.of(r));
/** The kinds of `resultKey`'s values, in order. */
export const RESULT_KEY_KINDS = RESULT_ORDER.map((k) => k.kind);

export class EvaluationsRepo {
  private readonly searchCache = new Map<string, Database.Statement>();
  private readonly insertStmt;
  private readonly deleteRuleStmt;
  private readonly evaluatedAtStmt;
  private readonly historyStmt;
  private readonly byRuleStmt;
  private readonly byPackStmt;
  private readonly byPackTypeStmt;
  private readonly packResourceCountsStmt;
  private readonly countsStmt;
  private readonly touchingStmt;
  private readonly allRulesStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR REPLACE INTO evaluation_results (config_rule_id, account_id, resource_type, resource_id, resource_name, resource_group_id, region_id,
         compliance_type, annotation, risk_level, evaluated_at, invoking_event_message_type, last_non_compliant_at, last_fixed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.historyStmt = db
      .prepare<[string], [number, string, string, ComplianceType, number, number]>(
        'SELECT account_id, resource_type, resource_id, compliance_type, last_non_compliant_at, last_fixed_at FROM evaluation_results WHERE config_rule_id = ?',
      )
      .raw();
    this.deleteRuleStmt = db.prepare('DELETE FROM evaluation_results WHERE config_rule_id = ?');
    // Every run of a rule replaces all its results with one stamp: any one of them tells when it ran.
    this.evaluatedAtStmt = db.prepare<[string], number>('SELECT evaluated_at FROM evaluation_results WHERE config_rule_id = ? LIMIT 1').pluck();
    this.byRuleStmt = db.prepare<[string], Row>(
      'SELECT * FROM evaluation_results WHERE config_rule_id = ? ORDER BY account_id, resource_type, region_id, resource_id',
    );
    this.byPackStmt = db.prepare<[string], ViewRow>(`${VIEW} WHERE c.compliance_pack_id = ? ${ORDER}`);
    this.byPackTypeStmt = db.prepare<[string, string], ViewRow>(`${VIEW} WHERE c.compliance_pack_id = ? AND e.compliance_type = ? ${ORDER}`);
    // A resource's combined type is the highest-ranked of its results, ranked as combine() in
    // src/engine/rollup.ts ranks them: NON_COMPLIANT 3, INSUFFICIENT_DATA 2, COMPLIANT 1, NOT_APPLICABLE 0.
    this.packResourceCountsStmt = db.prepare<[string], { total: number; compliant: number | null; non_compliant: number | null }>(
      `SELECT COUNT(*) AS total, SUM(rank = 1) AS compliant, SUM(rank = 3) AS non_compliant FROM (
         SELECT MAX(CASE e.compliance_type WHEN 'NON_COMPLIANT' THEN 3 WHEN 'INSUFFICIENT_DATA' THEN 2 WHEN 'COMPLIANT' THEN 1 ELSE 0 END) AS rank
         FROM evaluation_results e JOIN config_rules c ON c.config_rule_id = e.config_rule_id
         WHERE c.compliance_pack_id = ? GROUP BY e.account_id, e.resource_type, e.resource_id)`,
    );
    this.countsStmt = db.prepare<[string], { compliance_type: ComplianceType; n: number }>(
      'SELECT compliance_type, COUNT(*) AS n FROM evaluation_results WHERE config_rule_id = ? GROUP BY compliance_type',
    );
    this.touchingStmt = db.prepare<[number, number], { config_rule_id: string }>(
      `SELECT config_rule_id FROM config_rules
       WHERE (aggregator_id = '' AND account_id = ?)
          OR (aggregator_id <> '' AND aggregator_id IN (SELECT aggregator_id FROM aggregator_members WHERE account_id = ?))
       ORDER BY seq`,
    );
    this.allRulesStmt = db.prepare<[], { config_rule_id: string }>('SELECT config_rule_id FROM config_rules ORDER BY seq');
  }

  /**
   * Replaces every result of a rule with a new run's results. `fresh`: the rule has no results yet
   * (inserted by the same write), so there is nothing to delete.
   */
  replaceForRule(configRuleId: string, results: EvaluationResult[], fresh = false): void {
    if (!fresh) this.deleteRuleStmt.run(configRuleId);
    // Positional values: cheaper to bind than named parameters looked up in an object, one result at a time.
    for (const r of results) {
      this.insertStmt.run(
        r.configRuleId, r.accountId, r.resourceType, r.resourceId, r.resourceName, r.resourceGroupId, r.regionId,
        r.complianceType, r.annotation, r.riskLevel, r.evaluatedAt, r.invokingEventMessageType, r.lastNonCompliantAt ?? 0, r.lastFixedAt ?? 0,
      );
    }
  }
  /** The rule's current results as history, by `resourceKey`. */
  history(configRuleId: string): Map<string, ResultHistory> {
    const out = new Map<string, ResultHistory>();
    for (const [accountId, type, id, complianceType, lastNonCompliantAt, lastFixedAt] of this.historyStmt.all(configRuleId)) {
      out.set(resourceKey(accountId, type, id), { complianceType, lastNonCompliantAt, lastFixedAt });
    }
    return out;
  }
  /** When the rule's last evaluation that found resources in its reach ran (undefined: it has no results). */
  evaluatedAt(configRuleId: string): number | undefined {
    return this.evaluatedAtStmt.get(configRuleId);
  }
  deleteForRule(configRuleId: string): void {
    this.deleteRuleStmt.run(configRuleId);
  }
  byRule(configRuleId: string): EvaluationResult[] {
    return this.byRuleStmt.all(configRuleId).map(toResult);
  }
  /** Results of every rule currently in a pack, in rule order then resource order. */
  byPack(compliancePackId: string, complianceType?: ComplianceType): EvaluationResultView[] {
    return (complianceType === undefined ? this.byPackStmt.all(compliancePackId) : this.byPackTypeStmt.all(compliancePackId, complianceType)).map(toView);
  }
  /**
   * How many resources (account + type + id) the pack's rules evaluated, and how many of them combine
   * to COMPLIANT and to NON_COMPLIANT: the counts of `packResources(byPack(id))` (src/engine/rollup.ts),
   * computed in SQL without reading the results (the report of a large pack needs only these).
   */
  resourceCountsByPack(compliancePackId: string): { total: number; compliant: number; nonCompliant: number } {
    const r = this.packResourceCountsStmt.get(compliancePackId)!;
    return { total: r.total, compliant: r.compliant ?? 0, nonCompliant: r.non_compliant ?? 0 };
  }
  /** How many results of each compliance type a rule has. */
  countsByRule(configRuleId: string): Record<ComplianceType, number> {
    const out: Record<ComplianceType, number> = { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0, INSUFFICIENT_DATA: 0 };
    for (const r of this.countsStmt.all(configRuleId)) out[r.compliance_type] = r.n;
    return out;
  }
  /** Ids of the rules whose resources include the account's (its own rules and its groups' rules). */
  ruleIdsTouchingAccount(accountId: number): string[] {
    return this.touchingStmt.all(accountId, accountId).map((r) => r.config_rule_id);
  }
  allRuleIds(): string[] {
    return this.allRulesStmt.all().map((r) => r.config_rule_id);
  }

  /**
   * Filtered results with their rules' names and packs, in the order `ORDER` gives (the rule's
   * creation, then account, type, region, resource id): `limit` rows (-1: all) after the row whose
   * sort key is `after` (`resultKey`), so a page resumes where the last one ended even when rows
   * before it came or went.
   */
  search(f: ResultFilter, limit: number, after?: readonly (string | number)[]): EvaluationResultView[] {
    const lists = { regions: f.regions ?? [], resourceTypes: f.resourceTypes ?? [], resourceGroupIds: f.resourceGroupIds ?? [] };
    const shape = [
      f.compliancePackId !== undefined, f.configRuleId !== undefined, f.complianceType !== undefined, f.resourceAccountId !== undefined,
      lists.regions.length, lists.resourceTypes.length, lists.resourceGroupIds.length, after !== undefined,
    ].join('|');
    let stmt = this.searchCache.get(shape);
    if (!stmt) {
      const where = ['c.account_id = @accountId', 'c.aggregator_id = @aggregatorId'];
      if (f.compliancePackId !== undefined) where.push('c.compliance_pack_id = @compliancePackId');
      if (f.configRuleId !== undefined) where.push('e.config_rule_id = @configRuleId');
      if (f.complianceType !== undefined) where.push('e.compliance_type = @complianceType');
      if (f.resourceAccountId !== undefined) where.push('e.account_id = @resourceAccountId');
      const inList = (col: string, prefix: string, n: number) => {
        if (n > 0) where.push(`${col} IN (${Array.from({ length: n }, (_, i) => `@${prefix}${i}`).join(', ')})`);
      };
      inList('e.region_id', 'rg', lists.regions.length);
      inList('e.resource_type', 'rt', lists.resourceTypes.length);
      inList('e.resource_group_id', 'gr', lists.resourceGroupIds.length);
      if (after !== undefined) where.push(AFTER_KEY);
      stmt = this.db.prepare(`${VIEW} WHERE ${where.join(' AND ')} ${ORDER} LIMIT @limit`);
      this.searchCache.set(shape, stmt);
    }
    const args: Record<string, unknown> = { accountId: f.accountId, aggregatorId: f.aggregatorId, limit };
    if (f.compliancePackId !== undefined) args.compliancePackId = f.compliancePackId;
    if (f.configRuleId !== undefined) args.configRuleId = f.configRuleId;
    if (f.complianceType !== undefined) args.complianceType = f.complianceType;
    if (f.resourceAccountId !== undefined) args.resourceAccountId = f.resourceAccountId;
    lists.regions.forEach((v, i) => (args[`rg${i}`] = v));
    lists.resourceTypes.forEach((v, i) => (args[`rt${i}`] = v));
    lists.resourceGroupIds.forEach((v, i) => (args[`gr${i}`] = v));
    after?.forEach((v, i) => (args[`k${i}`] = v));
    return (stmt.all(args) as ViewRow[]).map(toView);
  }
}
