/**
 * What the account-group and single-account config-rule actions share: the parameter schema of
 * Create/Update, turning a request into a ConfigRule, the wire shapes of Get/List, the filters of
 * List, and the per-item batch operations (Delete, Active, Deactive).
 *
 * `aggregatorId` '' means the caller's own (single-account) rules throughout.
 */
import { ruleParameters } from '../catalog.js';
import { evaluatorOf } from '../engine/index.js';
import { wireRuleCompliance } from '../engine/rollup.js';
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import type { ConfigRule, RuleScope, RuleState } from '../store/index.js';
import type { ActionContext } from './define.js';
import { readScope } from './aggregate-compliance-packs.js';
import { checkRiskLevel, clientTokenParam, pageWindow, hasTags, newId, ownPack, parseTags, rulesOverLimit, saveTags, TAG_RESOURCE_TYPES, tagParam, wirePairs } from './shared.js';

export const RULE_LIMITS = { idsPerBatch: 20, nameLength: 128, descriptionLength: 500 } as const;

export const SOURCE_OWNERS = ['ALIYUN', 'CUSTOM_FC', 'CUSTOM_CONFIGURATION'] as const;
export const TRIGGER_TYPES = ['ConfigurationItemChangeNotification', 'ScheduledNotification'] as const;
export const FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;
export const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA', 'IGNORED'] as const;
export const RULE_STATE_FILTER = ['ACTIVE', 'DELETING', 'EVALUATING', 'INACTIVE'] as const;

/** Per-item error codes of OperateRuleResult. */
export const ITEM_ERRORS = {
  notExists: 'ConfigRuleNotExists',
  canNotDelete: 'ConfigRuleCanNotDelete',
  notInactive: 'ConfigRuleStatusNotInActive',
  notActive: 'ConfigRuleStatusNotActive',
} as const;


const tagResourceType = (aggregatorId: string) => (aggregatorId ? TAG_RESOURCE_TYPES.aggregateRule : TAG_RESOURCE_TYPES.rule);

// ---- evaluation status -------------------------------------------------------------------------
// (A rule's Compliance is wireRuleCompliance of src/engine/rollup.ts, as in the pack views and reports.)

/**
 * ConfigRuleEvaluationStatus of Get*ConfigRule. An active rule the engine evaluates (a managed rule
 * with an evaluator) was evaluated by the write that created, activated or last changed it,
 * synchronously, and runs never fail: it has started, and its last successful run is the stamp of
 * its results, or its last change when that run found nothing in its reach. A disabled rule keeps
 * no results, and the emulator no history of its runs; it reads as never evaluated, like custom
 * function rules and managed rules without an evaluator (docs/fidelity.md).
 */
export function ruleEvaluationStatus(ctx: ActionContext, rule: ConfigRule): Record<string, unknown> {
  const evaluated = evaluatorOf(rule) !== undefined;
  const at = evaluated ? (ctx.store.evaluations.evaluatedAt(rule.configRuleId) ?? rule.modifiedAt) : 0;
  return {
    FirstActivatedTimestamp: rule.createdAt,
    FirstEvaluationStarted: evaluated,
    LastErrorCode: '',
    LastErrorMessage: '',
    LastFailedEvaluationTimestamp: 0,
    LastFailedInvocationTimestamp: 0,
    LastSuccessfulEvaluationTimestamp: at,
    LastSuccessfulInvocationTimestamp: at,
  };
}

// ---- parameters -------------------------------------------------------------------------------

/** Parameters of Create/Update*ConfigRule common to both families (none required here). */
export const ruleParams = {
  ClientToken: clientTokenParam,
  ConfigRuleName: p.string(),
  ConfigRuleTriggerTypes: p.string(),
  Description: p.string(),
  ExcludeRegionIdsScope: p.string(),
  ExcludeResourceGroupIdsScope: p.string(),
  ExcludeResourceIdsScope: p.string(),
  ExcludeTagsScope: p.jsonArray(),
  ExtendContent: p.string({ maxLength: 1024 }),
  InputParameters: p.jsonObject(),
  MaximumExecutionFrequency: p.string({ enum: FREQUENCIES }),
  RegionIdsScope: p.string(),
  ResourceGroupIdsScope: p.string(),
  ResourceIdsScope: p.string(),
  ResourceNameScope: p.string(),
  ResourceTypesScope: p.list(),
  RiskLevel: p.integer(),
  Tag: tagParam,
  // '' sets it back to the default (OR), as '' does for the other scope fields of an update.
  TagKeyLogicScope: p.string({ enum: ['AND', 'OR', ''] as const, caseInsensitive: true }),
  TagKeyScope: p.string(),
  TagValueScope: p.string(),
  TagsScope: p.jsonArray(),
  Conditions: p.string({ maxLength: 65_536 }),
};

/** Scope parameters only the account-group rules have. */
export const aggregateScopeParams = {
  AccountIdsScope: p.string(),
  ExcludeAccountIdsScope: p.string(),
  FolderIdsScope: p.string(),
  ExcludeFolderIdsScope: p.string(),
};

/** The required parameters of Create*ConfigRule. */
export const createRequired = {
  ConfigRuleName: p.string({ required: true }),
  ConfigRuleTriggerTypes: p.string({ required: true }),
  ResourceTypesScope: p.list({ required: true }),
  RiskLevel: p.integer({ required: true }),
  SourceIdentifier: p.string({ required: true }),
  SourceOwner: p.string({ required: true, enum: SOURCE_OWNERS }),
};

/** The decoded parameters a rule request may carry (both families, Create and Update). */
export interface RuleInput {
  ConfigRuleName?: string;
  ConfigRuleTriggerTypes?: string;
  Description?: string;
  ExcludeRegionIdsScope?: string;
  ExcludeResourceGroupIdsScope?: string;
  ExcludeResourceIdsScope?: string;
  ExcludeTagsScope?: unknown[];
  ExtendContent?: string;
  InputParameters?: Record<string, unknown>;
  MaximumExecutionFrequency?: string;
  RegionIdsScope?: string;
  ResourceGroupIdsScope?: string;
  ResourceIdsScope?: string;
  ResourceNameScope?: string;
  ResourceTypesScope?: string[];
  RiskLevel?: number;
  Tag?: unknown[];
  TagKeyLogicScope?: string;
  TagKeyScope?: string;
  TagValueScope?: string;
  TagsScope?: unknown[];
  Conditions?: string;
  AccountIdsScope?: string;
  ExcludeAccountIdsScope?: string;
  FolderIdsScope?: string;
  ExcludeFolderIdsScope?: string;
}

function validName(name: string): string {
  if (name.trim() === '' || name.length > RULE_LIMITS.nameLength) throw Errors.invalidParameter('ConfigRuleName');
  return name;
}

function triggerTypes(raw: string): string {
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0 || !list.every((t) => (TRIGGER_TYPES as readonly string[]).includes(t))) throw Errors.invalidParameter('ConfigRuleTriggerTypes');
  return [...new Set(list)].join(',');
}

// ACS::<service>::<type>, or ACS::::Account (the account itself: root-mfa-check, root-ak-check, ram-password-policy-check).
const RESOURCE_TYPE = /^ACS::([A-Za-z0-9]+::[A-Za-z0-9]+|::Account)$/;
function resourceTypes(list: string[]): string[] {
  if (list.length === 0 || !list.every((t) => RESOURCE_TYPE.test(t))) throw Errors.invalidParameter('ResourceTypesScope');
  return [...new Set(list)];
}

/** InputParameters values as strings; keys must be plain names (they become XML element names). */
function inputParameters(raw: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(k)) throw Errors.invalidParameter('InputParameters');
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  return out;
}

function extendContent(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return raw;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw Errors.invalidParameter('ExtendContent');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw Errors.invalidParameter('ExtendContent');
  return raw;
}

/** Fills a managed rule's parameter defaults; a required one with no value is invalid. */
function managedParameters(ctx: ActionContext, identifier: string, given: Record<string, string>): Record<string, string> {
  const managed = ctx.catalog.managedRule(identifier);
  if (!managed) return given;
  const { values, missing } = ruleParameters(managed, given);
  if (missing) throw Errors.invalidParameter('InputParameters');
  return values;
}

/** The scope fields a request sets (undefined = not given, so Update keeps the old value). */
function scopeChanges(q: RuleInput): Partial<RuleScope> {
  const s: Partial<RuleScope> = {
    ...readScope(q),
    resourceTypesScope: q.ResourceTypesScope === undefined ? undefined : resourceTypes(q.ResourceTypesScope),
    accountIdsScope: q.AccountIdsScope,
    excludeAccountIdsScope: q.ExcludeAccountIdsScope,
    folderIdsScope: q.FolderIdsScope,
    excludeFolderIdsScope: q.ExcludeFolderIdsScope,
    resourceNameScope: q.ResourceNameScope,
    tagKeyLogicScope: q.TagKeyLogicScope,
  };
  for (const k of Object.keys(s) as (keyof RuleScope)[]) if (s[k] === undefined) delete s[k];
  return s;
}

function frequency(types: string, given: string | undefined, fallback: string | undefined): string {
  if (types.split(',').includes('ScheduledNotification')) return given ?? fallback ?? 'TwentyFour_Hours';
  return given ?? '';
}

/** ExceedMaxRuleCount when `adding` rules would pass the per-owner limit. */
export function checkOwnerCapacity(ctx: ActionContext, aggregatorId: string, adding: number): void {
  if (rulesOverLimit(ctx, aggregatorId, adding)) throw Errors.exceedMaxRuleCount();
}

/** Create*ConfigRule: validates the request and inserts the rule (ACTIVE). */
export function createRule(
  ctx: ActionContext,
  aggregatorId: string,
  q: RuleInput & { ConfigRuleName: string; ConfigRuleTriggerTypes: string; ResourceTypesScope: string[]; RiskLevel: number; SourceIdentifier: string; SourceOwner: string },
): ConfigRule {
  const name = validName(q.ConfigRuleName);
  const types = triggerTypes(q.ConfigRuleTriggerTypes);
  const riskLevel = checkRiskLevel(q.RiskLevel)!;
  if ((q.Description ?? '').length > RULE_LIMITS.descriptionLength) throw Errors.invalidParameter('Description');
  const scope = scopeChanges(q) as RuleScope;
  const tags = parseTags(q.Tag);
  const ext = extendContent(q.ExtendContent);
  let params = inputParameters(q.InputParameters) ?? {};
  let fallbackFrequency: string | undefined;
  let description = q.Description;
  if (q.SourceOwner === 'ALIYUN') {
    const managed = ctx.catalog.managedRule(q.SourceIdentifier);
    if (!managed) throw Errors.configRuleNotExists();
    params = managedParameters(ctx, managed.identifier, params);
    fallbackFrequency = managed.maximumExecutionFrequency;
    description ??= managed.description;
  } else if (q.SourceOwner === 'CUSTOM_FC' && !/^acs:fc:[^:]*:\d*:/.test(q.SourceIdentifier)) {
    throw Errors.invalidParameter('SourceIdentifier');
  }
  if (ctx.store.rules.byName(ctx.accountId, aggregatorId, name)) throw Errors.configRuleExists();
  checkOwnerCapacity(ctx, aggregatorId, 1);
  const rule: ConfigRule = {
    configRuleId: newId(ctx, 'cr'),
    accountId: ctx.accountId,
    aggregatorId,
    compliancePackId: '',
    name,
    description: description ?? '',
    sourceOwner: q.SourceOwner,
    sourceIdentifier: q.SourceIdentifier,
    riskLevel,
    inputParameters: params,
    scope,
    triggerTypes: types,
    maximumExecutionFrequency: frequency(types, q.MaximumExecutionFrequency, fallbackFrequency),
    state: 'ACTIVE',
    createdAt: ctx.now,
    modifiedAt: ctx.now,
    extendContent: ext ?? '',
    conditions: q.Conditions ?? '',
  };
  ctx.store.rules.insert(rule);
  saveTags(ctx, rule.configRuleId, tagResourceType(aggregatorId), tags);
  return rule;
}

/** Update*ConfigRule: only what the request gives changes. */
export function updateRule(ctx: ActionContext, rule: ConfigRule, q: RuleInput): ConfigRule {
  const name = q.ConfigRuleName === undefined ? rule.name : validName(q.ConfigRuleName);
  const types = q.ConfigRuleTriggerTypes === undefined ? rule.triggerTypes : triggerTypes(q.ConfigRuleTriggerTypes);
  const riskLevel = checkRiskLevel(q.RiskLevel) ?? rule.riskLevel;
  if ((q.Description ?? '').length > RULE_LIMITS.descriptionLength) throw Errors.invalidParameter('Description');
  const scope: RuleScope = { ...rule.scope, ...scopeChanges(q) };
  const tags = parseTags(q.Tag);
  const ext = extendContent(q.ExtendContent);
  const given = inputParameters(q.InputParameters);
  const params = given === undefined ? rule.inputParameters : rule.sourceOwner === 'ALIYUN' ? managedParameters(ctx, rule.sourceIdentifier, given) : given;
  if (name !== rule.name && ctx.store.rules.byName(ctx.accountId, rule.aggregatorId, name)) throw Errors.configRuleExists();
  const managed = rule.sourceOwner === 'ALIYUN' ? ctx.catalog.managedRule(rule.sourceIdentifier) : undefined;
  const updated: ConfigRule = {
    ...rule,
    name,
    description: q.Description ?? rule.description,
    riskLevel,
    inputParameters: params,
    scope,
    triggerTypes: types,
    maximumExecutionFrequency: frequency(types, q.MaximumExecutionFrequency ?? (rule.maximumExecutionFrequency || undefined), managed?.maximumExecutionFrequency),
    modifiedAt: ctx.now,
    extendContent: ext ?? rule.extendContent ?? '',
    conditions: q.Conditions ?? rule.conditions ?? '',
  };
  ctx.store.rules.update(updated);
  saveTags(ctx, rule.configRuleId, tagResourceType(rule.aggregatorId), tags);
  return updated;
}

/** A rule of the caller in the given owner; anything else answers ConfigRuleNotExists. */
export function ownRule(ctx: ActionContext, aggregatorId: string, configRuleId: string): ConfigRule {
  const rule = ctx.store.rules.get(configRuleId);
  if (!rule || rule.accountId !== ctx.accountId || rule.aggregatorId !== aggregatorId) throw Errors.configRuleNotExists();
  return rule;
}

// ---- wire shapes ------------------------------------------------------------------------------


/** yyyy-MM-ddTHH:mm:ss in UTC+8, as CreateDate reads. */
export function createDate(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19);
}

function sourceDetails(rule: ConfigRule): Record<string, unknown>[] {
  return rule.triggerTypes.split(',').filter((t) => t !== '').map((t) => ({
    EventSource: 'aliyun.config',
    MaximumExecutionFrequency: t === 'ScheduledNotification' ? rule.maximumExecutionFrequency : '',
    MessageType: t,
  }));
}

function managedRuleDetail(ctx: ActionContext, rule: ConfigRule): Record<string, unknown> | undefined {
  if (rule.sourceOwner !== 'ALIYUN') return undefined;
  const m = ctx.catalog.managedRule(rule.sourceIdentifier);
  if (!m) return undefined;
  const details = (required: boolean) =>
    Object.fromEntries(m.parameters.filter((x) => x.required === required).map((x) => [x.name, { type: x.valueType ?? x.type, defaultValue: x.defaultValue ?? '' }]));
  return {
    CompulsoryInputParameterDetails: details(true),
    Description: m.description,
    Identifier: m.identifier,
    Labels: m.labels ?? [],
    ManagedRuleName: m.name,
    OptionalInputParameterDetails: details(false),
    SourceDetails: sourceDetails(rule),
  };
}

function packOf(ctx: ActionContext, rule: ConfigRule): { CompliancePackId: string; CompliancePackName: string } {
  const pack = rule.compliancePackId ? ctx.store.packs.get(rule.compliancePackId) : undefined;
  return { CompliancePackId: pack?.compliancePackId ?? '', CompliancePackName: pack?.name ?? '' };
}

function createBy(ctx: ActionContext, rule: ConfigRule): Record<string, unknown> {
  const creator = { CreatorId: String(rule.accountId), CreatorName: ctx.store.accounts.get(rule.accountId)?.accountName ?? '' };
  const packFields = packOf(ctx, rule);
  if (!rule.aggregatorId) return { ...packFields, ...creator };
  const agg = ctx.store.aggregators.get(rule.aggregatorId);
  return { AggregatorId: rule.aggregatorId, AggregatorName: agg?.name ?? '', ...packFields, ...creator, CreatorType: 'AGGREGATOR' };
}

/** The rule's resource types; rules loaded without any fall back to their managed rule's. */
export function ruleResourceTypes(ctx: ActionContext, rule: ConfigRule): string[] {
  return rule.scope.resourceTypesScope ?? (rule.sourceOwner === 'ALIYUN' ? ctx.catalog.managedRule(rule.sourceIdentifier)?.resourceTypes : undefined) ?? [];
}

const arn = (rule: ConfigRule) => `acs:config::${rule.accountId}:rule/${rule.configRuleId}`;

/** The ConfigRule object of Get(Aggregate)ConfigRule. */
export function wireRuleDetail(ctx: ActionContext, rule: ConfigRule): Record<string, unknown> {
  const s = rule.scope;
  const aggregate = rule.aggregatorId !== '';
  const typeList = ruleResourceTypes(ctx, rule);
  const types = typeList.join(',');
  return {
    AccountId: rule.accountId,
    ...(aggregate ? { AccountIdsScope: s.accountIdsScope ?? '' } : {}),
    Compliance: wireRuleCompliance(ctx.store, rule),
    ConfigRuleArn: arn(rule),
    ConfigRuleEvaluationStatus: ruleEvaluationStatus(ctx, rule),
    ConfigRuleId: rule.configRuleId,
    ConfigRuleName: rule.name,
    ConfigRuleState: rule.state,
    ConfigRuleTriggerTypes: rule.triggerTypes,
    CreateBy: createBy(ctx, rule),
    CreateTimestamp: rule.createdAt,
    Description: rule.description,
    ...(aggregate ? { ExcludeAccountIdsScope: s.excludeAccountIdsScope ?? '', ExcludeFolderIdsScope: s.excludeFolderIdsScope ?? '' } : {}),
    ExcludeRegionIdsScope: s.excludeRegionIdsScope ?? '',
    ExcludeResourceGroupIdsScope: s.excludeResourceGroupIdsScope ?? '',
    ExcludeResourceIdsScope: s.excludeResourceIdsScope ?? '',
    ExcludeTagsScope: wirePairs(s.excludeTagsScope),
    ExtendContent: rule.extendContent ?? '',
    ...(aggregate ? { FolderIdsScope: s.folderIdsScope ?? '' } : {}),
    InputParameters: rule.inputParameters,
    ...(managedRuleDetail(ctx, rule) ? { ManagedRule: managedRuleDetail(ctx, rule) } : {}),
    MaximumExecutionFrequency: rule.maximumExecutionFrequency,
    ModifiedTimestamp: rule.modifiedAt,
    RegionIdsScope: s.regionIdsScope ?? '',
    ResourceGroupIdsScope: s.resourceGroupIdsScope ?? '',
    ResourceIdsScope: s.resourceIdsScope ?? '',
    ResourceNameScope: s.resourceNameScope ?? '',
    ResourceTypesScope: types,
    RiskLevel: rule.riskLevel,
    ...(aggregate ? {} : { Scope: { ComplianceResourceTypes: typeList } }),
    Source: { Identifier: rule.sourceIdentifier, Owner: rule.sourceOwner, SourceDetails: sourceDetails(rule) },
    TagKeyLogicScope: s.tagKeyLogicScope ?? '',
    TagKeyScope: s.tagKeyScope ?? '',
    TagValueScope: s.tagValueScope ?? '',
    Tags: ctx.store.tags.of(rule.configRuleId).map((t) => ({ TagKey: t.key, TagValue: t.value })),
    TagsScope: wirePairs(s.tagsScope),
    ...(rule.conditions ? { Conditions: rule.conditions } : {}),
  };
}

/** One entry of ConfigRules.ConfigRuleList (List(Aggregate)ConfigRules); tags here are {Key,Value}. */
export function wireRuleSummary(ctx: ActionContext, rule: ConfigRule): Record<string, unknown> {
  return {
    AccountId: rule.accountId,
    AutomationType: '',
    Compliance: wireRuleCompliance(ctx.store, rule),
    ConfigRuleArn: arn(rule),
    ConfigRuleId: rule.configRuleId,
    ConfigRuleName: rule.name,
    ConfigRuleState: rule.state,
    CreateBy: rule.aggregatorId ? createBy(ctx, rule) : packOf(ctx, rule),
    Description: rule.description,
    ResourceTypesScope: ruleResourceTypes(ctx, rule).join(','),
    RiskLevel: rule.riskLevel,
    SourceIdentifier: rule.sourceIdentifier,
    SourceOwner: rule.sourceOwner,
    Tags: ctx.store.tags.of(rule.configRuleId).map((t) => ({ Key: t.key, Value: t.value })),
    CreateDate: createDate(rule.createdAt),
  };
}

// ---- listing ----------------------------------------------------------------------------------

export const listParams = {
  CompliancePackId: p.string(),
  ComplianceType: p.string({ enum: COMPLIANCE_TYPES }),
  ConfigRuleName: p.string(),
  ConfigRuleState: p.string({ enum: RULE_STATE_FILTER }),
  Keyword: p.string(),
  PageNumber: p.integer(),
  PageSize: p.integer(),
  ResourceTypes: p.string(),
  RiskLevel: p.integer(),
  Tag: tagParam,
  SortBy: p.string(),
};

export interface ListInput {
  CompliancePackId?: string;
  ComplianceType?: string;
  ConfigRuleName?: string;
  ConfigRuleState?: string;
  Keyword?: string;
  ResourceTypes?: string;
  RiskLevel?: number;
  Tag?: unknown[];
}

/** The ConfigRules page of List(Aggregate)ConfigRules for an owner ('' = the caller's own rules). */
export function listRules(ctx: ActionContext, aggregatorId: string, q: ListInput & { PageNumber?: number; PageSize?: number }): Record<string, unknown> {
  const { pageNumber, pageSize, offset } = pageWindow(q.PageNumber, q.PageSize);
  const rules = filterRules(ctx, aggregatorId, q);
  return {
    ConfigRules: {
      ConfigRuleList: rules.slice(offset, offset + pageSize).map((r) => wireRuleSummary(ctx, r)),
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: rules.length,
    },
  };
}

/** Filters the owner's rules, in creation order (stable across pages while nothing changes). */
export function filterRules(ctx: ActionContext, aggregatorId: string, q: ListInput): ConfigRule[] {
  const risk = checkRiskLevel(q.RiskLevel);
  const tags = parseTags(q.Tag);
  const types = q.ResourceTypes ? q.ResourceTypes.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
  const name = q.ConfigRuleName?.toLowerCase();
  const keyword = q.Keyword?.toLowerCase();
  return ctx.store.rules.owned(ctx.accountId, aggregatorId).filter((r) => {
    if (q.CompliancePackId && r.compliancePackId !== q.CompliancePackId) return false;
    if (q.ConfigRuleState && r.state !== q.ConfigRuleState) return false;
    if (risk !== undefined && r.riskLevel !== risk) return false;
    if (name && !r.name.toLowerCase().includes(name)) return false;
    if (keyword && ![r.configRuleId, r.name, r.description, r.sourceIdentifier].some((v) => v.toLowerCase().includes(keyword))) return false;
    if (types.length > 0 && !ruleResourceTypes(ctx, r).some((t) => types.includes(t))) return false;
    if (q.ComplianceType && wireRuleCompliance(ctx.store, r).ComplianceType !== q.ComplianceType) return false;
    if (!hasTags(ctx, r.configRuleId, tags)) return false;
    return true;
  });
}

// ---- batch operations -------------------------------------------------------------------------

/** ConfigRuleIds: comma-joined, at most 20 distinct ids. */
export function ruleIds(list: string[] | undefined): string[] {
  const ids = [...new Set(list ?? [])];
  if (ids.length > RULE_LIMITS.idsPerBatch) throw Errors.configRuleIdsSizeExceed();
  return ids;
}

type Operation = 'delete' | 'active' | 'deactive';

/**
 * Delete/Active/Deactive over ConfigRuleIds, or over a pack's rules when only CompliancePackId is
 * given. Each rule gets its own result; unknown ids fail alone with ConfigRuleNotExists.
 */
export function operateRules(
  ctx: ActionContext,
  aggregatorId: string,
  op: Operation,
  q: { ConfigRuleIds?: string[]; CompliancePackId?: string },
): Record<string, unknown> {
  const pack = q.CompliancePackId ? ownPack(ctx, aggregatorId, q.CompliancePackId) : undefined;
  let ids = ruleIds(q.ConfigRuleIds);
  if (ids.length === 0) {
    if (!pack) throw Errors.missingParameter('ConfigRuleIds');
    ids = ctx.store.rules.byPack(pack.compliancePackId).map((r) => r.configRuleId);
  }
  const items = ids.map((id) => {
    const rule = ctx.store.rules.get(id);
    const fail = (code: string) => ({ ConfigRuleId: id, ErrorCode: code, Success: false });
    if (!rule || rule.accountId !== ctx.accountId || rule.aggregatorId !== aggregatorId) return fail(ITEM_ERRORS.notExists);
    if (pack && rule.compliancePackId !== pack.compliancePackId) return fail(ITEM_ERRORS.notExists);
    if (op === 'delete') {
      if (rule.compliancePackId && ctx.store.packs.get(rule.compliancePackId)) return fail(ITEM_ERRORS.canNotDelete);
      ctx.store.rules.delete(id);
      ctx.store.tags.removeAll(id);
    } else {
      const want: RuleState = op === 'active' ? 'ACTIVE' : 'INACTIVE';
      if (rule.state === want) return fail(op === 'active' ? ITEM_ERRORS.notInactive : ITEM_ERRORS.notActive);
      ctx.store.rules.update({ ...rule, state: want, modifiedAt: ctx.now });
    }
    return { ConfigRuleId: id, ErrorCode: '', Success: true };
  });
  return { OperateRuleResult: { OperateRuleItemList: items } };
}

/** Copies rules into an owner (CopyConfigRules); a taken name gets a `-copy` suffix. */
export function copyRule(ctx: ActionContext, src: ConfigRule, aggregatorId: string): ConfigRule {
  let name = src.name;
  for (let n = 1; ctx.store.rules.byName(ctx.accountId, aggregatorId, name); n++) name = `${src.name}-copy${n === 1 ? '' : n}`;
  const copy: ConfigRule = {
    ...src,
    configRuleId: newId(ctx, 'cr'),
    aggregatorId,
    compliancePackId: '',
    name,
    state: 'ACTIVE',
    createdAt: ctx.now,
    modifiedAt: ctx.now,
  };
  if (!aggregatorId) {
    const { accountIdsScope: _a, excludeAccountIdsScope: _b, folderIdsScope: _c, excludeFolderIdsScope: _d, ...rest } = src.scope;
    copy.scope = rest;
  }
  ctx.store.rules.insert(copy);
  return copy;
}

