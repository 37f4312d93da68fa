/** Tags on Config resources: TagResources, UntagResources, ListTagResources. */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { defineAction, type ActionContext } from './define.js';
import { decodeNextToken, encodeNextToken, invalidTag, parseTags, saveTags, TAG_RESOURCE_TYPES, tagParam, TAGS_PER_RESOURCE, tokenScope } from './shared.js';

export const TAG_LIMITS = { resourcesPerCall: 50, tagsPerResource: TAGS_PER_RESOURCE, defaultMaxResults: 20, maxResults: 100 } as const;

const RESOURCE_TYPES = Object.values(TAG_RESOURCE_TYPES) as string[];

/** The exact type name, accepted case-insensitively (the docs spell `ACS::Config::rule` too). */
function resourceType(raw: string): string {
  const hit = RESOURCE_TYPES.find((t) => t.toLowerCase() === raw.toLowerCase());
  if (!hit) throw Errors.tagResourceTypeInvalid();
  return hit;
}

/** Whether the caller owns a resource of that type. */
function ownsResource(ctx: ActionContext, type: string, id: string): boolean {
  switch (type) {
    case TAG_RESOURCE_TYPES.aggregator: {
      const a = ctx.store.aggregators.get(id);
      return !!a && a.accountId === ctx.accountId;
    }
    case TAG_RESOURCE_TYPES.pack:
    case TAG_RESOURCE_TYPES.aggregatePack: {
      const pk = ctx.store.packs.get(id);
      return !!pk && pk.accountId === ctx.accountId && (pk.aggregatorId !== '') === (type === TAG_RESOURCE_TYPES.aggregatePack);
    }
    default: {
      const r = ctx.store.rules.get(id);
      return !!r && r.accountId === ctx.accountId && (r.aggregatorId !== '') === (type === TAG_RESOURCE_TYPES.aggregateRule);
    }
  }
}

function resources(ctx: ActionContext, type: string, ids: string[]): string[] {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw Errors.missingParameter('ResourceId');
  if (unique.length > TAG_LIMITS.resourcesPerCall) throw Errors.tagResourceIdInvalid();
  for (const id of unique) if (!ownsResource(ctx, type, id)) throw Errors.tagResourceIdInvalid();
  return unique;
}

const common = { RegionId: p.string({ required: true }), ResourceId: p.list({ required: true }), ResourceType: p.string({ required: true }) };

export const tagResources = defineAction({
  name: 'TagResources',
  params: { ...common, Tag: p.jsonArray({ required: true, invalid: invalidTag }) },
  handler(ctx, q) {
    const type = resourceType(q.ResourceType);
    const ids = resources(ctx, type, q.ResourceId);
    const tags = parseTags(q.Tag);
    if (tags.length === 0) throw Errors.missingParameter('Tag');
    for (const id of ids) saveTags(ctx, id, type, tags);
    return {};
  },
});

export const untagResources = defineAction({
  name: 'UntagResources',
  params: { ...common, All: p.boolean(), TagKey: p.list() },
  handler(ctx, q) {
    const type = resourceType(q.ResourceType);
    const ids = resources(ctx, type, q.ResourceId);
    const keys = [...new Set(q.TagKey ?? [])];
    if (keys.length > TAG_LIMITS.tagsPerResource || keys.some((k) => k === '' || k.length > 128)) throw Errors.tagKeyInvalid();
    if (!q.All && keys.length === 0) throw Errors.missingParameter('TagKey');
    for (const id of ids) {
      if (q.All) ctx.store.tags.removeAll(id);
      else for (const k of keys) ctx.store.tags.remove(id, k);
    }
    return {};
  },
});

export const listTagResources = defineAction({
  name: 'ListTagResources',
  params: {
    RegionId: p.string({ required: true }),
    ResourceType: p.string({ required: true }),
    ResourceId: p.list(),
    Tag: tagParam,
    NextToken: p.string(),
    MaxResults: p.integer({ min: 1, max: TAG_LIMITS.maxResults }),
  },
  handler(ctx, q) {
    const type = resourceType(q.ResourceType);
    const ids = [...new Set(q.ResourceId ?? [])];
    if (ids.length > TAG_LIMITS.resourcesPerCall) throw Errors.tagResourceIdInvalid();
    const tags = parseTags(q.Tag, { repeatKeys: true });
    const limit = q.MaxResults ?? TAG_LIMITS.defaultMaxResults;
    // The token is bound to the account and the filters: reused with other filters it is refused.
    const scope = tokenScope('tags', ctx.accountId, [type, ids, tags]);
    const after = decodeNextToken(scope, q.NextToken);
    const rows = ctx.store.tags.search({ accountId: ctx.accountId, resourceType: type, resourceIds: ids, tags }, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      ...(rows.length > limit ? { NextToken: encodeNextToken(scope, page[page.length - 1].seq) } : {}),
      TagResources: {
        TagResource: page.map(({ tag }) => ({ ResourceId: tag.resourceId, ResourceType: tag.resourceType, TagKey: tag.key, TagValue: tag.value })),
      },
    };
  },
});

export default [tagResources, untagResources, listTagResources];
