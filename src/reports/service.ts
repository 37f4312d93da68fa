/**
 * The report lifecycle: a report is CREATING from its generation until `readyAt`, then COMPLETE.
 * The state is computed from the clock, never from timers. The file is built at generation time.
 */
import { createHash } from 'node:crypto';
import type { Services } from '../actions/define.js';
import type { CompliancePack, Report, ReportKind } from '../store/index.js';
import { packReportZip, type PackReportSnapshot } from './files.js';
import { packReportKey } from './links.js';

export type ReportStatus = 'NONE' | 'CREATING' | 'COMPLETE';

export function reportStatus(report: Report | undefined, now: number): ReportStatus {
  if (!report) return 'NONE';
  return now >= report.readyAt ? 'COMPLETE' : 'CREATING';
}

/** What the report says about a pack at this instant. */
export function snapshotPack(ctx: Pick<Services, 'store'>, pack: CompliancePack, at: number): PackReportSnapshot {
  return {
    compliancePackId: pack.compliancePackId,
    compliancePackName: pack.name,
    aggregatorId: pack.aggregatorId,
    accountId: pack.accountId,
    riskLevel: pack.riskLevel,
    createdAt: at,
    rules: ctx.store.rules.byPack(pack.compliancePackId).map((r) => ({
      configRuleId: r.configRuleId,
      configRuleName: r.name,
      managedRuleIdentifier: r.sourceIdentifier,
      riskLevel: r.riskLevel,
      complianceType: r.state === 'ACTIVE' ? 'INSUFFICIENT_DATA' : 'NOT_APPLICABLE',
      nonCompliantCount: 0,
    })),
  };
}

/** Builds and stores a new pack report created at `at`, ready after `delayMs`. */
export function createPackReport(ctx: Pick<Services, 'store'>, pack: CompliancePack, at: number, delayMs: number): Report {
  const kind: ReportKind = pack.aggregatorId ? 'aggregate-pack' : 'pack';
  const objectKey = packReportKey(pack.accountId, pack.compliancePackId, at, 'zip');
  const baseName = objectKey.slice(objectKey.lastIndexOf('/') + 1).replace(/\.zip$/, '');
  const content = packReportZip(baseName, snapshotPack(ctx, pack, at));
  const report = {
    objectKey,
    scopeId: pack.compliancePackId,
    kind,
    accountId: pack.accountId,
    aggregatorId: pack.aggregatorId,
    createdAt: at,
    readyAt: at + delayMs,
    contentType: 'application/zip',
    etag: createHash('md5').update(content).digest('hex').toUpperCase(),
  };
  ctx.store.reports.insert({ ...report, content });
  return report;
}
