/**
 * Compliance packs of an account group: Create, Get, List, Update and DeleteAggregateCompliancePacks,
 * Attach/DetachAggregateConfigRuleToCompliancePack and CopyCompliancePacks.
 *
 * The pack operations are written once, for an owner: an aggregator id, or '' for the caller's
 * single-account packs (compliance-packs.ts wraps them for the single-account actions).
 *
 * Lifecycle: a new pack is CREATING until `readyAt`, then ACTIVE (computed from the clock).
 */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import type { ParamValues } from '../protocol/params.js';
import { packRuleScope, type CompliancePack, type ConfigRule, type Scope, type Tag, type TagPair } from '../store/index.js';
import { defineAction, type ActionContext, type Result } from './define.js';
import { KeptResults, reusableResult } from '../reusable.js';
import { commaList } from './aggregators.js';
import { checkPackRoom, materializeRules, PACK_LIMITS, parseRuleSpecs, replaceRules, templateContentSpecs, templateRuleSpecs, type RuleSpec } from './pack-rules.js';
import { checkAggregator, checkRiskLevel, checkWritableAggregator, clientTokenParam, field, newId, ownAggregator, ownPack, pageWindow, parseTags, saveTags, TAG_RESOURCE_TYPES, tagParam, wirePackRule, wireScope, wireTags } from './shared.js';


export const PACK_STATUSES = ['ACTIVE', 'CREATING'] as const;


/** The most pack ids one Delete*CompliancePacks call takes (Invalid.CompliancePackIds.SizeExceed). */
export const MAX_DELETE_PACK_IDS = 5;

/** Per-item error code for a rule the pack's owner does not have (OperateRuleItemList[].ErrorCode). */
export const CONFIG_RULE_NOT_EXISTS = 'ConfigRuleNotExists';

/** Scope parameters shared by the Create/Update pack actions. */
export const scopeParams = {
  RegionIdsScope: p.string(),
  ExcludeRegionIdsScope: p.string(),
  ResourceGroupIdsScope: p.string(),
  ExcludeResourceGroupIdsScope: p.string(),
  ResourceIdsScope: p.string(),
  ExcludeResourceIdsScope: p.string(),
  TagKeyScope: p.string(),
  TagValueScope: p.string(),
  TagsScope: p.jsonArray(),
  ExcludeTagsScope: p.jsonArray(),
};

/** TagsScope-style lists: [{TagKey, TagValue}] (also {Key, Value}, in either key case). */
function tagPairs(raw: unknown[] | undefined, name: string): TagPair[] | undefined {
  if (!raw) return undefined;
  return raw.map((t) => {
    const tagKey = field(t, 'TagKey') ?? field(t, 'Key');
    const tagValue = field(t, 'TagValue') ?? field(t, 'Value') ?? '';
    if (typeof tagKey !== 'string' || tagKey === '' || typeof tagValue !== 'string') throw Errors.invalidParameter(name);
    return { tagKey, tagValue };
  });
}

type ScopeInput = { [K in keyof typeof scopeParams]?: K extends 'TagsScope' | 'ExcludeTagsScope' ? unknown[] : string };

/** The pack scope a request gives (fields it leaves out stay out, so Update keeps the old values). */
export function readScope(q: ScopeInput): Scope {
  if (q.TagValueScope !== undefined && q.TagKeyScope === undefined) throw Errors.missingParameter('TagKeyScope');
  const all: [keyof Scope, Scope[keyof Scope]][] = [
    ['regionIdsScope', q.RegionIdsScope],
    ['excludeRegionIdsScope', q.ExcludeRegionIdsScope],
    ['resourceGroupIdsScope', q.ResourceGroupIdsScope],
    ['excludeResourceGroupIdsScope', q.ExcludeResourceGroupIdsScope],
    ['resourceIdsScope', q.ResourceIdsScope],
    ['excludeResourceIdsScope', q.ExcludeResourceIdsScope],
    ['tagKeyScope', q.TagKeyScope],
    ['tagValueScope', q.TagValueScope],
    ['tagsScope', tagPairs(q.TagsScope, 'TagsScope')],
    ['excludeTagsScope', tagPairs(q.ExcludeTagsScope, 'ExcludeTagsScope')],
  ];
  // Only the given fields, added in this order (no `delete`: it leaves a slow dictionary-mode object).
  const s: Record<string, unknown> = {};
  for (const [k, v] of all) if (v !== undefined) s[k] = v;
  return s as Scope;
}

export function packStatus(ctx: ActionContext, pack: CompliancePack): 'ACTIVE' | 'CREATING' {
  return ctx.now >= pack.readyAt ? 'ACTIVE' : 'CREATING';
}

/** The rule specs of a create request: ConfigRules, else TemplateContent, else the template's rules. */
export function requestedRules(ctx: ActionContext, q: { ConfigRules?: unknown[]; TemplateContent?: string; CompliancePackTemplateId?: string }): RuleSpec[] {
  if (q.CompliancePackTemplateId && !ctx.catalog.template(q.CompliancePackTemplateId)) throw Errors.compliancePackTemplateNotFound();
  if (q.ConfigRules && q.ConfigRules.length > 0) return parseRuleSpecs(q.ConfigRules);
  // A TemplateContent with no rule templates counts as absent, as an empty ConfigRules does.
  const fromContent = q.TemplateContent ? templateContentSpecs(q.TemplateContent) : [];
  if (fromContent.length > 0) return fromContent;
  if (q.CompliancePackTemplateId) return templateRuleSpecs(ctx, q.CompliancePackTemplateId);
  throw Errors.configRulesEmpty();
}

export function validPackName(name: string): string {
  if (name.trim() === '' || name.length > 128) throw Errors.compliancePackNameInvalid();
  return name;
}

/** Parameters of Create(Aggregate)CompliancePack, apart from AggregatorId. */
export const packCreateParams = {
  ClientToken: clientTokenParam,
  CompliancePackName: p.string({ required: true, invalid: Errors.compliancePackNameInvalid }),
  CompliancePackTemplateId: p.string(),
  ConfigRules: p.jsonArray({ invalid: Errors.configRulesInvalid }),
  DefaultEnable: p.boolean(),
  Description: p.string({ maxLength: 1024 }),
  RiskLevel: p.integer(),
  Tag: tagParam,
  TemplateContent: p.string({ maxLength: 262_144 }),
  ...scopeParams,
};

/** Parameters of Update(Aggregate)CompliancePack, apart from AggregatorId. */
export const packUpdateParams = {
  ClientToken: clientTokenParam,
  CompliancePackId: p.string({ required: true }),
  CompliancePackName: p.string({ invalid: Errors.compliancePackNameInvalid }),
  ConfigRules: p.jsonArray({ invalid: Errors.configRulesInvalid }),
  Description: p.string({ maxLength: 1024 }),
  RiskLevel: p.integer(),
  Tag: tagParam,
  ...scopeParams,
};

/** Creates a pack of an owner (aggregator id, or '' for single-account) with its rules. */
export function createPack(ctx: ActionContext, aggregatorId: string, q: ParamValues<typeof packCreateParams>, tagType: string): CompliancePack {
  const name = validPackName(q.CompliancePackName);
  const riskLevel = checkRiskLevel(q.RiskLevel) ?? 2;
  const scope = readScope(q);
  const tags = parseTags(q.Tag);
  const specs = requestedRules(ctx, q);
  if (ctx.store.packs.byName(ctx.accountId, aggregatorId, name)) throw Errors.compliancePackExists();
  // Adopted rules (ConfigRuleId) are the owner's already.
  checkPackRoom(ctx, aggregatorId, specs.filter((spec) => !spec.configRuleId).length);
  const pack: CompliancePack = {
    compliancePackId: newId(ctx, 'cp'),
    accountId: ctx.accountId,
    aggregatorId,
    name,
    description: q.Description ?? '',
    templateId: q.CompliancePackTemplateId ?? '',
    riskLevel,
    scope,
    templateContent: q.TemplateContent ?? '',
    createdAt: ctx.now,
    readyAt: ctx.now + ctx.createReadyMs.compliancePacks,
  };
  ctx.store.packs.insert(pack);
  materializeRules(ctx, pack, specs, q.DefaultEnable !== false);
  saveTags(ctx, pack.compliancePackId, tagType, tags);
  return pack;
}

/**
 * Updates a pack: given fields replace the stored ones, scope fields one by one (and the pack's
 * rules follow the new scope); ConfigRules, when given, replaces the pack's rules (replaceRules).
 */
export function updatePack(ctx: ActionContext, pack: CompliancePack, q: ParamValues<typeof packUpdateParams>, tagType: string): void {
  if (packStatus(ctx, pack) === 'CREATING') throw Errors.compliancePackAlreadyPending();
  const name = q.CompliancePackName !== undefined && q.CompliancePackName !== '' ? validPackName(q.CompliancePackName) : pack.name;
  const riskLevel = checkRiskLevel(q.RiskLevel) ?? pack.riskLevel;
  const given = readScope(q);
  const tags = parseTags(q.Tag);
  let specs: RuleSpec[] | undefined;
  if (q.ConfigRules !== undefined) {
    if (q.ConfigRules.length === 0) throw Errors.configRulesEmpty();
    specs = parseRuleSpecs(q.ConfigRules);
  }
  if (name !== pack.name) {
    const other = ctx.store.packs.byName(ctx.accountId, pack.aggregatorId, name);
    if (other && other.compliancePackId !== pack.compliancePackId) throw Errors.compliancePackExists();
  }
  const scope: Scope = { ...pack.scope, ...given };
  const updated: CompliancePack = { ...pack, name, description: q.Description ?? pack.description, riskLevel, scope };
  ctx.store.packs.update(updated);
  if (specs) replaceRules(ctx, updated, specs);
  if (Object.keys(given).length > 0) {
    for (const r of ctx.store.rules.byPack(pack.compliancePackId)) {
      ctx.store.rules.update({ ...r, scope: packRuleScope(scope, r.scope), modifiedAt: ctx.now });
    }
  }
  saveTags(ctx, pack.compliancePackId, tagType, tags);
}

/** Delete*CompliancePacks: per-item results; DeleteRule=true deletes the rules, else they are kept, detached. */
export function deletePacks(ctx: ActionContext, aggregatorId: string, rawIds: string, deleteRule: boolean): Record<string, unknown> {
  const ids = commaList(rawIds);
  if (ids.length === 0) throw Errors.compliancePackIdsEmpty();
  if (ids.length > MAX_DELETE_PACK_IDS) throw Errors.compliancePackIdsSizeExceed();
  const results = ids.map((id) => {
    const pack = ctx.store.packs.get(id);
    if (!pack || pack.accountId !== ctx.accountId || pack.aggregatorId !== aggregatorId) {
      return { CompliancePackId: id, Success: false, ErrorCode: Errors.compliancePackNotFound().code };
    }
    if (packStatus(ctx, pack) === 'CREATING') return { CompliancePackId: id, Success: false, ErrorCode: Errors.compliancePackAlreadyPending().code };
    for (const r of ctx.store.rules.byPack(id)) {
      if (deleteRule) {
        ctx.store.tags.removeAll(r.configRuleId);
        ctx.store.rules.delete(r.configRuleId);
      } else ctx.store.rules.update({ ...r, compliancePackId: '', modifiedAt: ctx.now });
    }
    ctx.store.reports.deleteScope(id);
    ctx.store.tags.removeAll(id);
    ctx.store.packs.delete(id);
    return { CompliancePackId: id, Success: true, ErrorCode: '' };
  });
  return { OperateCompliancePacksResult: { OperateCompliancePacks: results } };
}

function ruleIds(raw: string): string[] {
  const ids = commaList(raw);
  if (ids.length === 0) throw Errors.configRuleIdsEmpty();
  return ids;
}

/** A rule of the same owner as the pack, or undefined (another owner's rule does not exist here). */
function sameOwnerRule(ctx: ActionContext, pack: CompliancePack, id: string): ConfigRule | undefined {
  const r = ctx.store.rules.get(id);
  return r && r.accountId === pack.accountId && r.aggregatorId === pack.aggregatorId ? r : undefined;
}

/** Attach*ConfigRuleToCompliancePack: moves each rule into the pack (out of any other pack). */
export function attachRules(ctx: ActionContext, pack: CompliancePack, rawIds: string): Record<string, unknown> {
  let size = ctx.store.rules.byPack(pack.compliancePackId).length;
  const items = ruleIds(rawIds).map((id) => {
    const r = sameOwnerRule(ctx, pack, id);
    if (!r) return { ConfigRuleId: id, Success: false, ErrorCode: CONFIG_RULE_NOT_EXISTS };
    if (r.compliancePackId !== pack.compliancePackId) {
      if (size >= PACK_LIMITS.rulesPerPack) return { ConfigRuleId: id, Success: false, ErrorCode: Errors.configRuleExceedMaxRuleCount().code };
      ctx.store.rules.update({ ...r, compliancePackId: pack.compliancePackId, modifiedAt: ctx.now });
      size++;
    }
    return { ConfigRuleId: id, Success: true, ErrorCode: '' };
  });
  return { OperateRuleResult: { OperateRuleItemList: items } };
}

/** Detach*ConfigRuleToCompliancePack: the rules leave the pack and are kept. */
export function detachRules(ctx: ActionContext, pack: CompliancePack, rawIds: string): Record<string, unknown> {
  const items = ruleIds(rawIds).map((id) => {
    const r = sameOwnerRule(ctx, pack, id);
    if (!r || r.compliancePackId !== pack.compliancePackId) return { ConfigRuleId: id, Success: false, ErrorCode: CONFIG_RULE_NOT_EXISTS };
    ctx.store.rules.update({ ...r, compliancePackId: '', modifiedAt: ctx.now });
    return { ConfigRuleId: id, Success: true, ErrorCode: '' };
  });
  return { OperateRuleResult: { OperateRuleItemList: items } };
}

/** A free pack name in the destination: the source's, else `<name>-copy`, `<name>-copy-2` ... */
function copyName(ctx: ActionContext, aggregatorId: string, name: string): string {
  if (!ctx.store.packs.byName(ctx.accountId, aggregatorId, name)) return name;
  for (let i = 1; ; i++) {
    const candidate = `${name.slice(0, 118)}-copy${i === 1 ? '' : `-${i}`}`;
    if (!ctx.store.packs.byName(ctx.accountId, aggregatorId, candidate)) return candidate;
  }
}

/** Copies a pack and its rules (new ids, same settings) to another owner; the copy starts CREATING. */
export function copyPack(ctx: ActionContext, src: CompliancePack, destAggregatorId: string): CompliancePack {
  const rules = ctx.store.rules.byPack(src.compliancePackId);
  checkPackRoom(ctx, destAggregatorId, rules.length);
  const copy: CompliancePack = {
    ...src,
    compliancePackId: newId(ctx, 'cp'),
    aggregatorId: destAggregatorId,
    name: copyName(ctx, destAggregatorId, src.name),
    createdAt: ctx.now,
    readyAt: ctx.now + ctx.createReadyMs.compliancePacks,
  };
  ctx.store.packs.insert(copy);
  for (const r of rules) {
    ctx.store.rules.insert({ ...r, configRuleId: newId(ctx, 'cr'), aggregatorId: destAggregatorId, compliancePackId: copy.compliancePackId, createdAt: ctx.now, modifiedAt: ctx.now });
  }
  return copy;
}

export const createAggregateCompliancePack = defineAction({
  name: 'CreateAggregateCompliancePack',
  params: { AggregatorId: p.string({ required: true }), ...packCreateParams },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    const pack = createPack(ctx, q.AggregatorId, q, TAG_RESOURCE_TYPES.aggregatePack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

/** The full pack document of Get(Aggregate)CompliancePack. */
export function wirePack(ctx: ActionContext, pack: CompliancePack): Record<string, unknown> {
  return {
    AccountId: pack.accountId,
    ...(pack.aggregatorId ? { AggregatorId: pack.aggregatorId } : {}),
    CompliancePackId: pack.compliancePackId,
    CompliancePackName: pack.name,
    CompliancePackTemplateId: pack.templateId,
    ConfigRules: ctx.store.rules.byPack(pack.compliancePackId).map((r) => wirePackRule(ctx, r)),
    CreateTimestamp: pack.createdAt,
    Description: pack.description,
    RiskLevel: pack.riskLevel,
    Scope: wireScope(pack.scope),
    Status: packStatus(ctx, pack),
    Tags: wireTags(ctx, pack.compliancePackId),
    TemplateContent: pack.templateContent,
  };
}

/** A pack as the List*CompliancePacks actions show it. */
/** `tags`: the page's tags fetched at once (TagsRepo.ofMany); looked up per pack without it. */
export function wirePackSummary(ctx: ActionContext, pack: CompliancePack, tags?: Map<string, Tag[]>): Record<string, unknown> {
  return {
    AccountId: pack.accountId,
    ...(pack.aggregatorId ? { AggregatorId: pack.aggregatorId } : {}),
    CompliancePackId: pack.compliancePackId,
    CompliancePackName: pack.name,
    CompliancePackTemplateId: pack.templateId,
    CreateTimestamp: pack.createdAt,
    Description: pack.description,
    RiskLevel: pack.riskLevel,
    Status: packStatus(ctx, pack),
    Tags: wireTags(ctx, pack.compliancePackId, tags),
  };
}

export const getAggregateCompliancePack = defineAction({
  name: 'GetAggregateCompliancePack',
  params: { AggregatorId: p.string({ required: true }), CompliancePackId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return { CompliancePack: wirePack(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId)) };
  },
});

export const listAggregateCompliancePacks = defineAction({
  name: 'ListAggregateCompliancePacks',
  params: {
    AggregatorId: p.string({ required: true }),
    PageNumber: p.integer(),
    PageSize: p.integer(),
    Status: p.string({ enum: PACK_STATUSES }),
    RiskLevel: p.integer(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return listPacks(ctx, q.AggregatorId, q);
  },
});

/**
 * Pages of List(Aggregate)CompliancePacks handed out again: a client polling a list gets the same
 * page again and again. A page is kept with the write-clock version of the tables it is made of
 * (compliance_packs, whose writes also move the counts, and tags) and the span of emulator time
 * in which every pack on it keeps its status (a pack is CREATING until its readyAt). While both
 * hold, the kept answer is the answer: frozen to the bottom (reusableResult), rendered once by
 * the serializer. A Status filter depends on the time for every pack of the owner, so such pages
 * are never kept.
 */
interface KeptPage {
  version: number;
  /** The page holds while from <= now < until. */
  from: number;
  until: number;
  result: Result;
}
const PAGE_TABLES = ['compliance_packs', 'tags'] as const;
/** Owner, window and filters -> the kept page, per store. */
const keptPages = new KeptResults<KeptPage>(1000);

/** The CompliancePacksResult page of List(Aggregate)CompliancePacks for an owner ('' = single account). */
export function listPacks(
  ctx: ActionContext,
  aggregatorId: string,
  q: { PageNumber?: number; PageSize?: number; Status?: 'ACTIVE' | 'CREATING'; RiskLevel?: number; Tag?: unknown[] },
): Result {
  const { pageNumber, pageSize, offset } = pageWindow(q.PageNumber, q.PageSize);
  const riskLevel = checkRiskLevel(q.RiskLevel);
  const tagFilter = parseTags(q.Tag);
  const keep = q.Status === undefined;
  const key = !keep ? '' : `${ctx.accountId}\n${aggregatorId}\n${pageNumber}\n${pageSize}\n${riskLevel ?? ''}\n${tagFilter.length === 0 ? '' : JSON.stringify(tagFilter)}`;
  const version = keep ? ctx.store.writes.version(PAGE_TABLES) : 0;
  if (keep) {
    const page = keptPages.get(ctx.store, key);
    if (page !== undefined && page.version === version && page.from <= ctx.now && ctx.now < page.until) return page.result;
  }
  const { items, total } = ctx.store.packs.search({ accountId: ctx.accountId, aggregatorId, status: q.Status, now: ctx.now, riskLevel, tags: tagFilter }, pageSize, offset);
  const tags = ctx.store.tags.ofMany(items.map((pack) => pack.compliancePackId));
  const result: Result = {
    CompliancePacksResult: {
      CompliancePacks: items.map((pack) => wirePackSummary(ctx, pack, tags)),
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: total,
    },
  };
  if (!keep) return result;
  // The span of emulator time in which every pack on the page keeps its status.
  let from = -Infinity;
  let until = Infinity;
  for (const pack of items) {
    if (pack.readyAt <= ctx.now) from = Math.max(from, pack.readyAt);
    else until = Math.min(until, pack.readyAt);
  }
  keptPages.set(ctx.store, key, { version, from, until, result: reusableResult(result) });
  return result;
}

export const updateAggregateCompliancePack = defineAction({
  name: 'UpdateAggregateCompliancePack',
  params: { AggregatorId: p.string({ required: true }), ...packUpdateParams },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    const pack = ownPack(ctx, q.AggregatorId, q.CompliancePackId);
    updatePack(ctx, pack, q, TAG_RESOURCE_TYPES.aggregatePack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

export const deleteAggregateCompliancePacks = defineAction({
  name: 'DeleteAggregateCompliancePacks',
  params: {
    AggregatorId: p.string({ required: true }),
    ClientToken: clientTokenParam,
    CompliancePackIds: p.string({ required: true }),
    DeleteRule: p.boolean(),
  },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return deletePacks(ctx, q.AggregatorId, q.CompliancePackIds, q.DeleteRule === true);
  },
});

const attachParams = { AggregatorId: p.string({ required: true }), CompliancePackId: p.string({ required: true }), ConfigRuleIds: p.string({ required: true }) };

export const attachAggregateConfigRuleToCompliancePack = defineAction({
  name: 'AttachAggregateConfigRuleToCompliancePack',
  params: attachParams,
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return attachRules(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId), q.ConfigRuleIds);
  },
});

export const detachAggregateConfigRuleToCompliancePack = defineAction({
  name: 'DetachAggregateConfigRuleToCompliancePack',
  params: attachParams,
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return detachRules(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId), q.ConfigRuleIds);
  },
});

export const copyCompliancePacks = defineAction({
  name: 'CopyCompliancePacks',
  params: { DesAggregatorIds: p.string(), SrcAggregatorId: p.string(), SrcCompliancePackIds: p.string({ required: true }) },
  handler(ctx, q) {
    const src = q.SrcAggregatorId ?? '';
    if (src !== '') ownAggregator(ctx, src);
    const packIds = commaList(q.SrcCompliancePackIds);
    if (packIds.length === 0) throw Errors.srcCompliancePackIdsEmpty();
    const packs = packIds.map((id) => ownPack(ctx, src, id));
    const dests = q.DesAggregatorIds !== undefined && commaList(q.DesAggregatorIds).length > 0 ? commaList(q.DesAggregatorIds) : [src];
    for (const d of dests) if (d !== '') checkWritableAggregator(ctx, d);
    for (const d of dests) for (const pack of packs) copyPack(ctx, pack, d);
    return { CopyRulesResult: true };
  },
});

export default [
  createAggregateCompliancePack,
  getAggregateCompliancePack,
  listAggregateCompliancePacks,
  updateAggregateCompliancePack,
  deleteAggregateCompliancePacks,
  attachAggregateConfigRuleToCompliancePack,
  detachAggregateConfigRuleToCompliancePack,
  copyCompliancePacks,
];
