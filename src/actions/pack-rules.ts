/**
 * Turning the rule specs of a pack request (ConfigRules, a template id, or TemplateContent) into
 * config rules. Shared by the account-group and single-account pack actions.
 */
import { ruleParameters } from '../catalog.js';
import { Errors } from '../errors.js';
import { packRuleScope, type CompliancePack, type ConfigRule, type Scope } from '../store/index.js';
import type { ActionContext } from './define.js';
import { field, newId, RISK_LEVELS, RULES_PER_OWNER, rulesOverLimit } from './shared.js';

export const PACK_LIMITS = { rulesPerPack: 200, packsPerOwner: 500 } as const;

/** One rule a pack asks for, before it exists. */
export interface RuleSpec {
  configRuleId?: string;
  managedRuleIdentifier?: string;
  configRuleName?: string;
  description?: string;
  riskLevel?: number;
  parameters: Record<string, string>;
  /** Template rules keep the template's values even where a required one is empty. */
  fromTemplate?: boolean;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw Errors.configRulesInvalid();
}

/** Reads the ConfigRules parameter ([{ManagedRuleIdentifier|ConfigRuleId, ConfigRuleParameters, ...}]). */
export function parseRuleSpecs(raw: unknown[]): RuleSpec[] {
  return raw.map((item) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw Errors.configRulesInvalid();
    const params: Record<string, string> = {};
    const list = field(item, 'ConfigRuleParameters');
    if (list !== undefined && list !== null) {
      if (!Array.isArray(list)) throw Errors.configRulesInvalid();
      for (const p of list) {
        const name = str(field(p, 'ParameterName'));
        const value = str(field(p, 'ParameterValue'));
        if (name === undefined && value === undefined) continue;
        if (name === undefined || name === '' || value === undefined) throw Errors.configRulesInvalid();
        params[name] = value;
      }
    }
    const risk = field(item, 'RiskLevel');
    const riskLevel = risk === undefined || risk === null ? undefined : Number(risk);
    if (riskLevel !== undefined && !RISK_LEVELS.includes(riskLevel as 1 | 2 | 3)) throw Errors.configRulesInvalid();
    const spec: RuleSpec = {
      configRuleId: str(field(item, 'ConfigRuleId')) || undefined,
      managedRuleIdentifier: str(field(item, 'ManagedRuleIdentifier')) || undefined,
      configRuleName: str(field(item, 'ConfigRuleName')) || undefined,
      description: str(field(item, 'Description')),
      riskLevel,
      parameters: params,
    };
    if (!spec.configRuleId && !spec.managedRuleIdentifier) throw Errors.configRulesInvalid();
    return spec;
  });
}

/** Rule specs of a catalog template. */
export function templateRuleSpecs(ctx: ActionContext, templateId: string): RuleSpec[] {
  const t = ctx.catalog.template(templateId);
  if (!t) throw Errors.compliancePackTemplateNotFound();
  return t.ConfigRules.map((r) => ({
    managedRuleIdentifier: r.ManagedRuleIdentifier,
    configRuleName: r.ManagedRuleName ?? undefined,
    description: r.Description ?? undefined,
    riskLevel: r.RiskLevel ?? undefined,
    parameters: Object.fromEntries((r.ConfigRuleParameters ?? []).map((p) => [p.ParameterName, p.ParameterValue ?? ''])),
    fromTemplate: true,
  }));
}

/** Rule specs of a TemplateContent document ({configRuleTemplates: [{source: {identifier}, ...}]}). */
export function templateContentSpecs(content: string): RuleSpec[] {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    throw Errors.invalidParameter('TemplateContent');
  }
  const list = field(doc, 'ConfigRuleTemplates');
  if (!Array.isArray(list)) throw Errors.invalidParameter('TemplateContent');
  return list.map((t) => {
    const source = field(t, 'Source');
    const identifier = field(source, 'Identifier');
    if (typeof identifier !== 'string') throw Errors.invalidParameter('TemplateContent');
    const input = field(t, 'InputParameters');
    const parameters: Record<string, string> = {};
    if (input && typeof input === 'object') for (const [k, v] of Object.entries(input)) parameters[k] = String(v);
    const risk = field(t, 'RiskLevel');
    return {
      managedRuleIdentifier: identifier,
      configRuleName: typeof field(t, 'ConfigRuleName') === 'string' ? (field(t, 'ConfigRuleName') as string) : undefined,
      description: typeof field(t, 'Description') === 'string' ? (field(t, 'Description') as string) : undefined,
      riskLevel: typeof risk === 'number' ? risk : undefined,
      parameters,
    };
  });
}

/**
 * Creates (or, for ConfigRuleId, adopts) the rules of a pack. Managed rules must exist in the
 * catalog; their parameter defaults fill what the request leaves out, and a required parameter
 * with neither a value nor a default is an invalid ConfigRules.
 */
export function materializeRules(ctx: ActionContext, pack: CompliancePack, specs: RuleSpec[], enabled: boolean): ConfigRule[] {
  if (specs.length > PACK_LIMITS.rulesPerPack) throw Errors.configRuleExceedMaxRuleCount();
  const rules: ConfigRule[] = [];
  for (const spec of specs) {
    if (spec.configRuleId) {
      const adopted = adoptRule(ctx, pack, spec.configRuleId);
      rules.push(adopted);
      continue;
    }
    const rule = buildRule(ctx, pack, spec, enabled);
    ctx.store.rules.insert(rule);
    rules.push(rule);
  }
  return rules;
}

/**
 * Room for a new pack with `addingRules` new rules in an owner (Create*CompliancePack,
 * CopyCompliancePacks): CompliancePackExceedMaxCount at PACK_LIMITS.packsPerOwner packs, and
 * ConfigRuleExceedMaxRuleCount past RULES_PER_OWNER rules (Create*ConfigRule answers
 * ExceedMaxRuleCount at the same limit). One statement for both counts.
 */
export function checkPackRoom(ctx: ActionContext, aggregatorId: string, addingRules: number): void {
  const held = ctx.store.packs.ownerCounts(ctx.accountId, aggregatorId);
  if (held.packs >= PACK_LIMITS.packsPerOwner) throw Errors.compliancePackExceedMaxCount();
  if (addingRules > 0 && held.rules + addingRules > RULES_PER_OWNER) throw Errors.configRuleExceedMaxRuleCount();
}

/**
 * After Update*CompliancePack wrote its rules, `added` of them new (net of deletions): an owner
 * that grew past RULES_PER_OWNER rules is ConfigRuleExceedMaxRuleCount. A write that does not grow
 * the owner passes, even over the limit (a fixture may load more). The action's transaction undoes
 * the write.
 */
export function checkOwnerRuleCount(ctx: ActionContext, aggregatorId: string, added: number): void {
  if (added > 0 && rulesOverLimit(ctx, aggregatorId)) throw Errors.configRuleExceedMaxRuleCount();
}

/** Moves an existing rule of the same owner into the pack (ConfigRules[].ConfigRuleId). */
function adoptRule(ctx: ActionContext, pack: CompliancePack, configRuleId: string): ConfigRule {
  const existing = ctx.store.rules.get(configRuleId);
  if (!existing || existing.accountId !== ctx.accountId || existing.aggregatorId !== pack.aggregatorId) throw Errors.configRulesInvalid();
  const adopted = { ...existing, compliancePackId: pack.compliancePackId, modifiedAt: ctx.now };
  ctx.store.rules.update(adopted);
  return adopted;
}

/** A new rule of the pack from a managed-rule spec (not stored yet). */
export function buildRule(ctx: ActionContext, pack: CompliancePack, spec: RuleSpec, enabled: boolean): ConfigRule {
  const managed = ctx.catalog.managedRule(spec.managedRuleIdentifier!);
  if (!managed) throw Errors.configRulesInvalid();
  const { values: parameters, missing } = ruleParameters(managed, spec.parameters);
  if (missing && !spec.fromTemplate) throw Errors.configRulesInvalid();
  const scope: Scope = { ...pack.scope, resourceTypesScope: managed.resourceTypes };
  return {
    configRuleId: newId(ctx, 'cr'),
    accountId: ctx.accountId,
    aggregatorId: pack.aggregatorId,
    compliancePackId: pack.compliancePackId,
    name: spec.configRuleName ?? managed.identifier,
    description: spec.description ?? managed.description,
    sourceOwner: 'ALIYUN',
    sourceIdentifier: managed.identifier,
    riskLevel: spec.riskLevel ?? managed.defaultRiskLevel ?? pack.riskLevel,
    inputParameters: parameters,
    scope,
    triggerTypes: managed.triggerTypes.join(','),
    maximumExecutionFrequency: managed.maximumExecutionFrequency ?? '',
    state: enabled ? 'ACTIVE' : 'INACTIVE',
    createdAt: ctx.now,
    modifiedAt: ctx.now,
  };
}

/**
 * Update*CompliancePack with ConfigRules: the pack ends up holding exactly the specified rules.
 * A ConfigRuleId spec adopts that rule; a managed-rule spec updates, in place (same id, same
 * state), the first not-yet-matched rule of the pack built from the same managed rule, or creates
 * a new one. Rules of the pack that no spec matched are deleted.
 */
export function replaceRules(ctx: ActionContext, pack: CompliancePack, specs: RuleSpec[]): void {
  if (specs.length > PACK_LIMITS.rulesPerPack) throw Errors.configRuleExceedMaxRuleCount();
  const current = ctx.store.rules.byPack(pack.compliancePackId);
  const keep = new Set<string>();
  for (const spec of specs) if (spec.configRuleId) keep.add(spec.configRuleId);
  const unmatched = current.filter((r) => !keep.has(r.configRuleId));
  let added = 0;
  for (const spec of specs) {
    if (spec.configRuleId) {
      adoptRule(ctx, pack, spec.configRuleId);
      continue;
    }
    const built = buildRule(ctx, pack, spec, true);
    const i = unmatched.findIndex((r) => r.sourceIdentifier === built.sourceIdentifier);
    if (i === -1) {
      ctx.store.rules.insert(built);
      added++;
      continue;
    }
    const [old] = unmatched.splice(i, 1);
    // Updated in place: its id, state and own scope fields (Update*ConfigRule) stay.
    ctx.store.rules.update({ ...built, configRuleId: old.configRuleId, state: old.state, createdAt: old.createdAt, scope: packRuleScope(built.scope, old.scope) });
  }
  for (const r of unmatched) {
    ctx.store.tags.removeAll(r.configRuleId);
    ctx.store.rules.delete(r.configRuleId);
  }
  checkOwnerRuleCount(ctx, pack.aggregatorId, added - unmatched.length);
}
