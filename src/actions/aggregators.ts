/** Account groups (aggregators): CreateAggregator, GetAggregator, ListAggregators. */
import { ApiError, Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { AGGREGATOR_TYPES, type Aggregator, type AggregatorMember } from '../store/index.js';
import { defineAction, type ActionContext } from './define.js';
import {
  decodeNextToken, encodeNextToken, field, hasTags, newId, ownAggregator, parseTags, saveTags, TAG_RESOURCE_TYPES, wireTags,
} from './shared.js';

export const LIMITS = { aggregatorsPerAccount: 50, membersPerAggregator: 1000 } as const;

const tagParam = p.jsonArray({ invalid: () => new ApiError('Invalid.Tag.Value', 'The specified Tag is invalid.', 400) });

/** Validates AggregatorAccounts ([{AccountId, AccountName, AccountType}], either key case). */
export function parseMembers(raw: unknown[]): AggregatorMember[] {
  const seen = new Set<number>();
  return raw.map((item) => {
    if (!item || typeof item !== 'object') throw Errors.aggregatorAccountsInvalid();
    const id = field(item, 'AccountId');
    const accountId = typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,16}$/.test(id) ? Number(id) : NaN;
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw Errors.aggregatorAccountsInvalid();
    const type = field(item, 'AccountType') ?? 'ResourceDirectory';
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

const status = (ctx: ActionContext, a: Aggregator) => (ctx.now >= a.readyAt ? 1 : 0);

export const createAggregator = defineAction({
  name: 'CreateAggregator',
  params: {
    AggregatorAccounts: p.jsonArray({ invalid: Errors.aggregatorAccountsInvalid }),
    AggregatorName: p.string({ required: true, maxLength: 128 }),
    AggregatorType: p.string({ enum: AGGREGATOR_TYPES }),
    ClientToken: p.string({ maxLength: 64 }),
    Description: p.string({ maxLength: 1024 }),
    FolderId: p.string(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    const type = q.AggregatorType ?? 'CUSTOM';
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
      folderId: q.FolderId ?? '', createdAt: ctx.now, readyAt: ctx.now, members,
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
    return {
      Aggregator: {
        AccountId: a.accountId,
        AggregatorAccountCount: a.members.length,
        AggregatorAccounts: a.members.map((m) => ({
          AccountId: m.accountId,
          AccountName: m.accountName,
          AccountType: m.accountType,
          RecorderStatus: ctx.store.accounts.get(m.accountId)?.configEnabled === false ? 'REGISTRABLE' : 'REGISTERED',
        })),
        AggregatorCreateTimestamp: String(a.createdAt),
        AggregatorId: a.aggregatorId,
        AggregatorName: a.name,
        AggregatorStatus: status(ctx, a),
        AggregatorType: a.aggregatorType,
        Description: a.description,
        FolderId: a.folderId,
        Tags: wireTags(ctx, a.aggregatorId),
      },
    };
  },
});

export const listAggregators = defineAction({
  name: 'ListAggregators',
  params: {
    MaxResults: p.integer({ required: true, min: 1, max: 100 }),
    NextToken: p.string(),
    Tag: tagParam,
  },
  handler(ctx, q) {
    const filter = parseTags(q.Tag);
    const scope = `aggregators:${ctx.accountId}`;
    let cursor = decodeNextToken(scope, q.NextToken);
    const out: Aggregator[] = [];
    let more = false;
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
        cursor = seq;
      }
      if (rows.length < q.MaxResults) break;
    }
    return {
      AggregatorsResult: {
        Aggregators: out.map((a) => ({
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
        })),
        ...(more ? { NextToken: encodeNextToken(scope, cursor) } : {}),
      },
    };
  },
});

export default [createAggregator, getAggregator, listAggregators];
