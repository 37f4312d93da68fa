/** Compliance-pack reports of an account group: Generate and Get. */
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { KeptResults, reusableResult } from '../reusable.js';
import { createPackReport, reportStatus, type ReportStatus } from '../reports/service.js';
import type { CompliancePack, Report } from '../store/index.js';
import { defineAction, type ActionContext, type Result } from './define.js';
import { checkAggregator, checkPack, clientTokenParam, ownPack, reportUrl } from './shared.js';

/** Generate for any pack: refuses while the previous report is still being built. */
export function generateReport(ctx: ActionContext, pack: CompliancePack): void {
  const latest = ctx.store.reports.latest(pack.compliancePackId);
  if (reportStatus(latest, ctx.now) === 'CREATING') throw Errors.compliancePackReportCreating();
  createPackReport(ctx, pack, ctx.now, ctx.reportDelayMs);
}

/** The CompliancePackReport object of Get(Aggregate)CompliancePackReport. */
function wireOf(compliancePackId: string, accountId: number, report: Report | undefined, status: ReportStatus, url: string): Record<string, unknown> {
  return {
    CompliancePackId: compliancePackId,
    AccountId: accountId,
    ReportUrl: url,
    ReportStatus: status,
    ...(report ? { ReportCreateTimestamp: report.createdAt } : {}),
  };
}

/**
 * The whole answer of Get(Aggregate)CompliancePackReport. A client polling a report gets the same
 * answer again and again, so the last answer per pack is kept and handed out again while every
 * field it would have is the same (account, link, status, creation time): equal fields, equal
 * bytes. The answer is frozen to the bottom (reusableResult) and the serializer renders it once.
 */
/** Pack id -> its last answer, per store. */
const keptAnswers = new KeptResults<Result>(1000);

export function packReportAnswer(ctx: ActionContext, compliancePackId: string): Result {
  const report = ctx.store.reports.latest(compliancePackId);
  const status = reportStatus(report, ctx.now);
  const url = reportUrl(ctx, report, status);
  const kept = keptAnswers.get(ctx.store, compliancePackId);
  const k = kept?.CompliancePackReport as Record<string, unknown> | undefined;
  if (k && k.AccountId === ctx.accountId && k.ReportUrl === url && k.ReportStatus === status && k.ReportCreateTimestamp === report?.createdAt) return kept!;
  const result = reusableResult({ CompliancePackReport: wireOf(compliancePackId, ctx.accountId, report, status, url) });
  keptAnswers.set(ctx.store, compliancePackId, result);
  return result;
}

export const generateAggregateCompliancePackReport = defineAction({
  name: 'GenerateAggregateCompliancePackReport',
  params: {
    AggregatorId: p.string({ required: true }),
    ClientToken: clientTokenParam,
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
    return packReportAnswer(ctx, q.CompliancePackId);
  },
});

export default [generateAggregateCompliancePackReport, getAggregateCompliancePackReport];
