/**
 * Compliance packs of an account group: CreateAggregateCompliancePack, GetAggregateCompliancePack,
 * ListAggregateCompliancePacks.
 */
import { ApiError, Errors } from '../errors.js';
import { evaluatePack } from '../engine/index.js';
import { p } from '../protocol/params.js';
import type { CompliancePack, Scope, TagPair } from '../store/index.js';
import { defineAction, type ActionContext } from './define.js';
import { materializeRules, PACK_LIMITS, parseRuleSpecs, templateContentSpecs, templateRuleSpecs, type RuleSpec } from './pack-rules.js';
import {
  checkRiskLevel, field, newId, ownAggregator, ownPack, pageWindow, parseTags, saveTags, TAG_RESOURCE_TYPES, wirePackRule, wireScope, wireTags,
} from './shared.js';

const tagParam = p.jsonArray({ invalid: () => new ApiError('Invalid.Tag.Value', 'The specified Tag is invalid.', 400) });

export const PACK_STATUSES = ['ACTIVE', 'CREATING'] as const;

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

function tagPairs(raw: unknown[] | undefined, name: string): TagPair[] | undefined {
  if (!raw) return undefined;
  return raw.map((t) => {
    const tagKey = field(t, 'TagKey');
    const tagValue = field(t, 'TagValue') ?? '';
    if (typeof tagKey !== 'string' || tagKey === '' || typeof tagValue !== 'string') throw Errors.invalidParameter(name);
    return { tagKey, tagValue };
  });
}

type ScopeInput = { [K in keyof typeof scopeParams]?: K extends 'TagsScope' | 'ExcludeTagsScope' ? unknown[] : string };

export function readScope(q: ScopeInput): Scope {
  if (q.TagValueScope !== undefined && q.TagKeyScope === undefined) throw Errors.missingParameter('TagKeyScope');
  const s: Scope = {
    regionIdsScope: q.RegionIdsScope,
    excludeRegionIdsScope: q.ExcludeRegionIdsScope,
    resourceGroupIdsScope: q.ResourceGroupIdsScope,
    excludeResourceGroupIdsScope: q.ExcludeResourceGroupIdsScope,
    resourceIdsScope: q.ResourceIdsScope,
    excludeResourceIdsScope: q.ExcludeResourceIdsScope,
    tagKeyScope: q.TagKeyScope,
    tagValueScope: q.TagValueScope,
    tagsScope: tagPairs(q.TagsScope, 'TagsScope'),
    excludeTagsScope: tagPairs(q.ExcludeTagsScope, 'ExcludeTagsScope'),
  };
  for (const k of Object.keys(s) as (keyof Scope)[]) if (s[k] === undefined) delete s[k];
  return s;
}

export function packStatus(ctx: ActionContext, pack: CompliancePack): 'ACTIVE' | 'CREATING' {
  return ctx.now >= pack.readyAt ? 'ACTIVE' : 'CREATING';
}

/** The rule specs of a create request: ConfigRules, else TemplateContent, else the template's rules. */
export function requestedRules(ctx: ActionContext, q: { ConfigRules?: unknown[]; TemplateContent?: string; CompliancePackTemplateId?: string }): RuleSpec[] {
  if (q.CompliancePackTemplateId && !ctx.catalog.template(q.CompliancePackTemplateId)) throw Errors.compliancePackTemplateNotFound();
  if (q.ConfigRules && q.ConfigRules.length > 0) return parseRuleSpecs(q.ConfigRules);
  if (q.TemplateContent) return templateContentSpecs(q.TemplateContent);
  if (q.CompliancePackTemplateId) return templateRuleSpecs(ctx, q.CompliancePackTemplateId);
  throw Errors.configRulesEmpty();
}

export function validPackName(name: string): string {
  if (name.trim() === '' || name.length > 128) throw Errors.compliancePackNameInvalid();
  return name;
}

export const createAggregateCompliancePack = defineAction({
  name: 'CreateAggregateCompliancePack',
  params: {
    AggregatorId: p.string({ required: true }),
    ClientToken: p.string({ maxLength: 64 }),
    CompliancePackName: p.string({ required: true, invalid: Errors.compliancePackNameInvalid }),
    CompliancePackTemplateId: p.string(),
    ConfigRules: p.jsonArray({ invalid: Errors.configRulesInvalid }),
    DefaultEnable: p.boolean(),
    Description: p.string({ maxLength: 1024 }),
    RiskLevel: p.integer(),
    Tag: tagParam,
    TemplateContent: p.string({ maxLength: 262_144 }),
    ...scopeParams,
  },
  handler(ctx, q) {
    ownAggregator(ctx, q.AggregatorId);
    const name = validPackName(q.CompliancePackName);
    const riskLevel = checkRiskLevel(q.RiskLevel) ?? 2;
    const scope = readScope(q);
    const tags = parseTags(q.Tag);
    const specs = requestedRules(ctx, q);
    if (ctx.store.packs.byName(ctx.accountId, q.AggregatorId, name)) throw Errors.compliancePackExists();
    if (ctx.store.packs.count(ctx.accountId, q.AggregatorId) >= PACK_LIMITS.packsPerOwner) throw Errors.compliancePackExceedMaxCount();
    const pack: CompliancePack = {
      compliancePackId: newId(ctx, 'cp'),
      accountId: ctx.accountId,
      aggregatorId: q.AggregatorId,
      name,
      description: q.Description ?? '',
      templateId: q.CompliancePackTemplateId ?? '',
      riskLevel,
      scope,
      templateContent: q.TemplateContent ?? '',
      createdAt: ctx.now,
      readyAt: ctx.now,
    };
    ctx.store.packs.insert(pack);
    materializeRules(ctx, pack, specs, q.DefaultEnable !== false);
    evaluatePack(ctx, pack, ctx.now);
    saveTags(ctx, pack.compliancePackId, TAG_RESOURCE_TYPES.aggregatePack, tags);
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
export function wirePackSummary(ctx: ActionContext, pack: CompliancePack): Record<string, unknown> {
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
    Tags: wireTags(ctx, pack.compliancePackId),
  };
}

export const getAggregateCompliancePack = defineAction({
  name: 'GetAggregateCompliancePack',
  params: { AggregatorId: p.string({ required: true }), CompliancePackId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    ownAggregator(ctx, q.AggregatorId);
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
    ownAggregator(ctx, q.AggregatorId);
    const { pageNumber, pageSize, offset } = pageWindow(q.PageNumber, q.PageSize);
    const { items, total } = ctx.store.packs.search(
      { accountId: ctx.accountId, aggregatorId: q.AggregatorId, status: q.Status, now: ctx.now, riskLevel: checkRiskLevel(q.RiskLevel), tags: parseTags(q.Tag) },
      pageSize,
      offset,
    );
    return {
      CompliancePacksResult: {
        CompliancePacks: items.map((pack) => wirePackSummary(ctx, pack)),
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: total,
      },
    };
  },
});

export default [createAggregateCompliancePack, getAggregateCompliancePack, listAggregateCompliancePacks];
