/**
 * Compliance packs of the caller's own account: Create, Get, List, Update, DeleteCompliancePacks,
 * Generate/GetCompliancePackReport, Attach/DetachConfigRuleToCompliancePack.
 *
 * Single-account packs live in the same tables as account-group packs, with aggregator id ''; the
 * operations are the shared ones of aggregate-compliance-packs.ts with that owner.
 */
import { p } from '../protocol/params.js';
import {
  attachRules, createPack, deletePacks, detachRules, listPacks, PACK_STATUSES, packCreateParams, packUpdateParams, updatePack, wirePack,
} from './aggregate-compliance-packs.js';
import { generateReport, packReportAnswer } from './aggregate-pack-reports.js';
import { defineAction } from './define.js';
import { checkPack, clientTokenParam, ownPack, TAG_RESOURCE_TYPES, tagParam } from './shared.js';

/** The owner id of single-account resources. */
const SINGLE = '';


export const createCompliancePack = defineAction({
  name: 'CreateCompliancePack',
  params: packCreateParams,
  handler(ctx, q) {
    const pack = createPack(ctx, SINGLE, q, TAG_RESOURCE_TYPES.pack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

export const getCompliancePack = defineAction({
  name: 'GetCompliancePack',
  params: { CompliancePackId: p.string({ required: true }), Tag: tagParam },
  handler(ctx, q) {
    return { CompliancePack: wirePack(ctx, ownPack(ctx, SINGLE, q.CompliancePackId)) };
  },
});

export const listCompliancePacks = defineAction({
  name: 'ListCompliancePacks',
  params: {
    PageNumber: p.integer(),
    PageSize: p.integer(),
    Status: p.string({ enum: PACK_STATUSES }),
    Tag: tagParam,
    RiskLevel: p.integer(),
  },
  handler(ctx, q) {
    return listPacks(ctx, SINGLE, q);
  },
});

export const updateCompliancePack = defineAction({
  name: 'UpdateCompliancePack',
  params: packUpdateParams,
  handler(ctx, q) {
    const pack = ownPack(ctx, SINGLE, q.CompliancePackId);
    updatePack(ctx, pack, q, TAG_RESOURCE_TYPES.pack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

export const deleteCompliancePacks = defineAction({
  name: 'DeleteCompliancePacks',
  params: { ClientToken: clientTokenParam, CompliancePackIds: p.string({ required: true }), DeleteRule: p.boolean() },
  handler(ctx, q) {
    return deletePacks(ctx, SINGLE, q.CompliancePackIds, q.DeleteRule === true);
  },
});

export const generateCompliancePackReport = defineAction({
  name: 'GenerateCompliancePackReport',
  params: { ClientToken: clientTokenParam, CompliancePackId: p.string({ required: true }) },
  handler(ctx, q) {
    const pack = ownPack(ctx, SINGLE, q.CompliancePackId);
    generateReport(ctx, pack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

export const getCompliancePackReport = defineAction({
  name: 'GetCompliancePackReport',
  params: { CompliancePackId: p.string({ required: true }) },
  handler(ctx, q) {
    checkPack(ctx, SINGLE, q.CompliancePackId);
    return packReportAnswer(ctx, q.CompliancePackId);
  },
});

const ruleParams = { CompliancePackId: p.string({ required: true }), ConfigRuleIds: p.string({ required: true }) };

export const attachConfigRuleToCompliancePack = defineAction({
  name: 'AttachConfigRuleToCompliancePack',
  params: ruleParams,
  handler(ctx, q) {
    return attachRules(ctx, ownPack(ctx, SINGLE, q.CompliancePackId), q.ConfigRuleIds);
  },
});

export const detachConfigRuleToCompliancePack = defineAction({
  name: 'DetachConfigRuleToCompliancePack',
  params: ruleParams,
  handler(ctx, q) {
    return detachRules(ctx, ownPack(ctx, SINGLE, q.CompliancePackId), q.ConfigRuleIds);
  },
});

export default [
  createCompliancePack,
  getCompliancePack,
  listCompliancePacks,
  updateCompliancePack,
  deleteCompliancePacks,
  generateCompliancePackReport,
  getCompliancePackReport,
  attachConfigRuleToCompliancePack,
  detachConfigRuleToCompliancePack,
];
