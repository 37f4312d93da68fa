/** Compliance-pack reports of an account group: Generate and Get. */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { signedReportUrl } from '../reports/links.js';
import { createPackReport, reportStatus } from '../reports/service.js';
import type { CompliancePack } from '../store/index.js';
import { defineAction, type ActionContext } from './define.js';
import { checkAggregator, checkPack, ownPack } from './shared.js';

/** Generate for any pack: refuses while the previous report is still being built. */
export function generateReport(ctx: ActionContext, pack: CompliancePack): void {
  const latest = ctx.store.reports.latest(pack.compliancePackId);
  if (reportStatus(latest, ctx.now) === 'CREATING') throw Errors.compliancePackReportCreating();
  createPackReport(ctx, pack, ctx.now, ctx.reportDelayMs);
}

/** The CompliancePackReport object of Get(Aggregate)CompliancePackReport. */
export function wirePackReport(ctx: ActionContext, compliancePackId: string, accountId: number): Record<string, unknown> {
  const report = ctx.store.reports.latest(compliancePackId);
  const status = reportStatus(report, ctx.now);
  return {
    CompliancePackId: compliancePackId,
    AccountId: accountId,
    ReportUrl: status === 'COMPLETE' ? signedReportUrl(ctx.baseUrl, report!.objectKey, ctx.now, ctx.config.reportLinkTtlSeconds) : '',
    ReportStatus: status,
    ...(report ? { ReportCreateTimestamp: report.createdAt } : {}),
  };
}

export const generateAggregateCompliancePackReport = defineAction({
  name: 'GenerateAggregateCompliancePackReport',
  params: {
    AggregatorId: p.string({ required: true }),
    ClientToken: p.string({ maxLength: 64 }),
    CompliancePackId: p.string({ required: true }),
    MultiFiles: p.boolean(),
  },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    const pack = ownPack(ctx, q.AggregatorId, q.CompliancePackId);
    generateReport(ctx, pack);
    return { CompliancePackId: pack.compliancePackId };
  },
});

export const getAggregateCompliancePackReport = defineAction({
  name: 'GetAggregateCompliancePackReport',
  params: { AggregatorId: p.string({ required: true }), CompliancePackId: p.string({ required: true }) },
  handler(ctx, q) {
    checkAggregator(ctx, q.AggregatorId);
    checkPack(ctx, q.AggregatorId, q.CompliancePackId);
    return { CompliancePackReport: wirePackReport(ctx, q.CompliancePackId, ctx.accountId) };
  },
});

export default [generateAggregateCompliancePackReport, getAggregateCompliancePackReport];
