/**
 * Config rules of an account group: Create, Update, Get, List, Delete, Active, Deactive and
 * CopyConfigRules.
 */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import type { ConfigRule } from '../store/index.js';
import { defineAction } from './define.js';
import {
  aggregateScopeParams, checkOwnerCapacity, copyRule, createRequired, createRule, listRules, operateRules, ownRule, ruleIds, ruleParams,
  updateRule, wireRuleDetail, listParams,
} from './rule-shared.js';
import { checkAggregator, checkWritableAggregator, ownAggregator, tagParam } from './shared.js';

export const createAggregateConfigRule = defineAction({
  name: 'CreateAggregateConfigRule',
  params: { AggregatorId: p.string({ required: true }), ...ruleParams, ...aggregateScopeParams, ...createRequired },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return { ConfigRuleId: createRule(ctx, q.AggregatorId, q).configRuleId };
  },
});

export const updateAggregateConfigRule = defineAction({
  name: 'UpdateAggregateConfigRule',
  params: { AggregatorId: p.string({ required: true }), ConfigRuleId: p.string({ required: true }), ...ruleParams, ...aggregateScopeParams },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    const rule = ownRule(ctx, q.AggregatorId, q.ConfigRuleId);
    return { ConfigRuleId: updateRule(ctx, rule, q).configRuleId };
  },
});

export const getAggregateConfigRule = defineAction({
  name: 'GetAggregateConfigRule',
  params: { AggregatorId: p.string({ required: true }), ConfigRuleId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return { ConfigRule: wireRuleDetail(ctx, ownRule(ctx, q.AggregatorId, q.ConfigRuleId)) };
  },
});

export const listAggregateConfigRules = defineAction({
  name: 'ListAggregateConfigRules',
  params: { AggregatorId: p.string({ required: true }), ...listParams },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return listRules(ctx, q.AggregatorId, q);
  },
});

const batchParams = { AggregatorId: p.string({ required: true }), CompliancePackId: p.string(), ConfigRuleIds: p.list() };

export const deleteAggregateConfigRules = defineAction({
  name: 'DeleteAggregateConfigRules',
  params: { AggregatorId: p.string({ required: true }), ConfigRuleIds: p.list({ required: true }) },
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    if (q.ConfigRuleIds.length === 0) throw Errors.missingParameter('ConfigRuleIds');
    return operateRules(ctx, q.AggregatorId, 'delete', q);
  },
});

export const activeAggregateConfigRules = defineAction({
  name: 'ActiveAggregateConfigRules',
  params: batchParams,
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return operateRules(ctx, q.AggregatorId, 'active', q);
  },
});

export const deactiveAggregateConfigRules = defineAction({
  name: 'DeactiveAggregateConfigRules',
  params: batchParams,
  handler(ctx, q) {
    checkWritableAggregator(ctx, q.AggregatorId);
    return operateRules(ctx, q.AggregatorId, 'deactive', q);
  },
});

export const copyConfigRules = defineAction({
  name: 'CopyConfigRules',
  params: { DesAggregatorIds: p.list(), SrcAggregatorId: p.string(), SrcConfigRuleIds: p.list({ required: true }) },
  handler(ctx, q) {
    const src = q.SrcAggregatorId ?? '';
    if (src) ownAggregator(ctx, src);
    const ids = ruleIds(q.SrcConfigRuleIds);
    if (ids.length === 0) throw Errors.missingParameter('SrcConfigRuleIds');
    const rules: ConfigRule[] = ids.map((id) => ownRule(ctx, src, id));
    const destinations = q.DesAggregatorIds && q.DesAggregatorIds.length > 0 ? [...new Set(q.DesAggregatorIds)] : [src];
    for (const d of destinations) if (d) checkWritableAggregator(ctx, d);
    for (const d of destinations) {
      checkOwnerCapacity(ctx, d, rules.length);
      for (const r of rules) copyRule(ctx, r, d);
    }
    return { CopyRulesResult: true };
  },
});

export default [
  createAggregateConfigRule, updateAggregateConfigRule, getAggregateConfigRule, listAggregateConfigRules, deleteAggregateConfigRules,
  activeAggregateConfigRules, deactiveAggregateConfigRules, copyConfigRules,
];
