/**
 * Business helpers shared by several resource families: ownership checks, paging, tags and the
 * wire shapes that more than one action returns. Everything here speaks domain (camelCase) in and
 * wire (PascalCase) out; nothing here knows HTTP.
 */
import { createHash } from 'node:crypto';
import { ApiError, Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import type { Aggregator, CompliancePack, ConfigRule, Scope, Tag, TagPair } from '../store/index.js';
import { signedReportUrl } from '../reports/links.js';
import type { ReportStatus } from '../reports/service.js';
import type { ActionContext } from './define.js';

// ---- report links ----------------------------------------------------------------------------

/** The ReportUrl of a report answer: a pre-signed link once the report is COMPLETE, else ''. */
export function reportUrl(ctx: ActionContext, report: { objectKey: string } | undefined, status: ReportStatus): string {
  return status === 'COMPLETE' && report ? signedReportUrl(ctx.baseUrl, report.objectKey, ctx.now, ctx.config.reportLinkTtlSeconds) : '';
}

// ---- lookups with ownership -----------------------------------------------------------------

/** The caller's aggregator; another account's answers exactly like a missing one. */
export function ownAggregator(ctx: ActionContext, aggregatorId: string): Aggregator {
  const agg = ctx.store.aggregators.get(aggregatorId);
  if (!agg || agg.accountId !== ctx.accountId) throw Errors.aggregatorNotFound();
  return agg;
}

/** Checks the caller owns the aggregator without loading it (the common case: only the id is needed). */
export function checkAggregator(ctx: ActionContext, aggregatorId: string): void {
  if (ctx.store.aggregators.ownerOf(aggregatorId) !== ctx.accountId) throw Errors.aggregatorNotFound();
}

/**
 * The caller's aggregator for a write: a member account that is not the owner gets
 * AggregatorMemberNoPermission (403); anyone else gets the not-found answer.
 */
export function writableAggregator(ctx: ActionContext, aggregatorId: string): Aggregator {
  const agg = ctx.store.aggregators.get(aggregatorId);
  if (agg && agg.accountId !== ctx.accountId && agg.members.some((m) => m.accountId === ctx.accountId)) throw Errors.aggregatorMemberNoPermission();
  if (!agg || agg.accountId !== ctx.accountId) throw Errors.aggregatorNotFound(); // as ownAggregator, without a second read
  return agg;
}

/**
 * writableAggregator for writes that need only the check: the owner passes on one indexed lookup
 * (no row, no members); anyone else gets writableAggregator's answer.
 */
export function checkWritableAggregator(ctx: ActionContext, aggregatorId: string): void {
  if (ctx.store.aggregators.ownerOf(aggregatorId) !== ctx.accountId) writableAggregator(ctx, aggregatorId);
}

/** A compliance pack of the given aggregator ('' = the caller's single-account packs). */
export function ownPack(ctx: ActionContext, aggregatorId: string, compliancePackId: string): CompliancePack {
  const pack = ctx.store.packs.get(compliancePackId);
  if (!pack || pack.accountId !== ctx.accountId || pack.aggregatorId !== aggregatorId) throw Errors.compliancePackNotFound();
  return pack;
}

/** Checks the pack belongs to the caller and the aggregator without loading it (ownPack's answer when not). */
export function checkPack(ctx: ActionContext, aggregatorId: string, compliancePackId: string): void {
  const owner = ctx.store.packs.ownerOf(compliancePackId);
  if (!owner || owner[0] !== ctx.accountId || owner[1] !== aggregatorId) throw Errors.compliancePackNotFound();
}

// ---- paging -----------------------------------------------------------------------------------

export const PAGE = { defaultSize: 10, maxSize: 100 } as const;

export function pageWindow(pageNumber = 1, pageSize: number = PAGE.defaultSize): { pageNumber: number; pageSize: number; offset: number } {
  if (!Number.isInteger(pageNumber) || pageNumber < 1) throw Errors.invalidParameter('PageNumber');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE.maxSize) throw Errors.invalidParameter('PageSize');
  return { pageNumber, pageSize, offset: (pageNumber - 1) * pageSize };
}

export const invalidNextToken = () => new ApiError('Invalid.NextToken.Value', 'The specified NextToken is invalid.', 400);

/**
 * What a NextToken is bound to: the list, the account and a digest of the list's filters (so a
 * token from another list, account or filter set is refused, not silently misused, and stays
 * short however long the filters are).
 */
export function tokenScope(list: string, accountId: number, filters: unknown): string {
  return `${list}:${accountId}:${createHash('sha1').update(JSON.stringify(filters)).digest('hex').slice(0, 16)}`;
}

/**
 * Opaque NextToken: the position after which the next page starts, bound to its scope
 * (`tokenScope`). The position is a row's seq, or the sort key of the last row given (a tuple of
 * strings and integers), so a page resumes after that row even when rows before it came or went.
 */
export function encodeNextToken(scope: string, after: number | readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify({ s: scope, a: after })).toString('base64url');
}
function decodeToken(scope: string, token: string): unknown {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; a?: unknown };
    if (v.s === scope) return v.a;
  } catch {
    // refused below
  }
  return undefined;
}
/** The seq a token resumes after (0 without a token). */
export function decodeNextToken(scope: string, token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const a = decodeToken(scope, token);
  if (typeof a === 'number' && Number.isSafeInteger(a) && a >= 0) return a;
  throw invalidNextToken();
}
/** The sort key a token resumes after, checked against the key's kinds (undefined without a token). */
export function decodeKeyToken(scope: string, token: string | undefined, kinds: readonly ('string' | 'integer')[]): (string | number)[] | undefined {
  if (token === undefined || token === '') return undefined;
  const a = decodeToken(scope, token);
  const fits = (v: unknown, kind: 'string' | 'integer') => (kind === 'string' ? typeof v === 'string' : Number.isSafeInteger(v));
  if (Array.isArray(a) && a.length === kinds.length && a.every((v, i) => fits(v, kinds[i]))) return a as (string | number)[];
  throw invalidNextToken();
}

// ---- tags -------------------------------------------------------------------------------------

export const TAG_RESOURCE_TYPES = {
  aggregator: 'ACS::Config::Aggregator',
  aggregatePack: 'ACS::Config::AggregateCompliancePack',
  pack: 'ACS::Config::CompliancePack',
  aggregateRule: 'ACS::Config::AggregateConfigRule',
  rule: 'ACS::Config::Rule',
} as const;

export const invalidTag = () => new ApiError('Invalid.Tag.Value', 'The specified Tag is invalid.', 400);

/** Reads a key in PascalCase or camelCase, as the SDKs and the docs spell JSON-string keys. */
export function field(obj: unknown, pascal: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  if (pascal in o) return o[pascal];
  const camel = pascal[0].toLowerCase() + pascal.slice(1);
  return o[camel];
}

/** ClientToken: "only ASCII characters and cannot exceed 64 characters" (every action that takes one). */
export const clientTokenParam = p.string({ maxLength: 64, asciiOnly: true });

/** The `Tag` parameter of create, update and list actions: a JSON array of {Key, Value}. */
export const tagParam = p.jsonArray({ invalid: invalidTag });

/** The emulator's limit of rules per owner (an account's own rules, or one account group's). */
export const RULES_PER_OWNER = 500;

/** Whether the owner holds more than RULES_PER_OWNER rules, counting `adding` not yet written. */
export function rulesOverLimit(ctx: ActionContext, aggregatorId: string, adding = 0): boolean {
  return ctx.store.rules.count(ctx.accountId, aggregatorId) + adding > RULES_PER_OWNER;
}

/** "You can add up to 20 tags to a resource." */
export const TAGS_PER_RESOURCE = 20;

/**
 * Validates the `Tag` parameter ([{Key, Value}]) of create/list actions. A key may appear once,
 * except in a filter whose pairs are alternatives (`repeatKeys`: ListTagResources matches any pair).
 */
export function parseTags(raw: unknown[] | undefined, { repeatKeys = false } = {}): { key: string; value: string }[] {
  if (!raw) return [];
  if (raw.length > TAGS_PER_RESOURCE) throw invalidTag();
  const seen = new Set<string>();
  return raw.map((t) => {
    const key = field(t, 'Key') ?? field(t, 'TagKey');
    const value = field(t, 'Value') ?? field(t, 'TagValue') ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') throw invalidTag();
    if (key.length < 1 || key.length > 64 || value.length > 128) throw invalidTag();
    if (/^(aliyun|acs:)/i.test(key) || /^(aliyun|acs:)/i.test(value) || /https?:\/\//i.test(key) || /https?:\/\//i.test(value)) throw invalidTag();
    if (seen.has(key) && !repeatKeys) throw invalidTag();
    seen.add(key);
    return { key, value };
  });
}

/**
 * Adds (or re-values) tags on a resource: TagResources, and the Tag parameter of create and update
 * actions. More than TAGS_PER_RESOURCE keys on the resource afterwards is `Invalid.Tag.Value`,
 * thrown before any tag is written (the action's transaction undoes the rest of its write).
 */
export function saveTags(ctx: ActionContext, resourceId: string, resourceType: string, tags: { key: string; value: string }[]): void {
  if (tags.length === 0) return;
  const keys = new Set(ctx.store.tags.of(resourceId).map((t) => t.key));
  for (const t of tags) keys.add(t.key);
  if (keys.size > TAGS_PER_RESOURCE) throw invalidTag();
  for (const t of tags) ctx.store.tags.put({ resourceId, resourceType, accountId: ctx.accountId, key: t.key, value: t.value });
}

/** Whether a resource carries every tag of a filter. */
export function hasTags(ctx: ActionContext, resourceId: string, filter: { key: string; value: string }[]): boolean {
  if (filter.length === 0) return true;
  const own = new Map(ctx.store.tags.of(resourceId).map((t) => [t.key, t.value]));
  return filter.every((f) => own.has(f.key) && (f.value === '' || own.get(f.key) === f.value));
}

/** `known`: the resource's tags when the caller fetched them already (TagsRepo.ofMany for a page). */
export function wireTags(ctx: ActionContext, resourceId: string, known?: Map<string, Tag[]>): { TagKey: string; TagValue: string }[] {
  const tags = known ? (known.get(resourceId) ?? []) : ctx.store.tags.of(resourceId);
  return tags.map((t) => ({ TagKey: t.key, TagValue: t.value }));
}

// ---- scope ------------------------------------------------------------------------------------

/** TagsScope-style pairs on the wire. */
export const wirePairs = (pairs: TagPair[] | undefined) => (pairs ?? []).map((t) => ({ TagKey: t.tagKey, TagValue: t.tagValue }));

export function wireScope(s: Scope): Record<string, unknown> {
  return {
    ExcludeRegionIdsScope: s.excludeRegionIdsScope ?? '',
    ExcludeResourceGroupIdsScope: s.excludeResourceGroupIdsScope ?? '',
    ExcludeResourceIdsScope: s.excludeResourceIdsScope ?? '',
    ExcludeTagsScope: wirePairs(s.excludeTagsScope),
    RegionIdsScope: s.regionIdsScope ?? '',
    ResourceGroupIdsScope: s.resourceGroupIdsScope ?? '',
    ResourceIdsScope: s.resourceIdsScope ?? '',
    TagKeyScope: s.tagKeyScope ?? '',
    TagValueScope: s.tagValueScope ?? '',
    TagsScope: wirePairs(s.tagsScope),
  };
}

/** A pack's rule as GetAggregateCompliancePack / GetCompliancePack list it. */
export function wirePackRule(ctx: ActionContext, r: ConfigRule): Record<string, unknown> {
  const managed = ctx.catalog.managedRule(r.sourceIdentifier);
  const required = new Map((managed?.parameters ?? []).map((p) => [p.name, p.required]));
  return {
    ConfigRuleId: r.configRuleId,
    ConfigRuleName: r.name,
    ConfigRuleParameters: Object.entries(r.inputParameters).map(([k, v]) => ({ ParameterName: k, ParameterValue: v, Required: required.get(k) ?? false })),
    Description: r.description,
    ManagedRuleIdentifier: r.sourceIdentifier,
    ResourceTypesScope: (r.scope.resourceTypesScope ?? managed?.resourceTypes ?? []).join(','),
    RiskLevel: r.riskLevel,
  };
}

export const RISK_LEVELS = [1, 2, 3] as const;
export function checkRiskLevel(v: number | undefined, name = 'RiskLevel'): number | undefined {
  if (v !== undefined && !RISK_LEVELS.includes(v as 1 | 2 | 3)) throw Errors.invalidParameter(name);
  return v;
}

/** `prefix-` + 20 lowercase hex characters, the shape of every Config resource id. */
export function newId(ctx: ActionContext, prefix: 'ca' | 'cp' | 'cr' | 'ct'): string {
  return `${prefix}-${ctx.ids.hex(20)}`;
}
