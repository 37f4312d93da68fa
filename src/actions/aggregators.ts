/**
 * Account groups (aggregators): CreateAggregator, GetAggregator, ListAggregators, UpdateAggregator,
 * DeleteAggregators.
 *
 * Lifecycle: a new group answers AggregatorStatus 0 (creating) until `readyAt`, then 1 (created);
 * the status is computed from the request's clock, never from timers.
 */
import { ApiError, Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { AGGREGATOR_TYPES, type Aggregator, type AggregatorMember } from '../store/index.js';
import { defineAction, type ActionContext } from './define.js';
import { clientTokenParam, decodeNextToken, encodeNextToken, field, hasTags, newId, ownAggregator, parseTags, saveTags, TAG_RESOURCE_TYPES, tagParam, tokenScope, wireTags, writableAggregator } from './shared.js';

export const LIMITS = { aggregatorsPerAccount: 50, membersPerAggregator: 1000 } as const;

/**
 * Validates `AggregatorAccounts` items ([{AccountId, AccountName, AccountType}], either key case).
 * `typeRequired`: UpdateAggregator's reference says a new member list
 * must give both AccountId and AccountType; CreateAggregator takes the only type when it is left out.
 */
export function parseMembers(raw: unknown[], typeRequired = false): AggregatorMember[] {
  const seen = new Set<number>();
  return raw.map((item) => {
    if (!item || typeof item !== 'object') throw Errors.aggregatorAccountsInvalid();
    const id = field(item, 'AccountId');
    const accountId = typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,16}$/.test(id) ? Number(id) : NaN;
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw Errors.aggregatorAccountsInvalid();
    const type = field(item, 'AccountType') ?? (typeRequired ? undefined : 'ResourceDirectory');
    if (type !== 'ResourceDirectory') throw Errors.accountTypeInvalid();
    const name = field(item, 'AccountName') ?? '';
    if (typeof name !== 'string') throw Errors.aggregatorAccountsInvalid();
    if (seen.has(accountId)) throw Errors.aggregatorAccountListItemDuplicated();
    seen.add(accountId);
    return { accountId, accountName: name, accountType: 'ResourceDirectory' };
  });
}

/** Members of an RD or FOLDER group: every account the emulator knows, the owner first. */
function directoryMembers(ctx: ActionContext): AggregatorMember[] {
  const all = ctx.store.accounts.list();
  all.sort((a, b) => (a.accountId === ctx.accountId ? -1 : b.accountId === ctx.accountId ? 1 : 0));
  return all.map((a) => ({ accountId: a.accountId, accountName: a.accountName, accountType: 'ResourceDirectory' }));
}

/** A group's name must hold more than blanks (InvalidAggregatorName), on create and update. */
function checkAggregatorName(name: string): string {
  if (name.trim() === '') throw Errors.invalidParameter('AggregatorName');
  return name;
}

const status = (ctx: ActionContext, a: Aggregator) => (ctx.now >= a.readyAt ? 1 : 0);

export const createAggregator = defineAction({
  name: 'CreateAggregator',
  params: {
    AggregatorAccounts: p.jsonArray({ invalid: Errors.aggregatorAccountsInvalid }),
    AggregatorName: p.string({ required: true, maxLength: 128 }),
    AggregatorType: p.string({ enum: AGGREGATOR_TYPES }),
    ClientToken: clientTokenParam,
    Description: p.string({ maxLength: 1024 }),
    FolderId: p.string(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    const type = q.AggregatorType ?? 'CUSTOM';
    checkAggregatorName(q.AggregatorName);
    if (type === 'FOLDER' && !q.FolderId) throw Errors.missingParameter('FolderId');
    let members: AggregatorMember[];
    if (q.AggregatorAccounts && q.AggregatorAccounts.length > 0) members = parseMembers(q.AggregatorAccounts);
    else if (type === 'CUSTOM') throw Errors.aggregatorAccountsEmpty();
    else members = directoryMembers(ctx);
    if (members.length > LIMITS.membersPerAggregator) throw Errors.aggregatorAccountsInvalid();
    const tags = parseTags(q.Tag);
    if (ctx.store.aggregators.byName(ctx.accountId, q.AggregatorName)) throw Errors.aggregatorNameDuplicated();
    if (ctx.store.aggregators.count(ctx.accountId) >= LIMITS.aggregatorsPerAccount) throw Errors.aggregatorExceedMaxCount();
    const aggregatorId = newId(ctx, 'ca');
    ctx.store.aggregators.insert({
      aggregatorId, accountId: ctx.accountId, name: q.AggregatorName, description: q.Description ?? '', aggregatorType: type,
      folderId: q.FolderId ?? '', createdAt: ctx.now, readyAt: ctx.now + ctx.createReadyMs.aggregators, members,
    });
    saveTags(ctx, aggregatorId, TAG_RESOURCE_TYPES.aggregator, tags);
    return { AggregatorId: aggregatorId };
  },
});

export const getAggregator = defineAction({
  name: 'GetAggregator',
  params: { AggregatorId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    const a = ownAggregator(ctx, q.AggregatorId);
    const full: Record<string, unknown> = {
      ...wireAggregatorSummary(ctx, a),
      AggregatorAccounts: a.members.map((m) => ({
        AccountId: m.accountId,
        AccountName: m.accountName,
        AccountType: m.accountType,
        RecorderStatus: ctx.store.accounts.get(m.accountId)?.configEnabled === false ? 'REGISTRABLE' : 'REGISTERED',
      })),
      // GetAggregator writes this Long as a string (the reference's one surprise); List a number.
      AggregatorCreateTimestamp: String(a.createdAt),
      // Folder names live in the resource directory, which the emulator does not model.
      FolderName: '',
    };
    // Fields in the reference's (alphabetical) order, which the XML answer follows.
    return { Aggregator: Object.fromEntries(Object.entries(full).sort(([x], [y]) => (x < y ? -1 : 1))) };
  },
});

/** An account group as ListAggregators shows it (GetAggregator adds the members). */
function wireAggregatorSummary(ctx: ActionContext, a: Aggregator): Record<string, unknown> {
  return {
    AccountId: a.accountId,
    AggregatorAccountCount: a.members.length,
    AggregatorCreateTimestamp: a.createdAt,
    AggregatorId: a.aggregatorId,
    AggregatorName: a.name,
    AggregatorStatus: status(ctx, a),
    AggregatorType: a.aggregatorType,
    Description: a.description,
    FolderId: a.folderId,
    Tags: wireTags(ctx, a.aggregatorId),
  };
}

export const listAggregators = defineAction({
  name: 'ListAggregators',
  params: {
    MaxResults: p.integer({ required: true, min: 1, max: 100 }),
    NextToken: p.string(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    const filter = parseTags(q.Tag);
    // Bound to the tag filter, as every NextToken is to its filters (docs/fidelity.md).
    const scope = tokenScope('aggregators', ctx.accountId, filter);
    let cursor = decodeNextToken(scope, q.NextToken);
    const out: Aggregator[] = [];
    let more = false;
    // The token resumes after the last group given, not the last one looked at: a group tagged
    // between the calls is still found.
    let lastGiven = cursor;
    // Tags filter after the indexed page query, so read pages until this one is full.
    read: for (;;) {
      const rows = ctx.store.aggregators.page(ctx.accountId, cursor, q.MaxResults);
      for (const { seq, aggregator } of rows) {
        if (!hasTags(ctx, aggregator.aggregatorId, filter)) {
          cursor = seq;
          continue;
        }
        if (out.length === q.MaxResults) {
          more = true;
          break read;
        }
        out.push(aggregator);
        cursor = lastGiven = seq;
      }
      if (rows.length < q.MaxResults) break;
    }
    return {
      AggregatorsResult: {
        Aggregators: out.map((a) => wireAggregatorSummary(ctx, a)),
        ...(more ? { NextToken: encodeNextToken(scope, lastGiven) } : {}),
      },
    };
  },
});

export const updateAggregator = defineAction({
  name: 'UpdateAggregator',
  params: {
    AggregatorAccounts: p.jsonArray({ invalid: Errors.aggregatorAccountsInvalid }),
    AggregatorId: p.string({ required: true }),
    AggregatorName: p.string({ maxLength: 128 }),
    ClientToken: clientTokenParam,
    Description: p.string({ maxLength: 1024 }),
    FolderId: p.string(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    const agg = writableAggregator(ctx, q.AggregatorId);
    if (status(ctx, agg) === 0) throw Errors.aggregatorAlreadyPending();
    let members: AggregatorMember[] | undefined;
    if (q.AggregatorAccounts !== undefined) {
      if (q.AggregatorAccounts.length === 0) throw Errors.aggregatorAccountsEmpty();
      members = parseMembers(q.AggregatorAccounts, true);
      if (members.length > LIMITS.membersPerAggregator) throw Errors.aggregatorAccountExceedMaxCount();
    }
    const tags = parseTags(q.Tag);
    // An empty AggregatorName leaves the name as it is (what the SDKs send for an unset field).
    const name = q.AggregatorName !== undefined && q.AggregatorName !== '' ? checkAggregatorName(q.AggregatorName) : agg.name;
    if (name !== agg.name) {
      const other = ctx.store.aggregators.byName(ctx.accountId, name);
      if (other && other.aggregatorId !== agg.aggregatorId) throw Errors.aggregatorNameDuplicated();
    }
    const folderId = q.FolderId ?? agg.folderId;
    if (agg.aggregatorType === 'FOLDER' && folderId === '') throw Errors.missingParameter('FolderId');
    ctx.store.aggregators.update({ aggregatorId: agg.aggregatorId, name, description: q.Description ?? agg.description, folderId });
    if (members) ctx.store.aggregators.setMembers(agg.aggregatorId, members);
    saveTags(ctx, agg.aggregatorId, TAG_RESOURCE_TYPES.aggregator, tags);
    return { AggregatorId: agg.aggregatorId };
  },
});

/** Splits a comma-joined id list (the contract of AggregatorIds, CompliancePackIds, ConfigRuleIds ...). */
export function commaList(raw: string): string[] {
  return [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

/** Removes an account group with everything that lives in it: packs, rules, reports and tags. */
export function purgeAggregator(ctx: ActionContext, agg: Aggregator): void {
  const { store } = ctx;
  for (const pack of store.packs.ofOwner(agg.accountId, agg.aggregatorId)) {
    store.reports.deleteScope(pack.compliancePackId);
    store.tags.removeAll(pack.compliancePackId);
    store.packs.delete(pack.compliancePackId);
  }
  for (const rule of store.rules.owned(agg.accountId, agg.aggregatorId)) {
    store.tags.removeAll(rule.configRuleId);
    store.rules.delete(rule.configRuleId);
  }
  store.reports.deleteScope(agg.aggregatorId);
  store.tags.removeAll(agg.aggregatorId);
  store.aggregators.setMembers(agg.aggregatorId, []);
  store.aggregators.delete(agg.aggregatorId);
}

export const deleteAggregators = defineAction({
  name: 'DeleteAggregators',
  params: { AggregatorIds: p.string({ required: true }), ClientToken: clientTokenParam },
  handler(ctx, q) {
    const ids = commaList(q.AggregatorIds);
    if (ids.length === 0) throw Errors.aggregatorIdsEmpty();
    const results = ids.map((id) => {
      try {
        purgeAggregator(ctx, writableAggregator(ctx, id));
        return { AggregatorId: id, Success: true, ErrorCode: '' };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return { AggregatorId: id, Success: false, ErrorCode: err.code };
      }
    });
    return { OperateAggregatorsResult: { OperateAggregators: results } };
  },
});

export default [createAggregator, getAggregator, listAggregators, updateAggregator, deleteAggregators];
