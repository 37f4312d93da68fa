/**
 * Report file contents. A report is a snapshot taken at generation time; the bytes are stored with
 * the report, so later changes to the pack never alter a generated file.
 */
import { strToU8, zipSync } from 'fflate';

export interface ReportRuleRow {
  configRuleId: string;
  configRuleName: string;
  managedRuleIdentifier: string;
  riskLevel: number;
  complianceType: string;
  nonCompliantCount: number;
}
export interface PackReportSnapshot {
  compliancePackId: string;
  compliancePackName: string;
  aggregatorId: string;
  accountId: number;
  riskLevel: number;
  createdAt: number;
  rules: ReportRuleRow[];
}

function csvCell(v: unknown): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function csv(rows: unknown[][]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function packReportCsv(s: PackReportSnapshot): string {
  return csv([
    ['CompliancePackId', 'CompliancePackName', 'AggregatorId', 'AccountId', 'RiskLevel', 'ReportCreateTimestamp'],
    [s.compliancePackId, s.compliancePackName, s.aggregatorId, s.accountId, s.riskLevel, new Date(s.createdAt).toISOString()],
    [],
    ['ConfigRuleId', 'ConfigRuleName', 'ManagedRuleIdentifier', 'RiskLevel', 'ComplianceType', 'NonCompliantResourceCount'],
    ...s.rules.map((r) => [r.configRuleId, r.configRuleName, r.managedRuleIdentifier, r.riskLevel, r.complianceType, r.nonCompliantCount]),
  ]);
}

/** A zip holding one file named like the zip; entries are dated with the report time. */
export function zipOne(entryName: string, content: Uint8Array, mtimeMs: number): Buffer {
  const zipped = zipSync({ [entryName]: [content, { mtime: new Date(mtimeMs) }] }, { level: 6 });
  return Buffer.from(zipped.buffer, zipped.byteOffset, zipped.byteLength);
}

export function packReportZip(baseName: string, s: PackReportSnapshot): Buffer {
  return zipOne(`${baseName}.csv`, strToU8('\uFEFF' + packReportCsv(s)), s.createdAt);
}
