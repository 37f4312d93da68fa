/**
 * The report lifecycle: a report is CREATING from its generation until `readyAt`, then COMPLETE.
 * The state is computed from the clock, never from timers. The file is built at generation time.
 */
import { createHash } from 'node:crypto';
import type { Services } from '../actions/define.js';
import type { CompliancePack, Report, ReportKind } from '../store/index.js';
import { strToU8 } from 'fflate';
import { packReportZip, zipOne, type PackReportSnapshot } from './files.js';
import { packReportKey, reportStamp } from './links.js';

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

// ---- rules reports (GenerateAggregateConfigRulesReport) -----------------------------------------

/** One rule row of a rules report, compliance already resolved by the caller. */
export interface RulesReportRow {
  configRuleId: string;
  configRuleName: string;
  sourceIdentifier: string;
  riskLevel: number;
  state: string;
  complianceType: string;
  nonCompliantCount: number;
}
export interface RulesReportSnapshot {
  accountId: number;
  /** The account group the report covers ('' for a single account's rules). */
  aggregatorId: string;
  rows: RulesReportRow[];
}

/** report-format.md §2: ConfigRuleReports/{accountId}/rules/{accountId}-rules-report-{yyyyMMddHHmm}.zip (UTC+8). */
export function rulesReportKey(accountId: number, createdAt: number): string {
  return `ConfigRuleReports/${accountId}/rules/${accountId}-rules-report-${reportStamp(createdAt)}.zip`;
}

/** The ReportId of a rules report: `crp-` + 20 hex characters derived from its object key. */
export function rulesReportId(objectKey: string): string {
  return `crp-${createHash('sha1').update(objectKey).digest('hex').slice(0, 20)}`;
}

function csvLine(cells: unknown[]): string {
  return cells.map((v) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}

export function rulesReportCsv(s: RulesReportSnapshot, at: number): string {
  const lines = [
    csvLine(['AccountId', 'AggregatorId', 'ReportCreateTimestamp']),
    csvLine([s.accountId, s.aggregatorId, new Date(at).toISOString()]),
    '',
    csvLine(['ConfigRuleId', 'ConfigRuleName', 'SourceIdentifier', 'RiskLevel', 'ConfigRuleState', 'ComplianceType', 'NonCompliantResourceCount']),
    ...s.rows.map((r) => csvLine([r.configRuleId, r.configRuleName, r.sourceIdentifier, r.riskLevel, r.state, r.complianceType, r.nonCompliantCount])),
  ];
  return lines.join('\r\n') + '\r\n';
}

/**
 * Builds and stores a rules report created at `at`, ready after `delayMs`. Its scope is the
 * aggregator (or, for a single account, `rules:{accountId}`).
 */
export function createRulesReport(ctx: Pick<Services, 'store'>, s: RulesReportSnapshot, at: number, delayMs: number): Report {
  const objectKey = rulesReportKey(s.accountId, at);
  const baseName = objectKey.slice(objectKey.lastIndexOf('/') + 1).replace(/\.zip$/, '');
  const content = zipOne(`${baseName}.csv`, strToU8('\uFEFF' + rulesReportCsv(s, at)), at);
  const report: Report = {
    objectKey,
    scopeId: rulesReportScope(s.accountId, s.aggregatorId),
    kind: s.aggregatorId ? 'aggregate-rules' : 'rules',
    accountId: s.accountId,
    aggregatorId: s.aggregatorId,
    createdAt: at,
    readyAt: at + delayMs,
    contentType: 'application/zip',
    etag: createHash('md5').update(content).digest('hex').toUpperCase(),
  };
  ctx.store.reports.insert({ ...report, content });
  return report;
}

export function rulesReportScope(accountId: number, aggregatorId: string): string {
  return aggregatorId || `rules:${accountId}`;
}
