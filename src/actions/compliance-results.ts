/**
 * Compliance results, read from the evaluation engine's stored results (src/engine/):
 *   - per pack: GetAggregateConfigRuleComplianceByPack, GetAggregateResourceComplianceByPack,
 *     GetAggregateAccountComplianceByPack, GetConfigRuleComplianceByPack, GetResourceComplianceByPack;
 *   - per rule and resource: ListAggregateConfigRuleEvaluationResults;
 *   - per risk level: GetAggregateConfigRuleSummaryByRiskLevel, GetConfigRuleSummaryByRiskLevel;
 *   - StartAggregateConfigRuleEvaluation (re-runs a rule or every rule of a pack at ctx.now).
 * Roll-up semantics live in engine/rollup.ts (report-format.md §5), shared with the report workbook.
 */
import { createHash } from 'node:crypto';
import { Errors, EvaluationErrors } from '../errors.js';
import { evaluatePack, evaluateRule } from '../engine/index.js';
import { accountCompliance, countTypes, packResources, packRules, summaryByRiskLevel, type Counts } from '../engine/rollup.js';
import { p } from '../protocol/params.js';
import { COMPLIANCE_TYPES, RESULT_KEY_KINDS, resultKey, type CompliancePack, type ConfigRule, type EvaluationResultView } from '../store/index.js';
import { defineAction, type ActionContext } from './define.js';
import { checkAggregator, checkWritableAggregator, decodeKeyToken, encodeNextToken, ownAggregator, ownPack, tokenScope } from './shared.js';

const countFields = (c: Counts) => ({
  CompliantCount: c.compliant,
  IgnoredCount: c.ignored,
  InsufficientDataCount: c.insufficientData,
  NonCompliantCount: c.nonCompliant,
  NotApplicableCount: c.notApplicable,
  TotalCount: c.total,
});

function ruleComplianceResult(ctx: ActionContext, pack: CompliancePack): Record<string, unknown> {
  const rows = packRules(ctx.store, pack);
  return {
    CompliancePackId: pack.compliancePackId,
    ConfigRuleCompliances: rows.map((r) => ({ ComplianceType: r.complianceType, ConfigRuleId: r.rule.configRuleId, ConfigRuleName: r.rule.name })),
    ...countFields(countTypes(rows.map((r) => r.complianceType))),
  };
}

function resourceComplianceResult(ctx: ActionContext, pack: CompliancePack): Record<string, unknown> {
  const resources = packResources(ctx.store.evaluations.byPack(pack.compliancePackId));
  return { CompliancePackId: pack.compliancePackId, ...countFields(countTypes(resources.map((r) => r.complianceType))) };
}

const packParams = { AggregatorId: p.string({ required: true }), CompliancePackId: p.string({ required: true }) };

export const getAggregateConfigRuleComplianceByPack = defineAction({
  name: 'GetAggregateConfigRuleComplianceByPack',
  params: packParams,
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return { ConfigRuleComplianceResult: ruleComplianceResult(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId)) };
  },
});

export const getAggregateResourceComplianceByPack = defineAction({
  name: 'GetAggregateResourceComplianceByPack',
  params: packParams,
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return { ResourceComplianceResult: resourceComplianceResult(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId)) };
  },
});

export const getAggregateAccountComplianceByPack = defineAction({
  name: 'GetAggregateAccountComplianceByPack',
  params: packParams,
  handler(ctx, q) {
    const agg = ownAggregator(ctx, q.AggregatorId);
    const pack = ownPack(ctx, q.AggregatorId, q.CompliancePackId);
    const byAccount = accountCompliance(ctx.store.evaluations.byPack(pack.compliancePackId), agg.members.map((m) => m.accountId));
    const compliances = agg.members.map((m) => ({
      AccountId: m.accountId,
      AccountName: m.accountName || ctx.store.accounts.get(m.accountId)?.accountName || '',
      ComplianceType: byAccount.get(m.accountId) ?? 'INSUFFICIENT_DATA',
    }));
    return {
      AccountComplianceResult: {
        AccountCompliances: compliances,
        CompliancePackId: pack.compliancePackId,
        NonCompliantCount: compliances.filter((c) => c.ComplianceType === 'NON_COMPLIANT').length,
        TotalCount: compliances.length,
      },
    };
  },
});

export const getConfigRuleComplianceByPack = defineAction({
  name: 'GetConfigRuleComplianceByPack',
  params: { CompliancePackId: p.string({ required: true }) },
  handler(ctx, q) {
    return { ConfigRuleComplianceResult: ruleComplianceResult(ctx, ownPack(ctx, '', q.CompliancePackId)) };
  },
});

export const getResourceComplianceByPack = defineAction({
  name: 'GetResourceComplianceByPack',
  params: { CompliancePackId: p.string({ required: true }) },
  handler(ctx, q) {
    return { ResourceComplianceResult: resourceComplianceResult(ctx, ownPack(ctx, '', q.CompliancePackId)) };
  },
});

// ---- evaluation results -------------------------------------------------------------------------

const RESULT_COMPLIANCE_TYPES = [...COMPLIANCE_TYPES, 'IGNORED'] as const;
const commaList = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** A stable id per (rule, resource, evaluation time), shaped like the real EvaluationId. */
function evaluationId(r: EvaluationResultView): string {
  const h = createHash('sha1').update(`${r.configRuleId}|${r.accountId}|${r.resourceType}|${r.resourceId}|${r.evaluatedAt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function wireEvaluationResult(r: EvaluationResultView): Record<string, unknown> {
  return {
    Annotation: r.annotation,
    ComplianceType: r.complianceType,
    ConfigRuleInvokedTimestamp: r.evaluatedAt,
    EvaluationId: evaluationId(r),
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        CompliancePackId: r.compliancePackId,
        ConfigRuleArn: `acs:config::${r.ruleAccountId}:rule/${r.configRuleId}`,
        ConfigRuleId: r.configRuleId,
        ConfigRuleName: r.configRuleName,
        RegionId: r.regionId,
        ResourceGroupId: r.resourceGroupId,
        ResourceId: r.resourceId,
        ResourceName: r.resourceName,
        ResourceOwnerId: r.accountId,
        ResourceType: r.resourceType,
      },
      OrderingTimestamp: r.evaluatedAt,
    },
    InvokingEventMessageType: r.invokingEventMessageType,
    // History across runs (carried over by evaluateRule): each is left out until it has happened once.
    ...(r.lastNonCompliantAt ? { LastNonCompliantRecordTimestamp: r.lastNonCompliantAt } : {}),
    RemediationEnabled: false,
    ResultRecordedTimestamp: r.evaluatedAt,
    RiskLevel: r.riskLevel,
    ...(r.lastFixedAt ? { LastCompliantFixedTimestamp: r.lastFixedAt } : {}), // after RiskLevel, as in the reference example
  };
}

export const listAggregateConfigRuleEvaluationResults = defineAction({
  name: 'ListAggregateConfigRuleEvaluationResults',
  params: {
    AggregatorId: p.string({ required: true }),
    CompliancePackId: p.string(),
    ComplianceType: p.string({ enum: RESULT_COMPLIANCE_TYPES }),
    ConfigRuleId: p.string(),
    MaxResults: p.integer({ min: 1, max: 100 }),
    NextToken: p.string(), // it holds the last result's key, resource id included: no tighter limit
    Regions: p.string(),
    ResourceAccountId: p.long(),
    ResourceGroupIds: p.string(),
    ResourceOwnerId: p.long(),
    ResourceTypes: p.string(),
  },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    if (q.CompliancePackId !== undefined && q.CompliancePackId !== '') ownPack(ctx, q.AggregatorId, q.CompliancePackId);
    const maxResults = q.MaxResults ?? 10;
    const filter = {
      accountId: ctx.accountId,
      aggregatorId: q.AggregatorId,
      compliancePackId: q.CompliancePackId || undefined,
      configRuleId: q.ConfigRuleId || undefined,
      complianceType: q.ComplianceType,
      regions: commaList(q.Regions),
      resourceTypes: commaList(q.ResourceTypes),
      resourceGroupIds: commaList(q.ResourceGroupIds),
      resourceAccountId: q.ResourceAccountId ?? q.ResourceOwnerId,
    };
    // The token is bound to the list and its filters, so it cannot page through another list, and
    // resumes after the last result given (not at a position, which shifts when results change).
    const scope = tokenScope('eval', ctx.accountId, filter);
    const after = decodeKeyToken(scope, q.NextToken, RESULT_KEY_KINDS);
    const rows = ctx.store.evaluations.search(filter, maxResults + 1, after);
    const items = rows.slice(0, maxResults);
    return {
      EvaluationResults: {
        EvaluationResultList: items.map(wireEvaluationResult),
        MaxResults: maxResults,
        ...(rows.length > maxResults ? { NextToken: encodeNextToken(scope, resultKey(items[items.length - 1])) } : {}),
      },
    };
  },
});

// ---- summaries ------------------------------------------------------------------------------------

const wireSummaries = (ctx: ActionContext, rules: ConfigRule[]) => ({
  ConfigRuleSummaries: summaryByRiskLevel(ctx.store, rules).map((s) => ({ CompliantCount: s.compliant, NonCompliantCount: s.nonCompliant, RiskLevel: s.riskLevel })),
});

/** Every rule of an owner ('' = single-account rules). */
export function allRules(ctx: ActionContext, aggregatorId: string): ConfigRule[] {
  return ctx.store.rules.owned(ctx.accountId, aggregatorId);
}

export const getAggregateConfigRuleSummaryByRiskLevel = defineAction({
  name: 'GetAggregateConfigRuleSummaryByRiskLevel',
  params: { AggregatorId: p.string({ required: true }) },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return wireSummaries(ctx, allRules(ctx, q.AggregatorId));
  },
});

export const getConfigRuleSummaryByRiskLevel = defineAction({
  name: 'GetConfigRuleSummaryByRiskLevel',
  params: {},
  handler(ctx) {
    return wireSummaries(ctx, allRules(ctx, ''));
  },
});

// ---- evaluation on demand -------------------------------------------------------------------------

export const startAggregateConfigRuleEvaluation = defineAction({
  name: 'StartAggregateConfigRuleEvaluation',
  params: {
    AggregatorId: p.string({ required: true }),
    CompliancePackId: p.string(),
    ConfigRuleId: p.string(),
    RevertEvaluation: p.boolean(),
  },
  handler(ctx, q) {
    // It changes results, like a write: a member account of the group gets AggregatorMemberNoPermission (reference).
    checkWritableAggregator(ctx, q.AggregatorId);
    if (!q.ConfigRuleId && !q.CompliancePackId) throw Errors.missingParameter('ConfigRuleId');
    let runs;
    if (q.ConfigRuleId) {
      const rule = ctx.store.rules.get(q.ConfigRuleId);
      if (!rule || rule.accountId !== ctx.accountId || rule.aggregatorId !== q.AggregatorId) throw EvaluationErrors.configRuleNotExists();
      if (q.CompliancePackId && rule.compliancePackId !== q.CompliancePackId) {
        ownPack(ctx, q.AggregatorId, q.CompliancePackId);
        throw EvaluationErrors.configRuleNotExists();
      }
      runs = [evaluateRule(ctx, rule, ctx.now)];
    } else {
      runs = evaluatePack(ctx, ownPack(ctx, q.AggregatorId, q.CompliancePackId!), ctx.now);
    }
    return { Result: runs.some((r) => r.evaluated) };
  },
});

export default [
  getAggregateConfigRuleComplianceByPack,
  getAggregateResourceComplianceByPack,
  getAggregateAccountComplianceByPack,
  getConfigRuleComplianceByPack,
  getResourceComplianceByPack,
  listAggregateConfigRuleEvaluationResults,
  getAggregateConfigRuleSummaryByRiskLevel,
  getConfigRuleSummaryByRiskLevel,
  startAggregateConfigRuleEvaluation,
];
