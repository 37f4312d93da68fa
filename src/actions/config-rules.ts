/** Config rules of a single account: Create, Update, Get, List, Delete, Active, Deactive. */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { defineAction } from './define.js';
import {
  createRequired, createRule, listParams, listRules, operateRules, ownRule, ruleParams, updateRule, wireRuleDetail,
} from './rule-shared.js';
import { tagParam } from './shared.js';

/** Single-account rules belong to no aggregator. */
const OWN = '';

export const createConfigRule = defineAction({
  name: 'CreateConfigRule',
  params: { ...ruleParams, ...createRequired },
  handler(ctx, q) {
    return { ConfigRuleId: createRule(ctx, OWN, q).configRuleId };
  },
});

export const updateConfigRule = defineAction({
  name: 'UpdateConfigRule',
  params: { ConfigRuleId: p.string({ required: true }), ...ruleParams },
  handler(ctx, q) {
    return { ConfigRuleId: updateRule(ctx, ownRule(ctx, OWN, q.ConfigRuleId), q).configRuleId };
  },
});

export const getConfigRule = defineAction({
  name: 'GetConfigRule',
  params: { ConfigRuleId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    return { ConfigRule: wireRuleDetail(ctx, ownRule(ctx, OWN, q.ConfigRuleId)) };
  },
});

export const listConfigRules = defineAction({
  name: 'ListConfigRules',
  params: listParams,
  handler(ctx, q) {
    return listRules(ctx, OWN, q);
  },
});

const batchParams = { CompliancePackId: p.string(), ConfigRuleIds: p.list() };

export const deleteConfigRules = defineAction({
  name: 'DeleteConfigRules',
  params: { ConfigRuleIds: p.list({ required: true }) },
  handler(ctx, q) {
    if (q.ConfigRuleIds.length === 0) throw Errors.missingParameter('ConfigRuleIds');
    return operateRules(ctx, OWN, 'delete', q);
  },
});

export const activeConfigRules = defineAction({
  name: 'ActiveConfigRules',
  params: batchParams,
  handler(ctx, q) {
    return operateRules(ctx, OWN, 'active', q);
  },
});

export const deactiveConfigRules = defineAction({
  name: 'DeactiveConfigRules',
  params: batchParams,
  handler(ctx, q) {
    return operateRules(ctx, OWN, 'deactive', q);
  },
});

export default [createConfigRule, updateConfigRule, getConfigRule, listConfigRules, deleteConfigRules, activeConfigRules, deactiveConfigRules];
