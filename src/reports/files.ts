/**
 * Report file contents (report-format.md §1-2): an Excel workbook with two sheets, the evaluation
 * overview (检测概览) and the non-compliant resources (不合规资源), written with exceljs.
 *
 * A report is a snapshot: `PackReportSnapshot` is taken from the evaluation results at generation
 * time (synchronously, inside the request's transaction) and the bytes are built from the snapshot
 * only, so later changes never alter a generated file.
 *
 * Packaging follows the reference examples:
 *   - account-group pack report: `…-report-yyyyMMddHHmm.zip` holding `…-report-yyyyMMddHHmm.xlsx`;
 *   - single-account pack report: a bare workbook under the reference's `.xls` key. The bytes are an
 *     OOXML (xlsx) workbook served as application/vnd.ms-excel: Excel, LibreOffice and every xlsx
 *     reader open it by content; only the legacy BIFF format would match the extension exactly, and
 *     no maintained writer produces it.
 *
 * exceljs stamps zip entries with the wall-clock time; the workbook is re-packed with fflate with
 * every entry dated at the report time, so the same snapshot always gives the same bytes (and ETag).
 */
import type ExcelJSModule from 'exceljs';
import { unzipSync, zipSync, type Zippable } from 'fflate';

export interface ReportRuleRow {
  configRuleId: string;
  configRuleName: string;
  managedRuleIdentifier: string;
  riskLevel: number;
  complianceType: string;
  nonCompliantCount: number;
}
export interface ReportNonCompliantRow {
  accountId: number;
  configRuleName: string;
  configRuleId: string;
  riskLevel: number;
  resourceId: string;
  resourceName: string;
  resourceType: string;
  regionId: string;
  annotation: string;
  reason: string;
  evaluatedAt: number;
}
export interface ReportTotals {
  rules: number;
  compliantRules: number;
  nonCompliantRules: number;
  resources: number;
  compliantResources: number;
  nonCompliantResources: number;
}
export interface PackReportSnapshot {
  /** '' for a rules report (all rules of an account group or account). */
  compliancePackId: string;
  compliancePackName: string;
  aggregatorId: string;
  accountId: number;
  riskLevel: number;
  createdAt: number;
  totals: ReportTotals;
  rules: ReportRuleRow[];
  nonCompliant: ReportNonCompliantRow[];
}

export const SHEETS = { overview: '检测概览', nonCompliant: '不合规资源' } as const;
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const XLS_CONTENT_TYPE = 'application/vnd.ms-excel';
export const ZIP_CONTENT_TYPE = 'application/zip';

export const RULE_COLUMNS = ['规则名称 Rule name', '规则ID Rule ID', '托管规则 Identifier', '风险等级 Risk level', '合规结果 Compliance', '不合规资源数 Non-compliant resources'] as const;
export const NON_COMPLIANT_COLUMNS = [
  '账号ID Account ID', '规则名称 Rule name', '规则ID Rule ID', '风险等级 Risk level', '资源ID Resource ID', '资源名称 Resource name',
  '资源类型 Resource type', '地域 Region', '不合规原因 Annotation', '最近检测时间 Last evaluation',
] as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** "yyyy-MM-dd HH:mm:ss" in UTC+8, as the console shows times. */
export function cstTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The annotation's `reason`, else a short "property operator desiredValue (actual: configuration)". */
export function annotationReason(annotation: string): string {
  if (!annotation) return '';
  try {
    const a = JSON.parse(annotation) as Record<string, string>;
    if (a.reason) return a.reason;
    return `${a.property} ${a.operator} ${a.desiredValue} (actual: ${a.configuration})`;
  } catch {
    return annotation;
  }
}

/** Builds the workbook (async: exceljs writes through a zip stream). */
export async function packReportWorkbook(s: PackReportSnapshot): Promise<Buffer> {
  // Loaded on first use: exceljs is large, and start-up should not pay for it.
  const ExcelJS = ((await import('exceljs')) as unknown as { default: typeof ExcelJSModule }).default;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Cloud Config';
  wb.created = new Date(s.createdAt);
  wb.modified = new Date(s.createdAt);

  const overview = wb.addWorksheet(SHEETS.overview);
  overview.columns = [{ width: 36 }, { width: 30 }, { width: 40 }, { width: 16 }, { width: 20 }, { width: 26 }];
  const facts: [string, string | number][] = [
    ...(s.compliancePackId
      ? ([['合规包名称 Compliance pack', s.compliancePackName], ['合规包ID Compliance pack ID', s.compliancePackId]] as [string, string][])
      : ([['报告 Report', '规则检测报告 Rules report'], ['范围 Scope', s.compliancePackName]] as [string, string][])),
    [s.aggregatorId ? '账号组ID Account group ID' : '账号ID Account ID', s.aggregatorId || String(s.accountId)],
    ['管理账号ID Owner account ID', String(s.accountId)],
    ['报告时间 Report time (UTC+8)', cstTime(s.createdAt)],
    ['风险等级 Risk level', s.riskLevel],
    ['规则总数 Total rules', s.totals.rules],
    ['合规规则数 Compliant rules', s.totals.compliantRules],
    ['不合规规则数 Non-compliant rules', s.totals.nonCompliantRules],
    ['资源总数 Total resources', s.totals.resources],
    ['合规资源数 Compliant resources', s.totals.compliantResources],
    ['不合规资源数 Non-compliant resources', s.totals.nonCompliantResources],
  ];
  for (const row of facts) overview.addRow(row);
  overview.addRow([]);
  overview.addRow([...RULE_COLUMNS]).font = { bold: true };
  for (const r of s.rules) overview.addRow([r.configRuleName, r.configRuleId, r.managedRuleIdentifier, r.riskLevel, r.complianceType, r.nonCompliantCount]);

  const sheet = wb.addWorksheet(SHEETS.nonCompliant);
  sheet.columns = [{ width: 20 }, { width: 36 }, { width: 26 }, { width: 12 }, { width: 28 }, { width: 28 }, { width: 26 }, { width: 16 }, { width: 60 }, { width: 22 }];
  sheet.addRow([...NON_COMPLIANT_COLUMNS]).font = { bold: true };
  // Account ids are written as text: 16 digits exceed Excel's 15 significant digits.
  for (const r of s.nonCompliant) {
    sheet.addRow([String(r.accountId), r.configRuleName, r.configRuleId, r.riskLevel, r.resourceId, r.resourceName, r.resourceType, r.regionId, r.reason, cstTime(r.evaluatedAt)]);
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];

  const raw = new Uint8Array(await wb.xlsx.writeBuffer());
  return repack(raw, s.createdAt);
}

/** Re-zips a zip with every entry dated `mtimeMs` (byte-stable output). */
function repack(zip: Uint8Array, mtimeMs: number): Buffer {
  const entries = unzipSync(zip);
  const out: Zippable = {};
  for (const name of Object.keys(entries)) out[name] = [entries[name], { mtime: new Date(mtimeMs) }];
  return toBuffer(zipSync(out, { level: 6 }));
}
const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A zip holding one file; entries are dated with the report time. */
export function zipOne(entryName: string, content: Uint8Array, mtimeMs: number): Buffer {
  return toBuffer(zipSync({ [entryName]: [content, { mtime: new Date(mtimeMs) }] }, { level: 6 }));
}

export type ReportPackaging = 'zip' | 'xls';

/** The final object bytes: the workbook zipped (account-group reports) or bare (single-account). */
export async function packReportObject(baseName: string, packaging: ReportPackaging, s: PackReportSnapshot): Promise<{ content: Buffer; contentType: string }> {
  const workbook = await packReportWorkbook(s);
  if (packaging === 'zip') return { content: zipOne(`${baseName}.xlsx`, workbook, s.createdAt), contentType: ZIP_CONTENT_TYPE };
  return { content: workbook, contentType: XLS_CONTENT_TYPE };
}
