import type { ChangeSet } from './changes.js';
import type { Db } from './db.js';
import type { Scope } from './packs.js';

export const RULE_STATES = ['ACTIVE', 'DELETING', 'EVALUATING', 'INACTIVE'] as const;
export type RuleState = (typeof RULE_STATES)[number];

/**
 * A rule's evaluation scope: the pack scope plus what only rules have (account-group account and
 * folder scopes, resource names, tag logic). Stored in scope_json like a pack's scope.
 */
export interface RuleScope extends Scope {
  accountIdsScope?: string;
  excludeAccountIdsScope?: string;
  folderIdsScope?: string;
  excludeFolderIdsScope?: string;
  resourceNameScope?: string;
  tagKeyLogicScope?: string;
}

/** The fields only a rule's own scope has (a pack's scope never sets them). */
const RULE_ONLY_SCOPE = ['accountIdsScope', 'excludeAccountIdsScope', 'folderIdsScope', 'excludeFolderIdsScope', 'resourceNameScope', 'tagKeyLogicScope'] as const;

/**
 * A pack rule's scope when the pack's scope is written onto it: the pack's fields, the rule's own
 * resource types, and the rule-only fields it was given (Update*ConfigRule) kept.
 */
export function packRuleScope(packScope: Scope, rule: RuleScope): RuleScope {
  const out: RuleScope = { ...packScope, resourceTypesScope: rule.resourceTypesScope };
  for (const k of RULE_ONLY_SCOPE) if (rule[k] !== undefined) out[k] = rule[k];
  return out;
}

export interface ConfigRule {
  configRuleId: string;
  accountId: number;
  /** '' for a single-account rule. */
  aggregatorId: string;
  /** '' when the rule belongs to no pack. */
  compliancePackId: string;
  name: string;
  description: string;
  sourceOwner: string;
  sourceIdentifier: string;
  riskLevel: number;
  inputParameters: Record<string, string>;
  scope: RuleScope;
  triggerTypes: string;
  maximumExecutionFrequency: string;
  state: RuleState;
  createdAt: number;
  modifiedAt: number;
  /** ExtendContent (e.g. {"fixedHour":"12"}); '' when unset. */
  extendContent?: string;
  /** Conditions of a custom condition rule (JSON string); '' when unset. */
  conditions?: string;
}

interface Row {
  seq: number; config_rule_id: string; account_id: number; aggregator_id: string; compliance_pack_id: string;
  name: string; description: string; source_owner: string; source_identifier: string; risk_level: number;
  input_parameters_json: string; scope_json: string; trigger_types: string; maximum_execution_frequency: string;
  state: RuleState; created_at: number; modified_at: number; extend_content: string; conditions: string;
}
const toRule = (r: Row): ConfigRule => ({
  configRuleId: r.config_rule_id, accountId: r.account_id, aggregatorId: r.aggregator_id, compliancePackId: r.compliance_pack_id,
  name: r.name, description: r.description, sourceOwner: r.source_owner, sourceIdentifier: r.source_identifier,
  riskLevel: r.risk_level, inputParameters: JSON.parse(r.input_parameters_json) as Record<string, string>,
  scope: JSON.parse(r.scope_json) as Scope, triggerTypes: r.trigger_types, maximumExecutionFrequency: r.maximum_execution_frequency,
  state: r.state, createdAt: r.created_at, modifiedAt: r.modified_at, extendContent: r.extend_content, conditions: r.conditions,
});
/** The INSERT's values, in its column order. */
const insertValues = (c: ConfigRule): unknown[] => [
  c.configRuleId, c.accountId, c.aggregatorId, c.compliancePackId, c.name, c.description, c.sourceOwner, c.sourceIdentifier,
  c.riskLevel, JSON.stringify(c.inputParameters), JSON.stringify(c.scope), c.triggerTypes, c.maximumExecutionFrequency, c.state,
  c.createdAt, c.modifiedAt, c.extendContent ?? '', c.conditions ?? '',
];
const toRow = (c: ConfigRule) => ({
  configRuleId: c.configRuleId, accountId: c.accountId, aggregatorId: c.aggregatorId, compliancePackId: c.compliancePackId,
  name: c.name, description: c.description, sourceOwner: c.sourceOwner, sourceIdentifier: c.sourceIdentifier,
  riskLevel: c.riskLevel, inputParametersJson: JSON.stringify(c.inputParameters), scopeJson: JSON.stringify(c.scope),
  triggerTypes: c.triggerTypes, maximumExecutionFrequency: c.maximumExecutionFrequency, state: c.state,
  createdAt: c.createdAt, modifiedAt: c.modifiedAt, extendContent: c.extendContent ?? '', conditions: c.conditions ?? '',
});

export class RulesRepo {
  private readonly getStmt;
  private readonly byPackStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly byNameStmt;
  private readonly ownedStmt;

  constructor(db: Db, private readonly changes?: ChangeSet) {
    this.byNameStmt = db.prepare<[number, string, string], Row>('SELECT * FROM config_rules WHERE account_id = ? AND aggregator_id = ? AND name = ?');
    this.ownedStmt = db.prepare<[number, string], Row>('SELECT * FROM config_rules WHERE account_id = ? AND aggregator_id = ? ORDER BY seq');
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM config_rules WHERE config_rule_id = ?');
    this.byPackStmt = db.prepare<[string], Row>('SELECT * FROM config_rules WHERE compliance_pack_id = ? ORDER BY seq');
    this.pageStmt = db.prepare<[number, string, number, number], Row>(
      'SELECT * FROM config_rules WHERE account_id = ? AND aggregator_id = ? ORDER BY seq LIMIT ? OFFSET ?',
    );
    this.countStmt = db.prepare<[number, string], { n: number }>('SELECT COUNT(*) AS n FROM config_rules WHERE account_id = ? AND aggregator_id = ?');
    // Positional: binding 18 named parameters from an object showed in the create profile (issue 8).
    this.insertStmt = db.prepare<unknown[]>(
      `INSERT INTO config_rules (config_rule_id, account_id, aggregator_id, compliance_pack_id, name, description, source_owner,
         source_identifier, risk_level, input_parameters_json, scope_json, trigger_types, maximum_execution_frequency, state, created_at, modified_at,
         extend_content, conditions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE config_rules SET compliance_pack_id = @compliancePackId, name = @name, description = @description, risk_level = @riskLevel,
         input_parameters_json = @inputParametersJson, scope_json = @scopeJson, trigger_types = @triggerTypes,
         maximum_execution_frequency = @maximumExecutionFrequency, state = @state, modified_at = @modifiedAt,
         extend_content = @extendContent, conditions = @conditions
       WHERE config_rule_id = @configRuleId`,
    );
    this.deleteStmt = db.prepare('DELETE FROM config_rules WHERE config_rule_id = ?');
  }
  get(id: string): ConfigRule | undefined {
    const r = this.getStmt.get(id);
    return r && toRule(r);
  }
  byPack(compliancePackId: string): ConfigRule[] {
    return this.byPackStmt.all(compliancePackId).map(toRule);
  }
  count(accountId: number, aggregatorId: string): number {
    return this.countStmt.get(accountId, aggregatorId)!.n;
  }
  page(accountId: number, aggregatorId: string, limit: number, offset: number): ConfigRule[] {
    return this.pageStmt.all(accountId, aggregatorId, limit, offset).map(toRule);
  }
  /** A rule of an owner (aggregatorId '' = the account's own rules) by its name. */
  byName(accountId: number, aggregatorId: string, name: string): ConfigRule | undefined {
    const r = this.byNameStmt.get(accountId, aggregatorId, name);
    return r && toRule(r);
  }
  /** Every rule of an owner in creation order (bounded by the per-owner rule limit). */
  owned(accountId: number, aggregatorId: string): ConfigRule[] {
    return this.ownedStmt.all(accountId, aggregatorId).map(toRule);
  }
  insert(c: ConfigRule): void {
    this.changes?.rules.set(c.configRuleId, c);
    this.insertStmt.run(insertValues(c));
  }
  update(c: ConfigRule): void {
    // Not the object: UPDATE leaves some columns as stored (owner, source), so the runner re-reads.
    this.changes?.rules.set(c.configRuleId, undefined);
    this.updateStmt.run(toRow(c));
  }
  delete(id: string): void {
    this.changes?.rules.set(id, undefined);
    this.deleteStmt.run(id);
  }
}
