/** Rules reports of an account group: GenerateAggregateConfigRulesReport, GetAggregateConfigRulesReport. */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { createRulesReport, reportStatus, rulesReportId, rulesReportScope } from '../reports/service.js';
import { defineAction, type ActionContext } from './define.js';
import { checkAggregator, clientTokenParam, reportUrl } from './shared.js';

/** Snapshots the owner's rules (all, or the given ids that exist) into a new report. */
export function generateRulesReport(ctx: ActionContext, aggregatorId: string, ids: string[]): string {
  const owner = { accountId: ctx.accountId, aggregatorId };
  if (reportStatus(ctx.store.reports.latest(rulesReportScope(owner)), ctx.now) === 'CREATING') throw Errors.configRuleReportCreating();
  const report = createRulesReport(ctx, owner, ctx.now, ctx.reportDelayMs, ids);
  return rulesReportId(report.objectKey);
}

/** The ConfigRulesReport object: the newest report, or NONE (also for a ReportId that is not the newest). */
export function wireRulesReport(ctx: ActionContext, aggregatorId: string, reportId: string | undefined): Record<string, unknown> {
  let report = ctx.store.reports.latest(rulesReportScope({ accountId: ctx.accountId, aggregatorId }));
  if (report && reportId && rulesReportId(report.objectKey) !== reportId) report = undefined;
  const status = reportStatus(report, ctx.now);
  return {
    AccountId: ctx.accountId,
    AggregatorId: aggregatorId,
    ...(report ? { ReportCreateTimestamp: report.createdAt } : {}),
    ReportId: report ? rulesReportId(report.objectKey) : (reportId ?? ''),
    ReportStatus: status,
    ReportUrl: reportUrl(ctx, report, status),
  };
}

export const generateAggregateConfigRulesReport = defineAction({
  name: 'GenerateAggregateConfigRulesReport',
  params: { AggregatorId: p.string({ required: true }), ClientToken: clientTokenParam, ConfigRuleIds: p.list() },
  handler(ctx, q) {
    // The reference lists no AggregatorMemberNoPermission here (as for GenerateAggregateCompliancePackReport):
    // a member account gets the not-found answer.
    checkAggregator(ctx, q.AggregatorId);
    const reportId = generateRulesReport(ctx, q.AggregatorId, [...new Set(q.ConfigRuleIds ?? [])]);
    return { AggregatorId: q.AggregatorId, ReportId: reportId };
  },
});

export const getAggregateConfigRulesReport = defineAction({
  name: 'GetAggregateConfigRulesReport',
  params: { AggregatorId: p.string({ required: true }), ReportId: p.string() },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    return { ConfigRulesReport: wireRulesReport(ctx, q.AggregatorId, q.ReportId) };
  },
});

export default [generateAggregateConfigRulesReport, getAggregateConfigRulesReport];
