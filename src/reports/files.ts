/**
 * Report file contents (report-format.md §1-2): an Excel workbook with two sheets, the evaluation
 * overview (检测概览) and the non-compliant resources (不合规资源).
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
 * The workbook is written here as SpreadsheetML text (the parts exceljs wrote, minus its theme and
 * app properties: shared strings, one bold style, column widths, a frozen header row) and zipped
 * with fflate, every entry dated at the report time, so the same snapshot always gives the same
 * bytes (and ETag). Issue 8 asks for a 10 000-row report in under 2 s. Measured on that report:
 * exceljs's in-memory Workbook took 1.4-2.8 s (with the unzip + zip that pinned its entry dates,
 * which exceljs stamps with the wall clock), its streaming WorkbookWriter 1.1-1.4 s (same re-zip),
 * this writer 0.2-0.3 s, most of it deflate (docs/performance.md). test/report-files.test.ts proves
 * that exceljs reads the result back exactly like the workbook it built itself.
 */
import { createRequire } from 'node:module';
import type * as Fflate from 'fflate';
import { utc8 } from './links.js';

// fflate is loaded on first use: only report builds need it (~20 ms of start-up otherwise).
let fflateModule: typeof Fflate | undefined;
const zipSync: typeof Fflate.zipSync = (data, opts) => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof Fflate).zipSync(data, opts);

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
  const d = utc8(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** What fflate is given (a valid zip time in any zone); setZipEntryTimes writes the real one. */
const ZIP_PLACEHOLDER_TIME = new Date(2000, 0, 1);

/**
 * Dates every entry of a zip (fflate's output: no comment, no zip64) at `ms` in UTC+8, the stamp of
 * the report's own name. A zip time is wall-clock fields with no zone, and fflate writes the host
 * zone's fields of the Date it is given (a local time that a daylight-saving change skips cannot
 * even be given), so the fields are written here: the same report gives the same bytes anywhere.
 */
export function setZipEntryTimes(zip: Buffer, ms: number): Buffer {
  const d = utc8(ms);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const end = zip.length - 22;
  if (end < 0 || zip.readUInt32LE(end) !== 0x06054b50) throw new Error('not a zip without a comment');
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad zip central directory');
    zip.writeUInt16LE(time, at + 12);
    zip.writeUInt16LE(date, at + 14);
    const local = zip.readUInt32LE(at + 42);
    zip.writeUInt16LE(time, local + 10);
    zip.writeUInt16LE(date, local + 12);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return zip;
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

/** The overview sheet's rows: facts, an empty row, the rule table's header (bold), one row per rule. */
function overviewRows(s: PackReportSnapshot): { cells: Cell[]; bold?: boolean }[] {
  const facts: [string, string | number][] = [
    ...(s.compliancePackId
      ? ([['合规包名称 Compliance pack', s.compliancePackName], ['合规包ID Compliance pack ID', s.compliancePackId]] as [string, string][])
      : ([['报告 Report', '规则检测报告 Rules report'], ['范围 Scope', s.compliancePackName]] as [string, string][])),
    [s.aggregatorId ? '账号组ID Account group ID' : '账号ID Account ID', s.aggregatorId || String(s.accountId)],
    ['管理账号ID Owner account ID', String(s.accountId)],
    ['报告时间 Report time (UTC+8)', cstTime(s.createdAt)],
    // A pack's risk level; a rules report covers rules of every level (each has its own below).
    ...(s.compliancePackId ? ([['风险等级 Risk level', s.riskLevel]] as [string, number][]) : []),
    ['规则总数 Total rules', s.totals.rules],
    ['合规规则数 Compliant rules', s.totals.compliantRules],
    ['不合规规则数 Non-compliant rules', s.totals.nonCompliantRules],
    ['资源总数 Total resources', s.totals.resources],
    ['合规资源数 Compliant resources', s.totals.compliantResources],
    ['不合规资源数 Non-compliant resources', s.totals.nonCompliantResources],
  ];
  return [
    ...facts.map((cells) => ({ cells })),
    { cells: [] },
    { cells: [...RULE_COLUMNS], bold: true },
    ...s.rules.map((r) => ({ cells: [r.configRuleName, r.configRuleId, r.managedRuleIdentifier, r.riskLevel, r.complianceType, r.nonCompliantCount] })),
  ];
}

/**
 * Deflate level of the workbook's parts. The sheet XML is large and very regular: on 10 000 rows
 * (3.4 MB of XML) fflate takes about 95 ms at level 4 and 210 ms at level 6 for a file 1.3% larger
 * (349 vs 345 kB). fflate (pure JS) rather than node:zlib, whose output may change with the zlib
 * bundled in node, so the same snapshot keeps giving the same bytes (and ETag).
 */
const WORKBOOK_LEVEL = 4;

const OVERVIEW_WIDTHS = [36, 30, 40, 16, 20, 26];
const NON_COMPLIANT_WIDTHS = [20, 36, 26, 12, 28, 28, 26, 16, 60, 22];

/** Builds the workbook: an xlsx (a zip of SpreadsheetML parts), byte-stable for a snapshot. */
export function packReportWorkbook(s: PackReportSnapshot): Buffer {
  const strings = new SharedStrings();
  const overview = new SheetWriter(strings);
  for (const row of overviewRows(s)) overview.row(row.cells, row.bold);
  const sheet = new SheetWriter(strings);
  sheet.row([...NON_COMPLIANT_COLUMNS], true);
  // Account ids are written as text: 16 digits exceed Excel's 15 significant digits.
  for (const r of s.nonCompliant) {
    sheet.row([String(r.accountId), r.configRuleName, r.configRuleId, r.riskLevel, r.resourceId, r.resourceName, r.resourceType, r.regionId, r.reason, cstTime(r.evaluatedAt)]);
  }
  const parts: Record<string, string | Buffer> = {
    '[Content_Types].xml': CONTENT_TYPES,
    '_rels/.rels': ROOT_RELS,
    'docProps/core.xml': coreProperties(s.createdAt),
    'xl/workbook.xml': WORKBOOK,
    'xl/_rels/workbook.xml.rels': WORKBOOK_RELS,
    'xl/styles.xml': STYLES,
    'xl/sharedStrings.xml': strings.xml(),
    'xl/worksheets/sheet1.xml': overview.bytes(OVERVIEW_WIDTHS, false),
    'xl/worksheets/sheet2.xml': sheet.bytes(NON_COMPLIANT_WIDTHS, true),
  };
  const zip: Fflate.Zippable = {};
  for (const [name, part] of Object.entries(parts)) zip[name] = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  return setZipEntryTimes(toBuffer(zipSync(zip, { level: WORKBOOK_LEVEL, mtime: ZIP_PLACEHOLDER_TIME })), s.createdAt);
}

// ---- SpreadsheetML ----------------------------------------------------------------------------

type Cell = string | number;

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT_SHEET = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

const CONTENT_TYPES =
  `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  `<Override PartName="/xl/workbook.xml" ContentType="${CT_SHEET}.sheet.main+xml"/>` +
  `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT_SHEET}.worksheet+xml"/>` +
  `<Override PartName="/xl/worksheets/sheet2.xml" ContentType="${CT_SHEET}.worksheet+xml"/>` +
  `<Override PartName="/xl/styles.xml" ContentType="${CT_SHEET}.styles+xml"/>` +
  `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT_SHEET}.sharedStrings+xml"/>` +
  '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
  '</Types>';

const ROOT_RELS =
  `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
  `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
  `<Relationship Id="rId2" Type="${PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>` +
  '</Relationships>';

const WORKBOOK =
  `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>` +
  `<sheet name="${SHEETS.overview}" sheetId="1" r:id="rId1"/><sheet name="${SHEETS.nonCompliant}" sheetId="2" r:id="rId2"/>` +
  '</sheets></workbook>';

const WORKBOOK_RELS =
  `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
  `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${REL_NS}/worksheet" Target="worksheets/sheet2.xml"/>` +
  `<Relationship Id="rId3" Type="${REL_NS}/styles" Target="styles.xml"/>` +
  `<Relationship Id="rId4" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` +
  '</Relationships>';

/** Cell format 0: Calibri 11; cell format 1 (BOLD): bold, for the header rows. */
const STYLES =
  `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';
const BOLD = 1;

/** Dublin Core dates are W3CDTF, to the second, as Excel writes them. */
function coreProperties(ms: number): string {
  const at = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:creator>Cloud Config</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${at}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${at}</dcterms:modified></cp:coreProperties>`
  );
}

// Characters XML 1.0 cannot hold (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF) are
// dropped, and so is DEL, as exceljs dropped it; a literal `_xHHHH_` is escaped as `_x005F_xHHHH_`,
// or readers would decode it (ECMA-376 ST_Xstring).
const SPECIAL = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_/;
const SPECIAL_ALL = /[&<>]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|_x[0-9A-Fa-f]{4}_/g;
function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(SPECIAL_ALL, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c.length > 1) return `_x005F${c}`;
    return '';
  });
}

/** The workbook's shared string table: each distinct text once, cells refer to it by index. */
class SharedStrings {
  private readonly index = new Map<string, number>();
  private readonly items: string[] = [];
  private uses = 0;
  ref(text: string): number {
    this.uses++;
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.items.length;
      this.index.set(text, i);
      // Leading or trailing white space, or a line break, is kept only with xml:space="preserve".
      this.items.push(/^\s|\s$|\n/.test(text) ? `<si><t xml:space="preserve">${escapeText(text)}</t></si>` : `<si><t>${escapeText(text)}</t></si>`);
    }
    return i;
  }
  xml(): string {
    return `${XML_HEAD}<sst xmlns="${MAIN_NS}" count="${this.uses}" uniqueCount="${this.items.length}">${this.items.join('')}</sst>`;
  }
}

const COLUMN_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** UTF-8 bytes appended to a growing buffer: 10 000 rows stay out of the JS heap as strings. */
class ByteSink {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  write(text: string): void {
    const room = text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.length + room > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + room));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** One worksheet's rows, written as they come; `bytes()` wraps them with the sheet's frame. */
class SheetWriter {
  private readonly rows = new ByteSink();
  private rowCount = 0;
  private columns = 0;
  constructor(private readonly strings: SharedStrings) {}

  /** Appends the next row (an empty one is left out, as Excel does); bold rows use the BOLD style. */
  row(cells: readonly Cell[], bold = false): void {
    const r = ++this.rowCount;
    if (cells.length === 0) return;
    if (cells.length > this.columns) this.columns = cells.length;
    const style = bold ? ` s="${BOLD}"` : '';
    let xml = bold ? `<row r="${r}" s="${BOLD}" customFormat="1">` : `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      const ref = `${COLUMN_LETTERS[i]}${r}`;
      xml += typeof v === 'number' ? `<c r="${ref}"${style}><v>${v}</v></c>` : `<c r="${ref}"${style} t="s"><v>${this.strings.ref(v)}</v></c>`;
    }
    this.rows.write(`${xml}</row>`);
  }

  bytes(widths: number[], freezeHeader: boolean): Buffer {
    const last = `${COLUMN_LETTERS[Math.max(this.columns, 1) - 1]}${Math.max(this.rowCount, 1)}`;
    const view = freezeHeader
      ? '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
      : '';
    const cols = widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('');
    const head = `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><dimension ref="A1:${last}"/>${view}<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>`;
    const tail = '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';
    return Buffer.concat([Buffer.from(head, 'utf8'), this.rows.bytes(), Buffer.from(tail, 'utf8')]);
  }
}

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A zip holding one file; entries are dated with the report time. */
export function zipOne(entryName: string, content: Uint8Array, mtimeMs: number): Buffer {
  return setZipEntryTimes(toBuffer(zipSync({ [entryName]: content }, { level: 6, mtime: ZIP_PLACEHOLDER_TIME })), mtimeMs);
}

export type ReportPackaging = 'zip' | 'xls';

/** The final object bytes: the workbook zipped (account-group reports) or bare (single-account). */
export function packReportObject(baseName: string, packaging: ReportPackaging, s: PackReportSnapshot): { content: Buffer; contentType: string } {
  const workbook = packReportWorkbook(s);
  if (packaging === 'zip') return { content: zipOne(`${baseName}.xlsx`, workbook, s.createdAt), contentType: ZIP_CONTENT_TYPE };
  return { content: workbook, contentType: XLS_CONTENT_TYPE };
}
