/**
 * Report files: an Excel workbook (two sheets) zipped for account-group packs and bare (.xls key) for
 * single-account packs; a snapshot taken at generation time; bytes built off the request path but
 * never served half-built; byte-stable for the same snapshot.
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import t from 'tap';
import { cstTime, NON_COMPLIANT_COLUMNS, packReportWorkbook, RULE_COLUMNS, SHEETS, zipOne, type PackReportSnapshot } from '../src/reports/files.js';
import { signedReportUrl } from '../src/reports/links.js';
import { createPackReport, createRulesReport, ensureReportFile, isPending, snapshotPack, snapshotRules } from '../src/reports/service.js';
import { packResources } from '../src/engine/rollup.js';
import { evaluatePack } from '../src/engine/index.js';
import { call, DEMO, NOW, testApp, type TestEmulator } from './helpers.js';

const PACK = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };

async function fetchUrl(em: TestEmulator, url: string, method: 'GET' | 'HEAD' = 'GET') {
  const u = new URL(url);
  return em.app.inject({ method, url: u.pathname + u.search });
}
async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return wb;
}
function nonCompliantIds(wb: ExcelJS.Workbook): string[] {
  const ids: string[] = [];
  wb.getWorksheet(SHEETS.nonCompliant)!.eachRow((row, n) => {
    if (n > 1) ids.push(String(row.getCell(5).value));
  });
  return ids.sort();
}

t.test('the demo report of the fixtures is a zip holding one workbook named like it', async (t) => {
  const em = await testApp(t);
  const report = (await call(em, 'GetAggregateCompliancePackReport', PACK)).json.CompliancePackReport;
  t.equal(report.ReportStatus, 'COMPLETE');
  t.equal(report.ReportCreateTimestamp, DEMO.reportCreatedAt);
  t.match(report.ReportUrl, /\/CompliancePackReports\/1009318965421234\/cp-fdc8626622af00f9a1b2\/1009318965421234-cp-fdc8626622af00f9a1b2-report-202106221050\.zip\?Expires=\d+&OSSAccessKeyId=/);
  const res = await fetchUrl(em, report.ReportUrl);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/zip');
  t.equal(res.headers['content-disposition'], 'attachment; filename="1009318965421234-cp-fdc8626622af00f9a1b2-report-202106221050.zip"');
  const files = unzipSync(new Uint8Array(res.rawPayload));
  t.same(Object.keys(files), ['1009318965421234-cp-fdc8626622af00f9a1b2-report-202106221050.xlsx']);
  const wb = await load(Object.values(files)[0]);
  t.same(wb.worksheets.map((w) => w.name), ['检测概览', '不合规资源']);
  t.equal(wb.getWorksheet(SHEETS.overview)!.getCell('B1').value, 'Demo security baseline');
  t.equal(wb.getWorksheet(SHEETS.overview)!.getCell('B5').value, '2021-06-22 10:50:46', 'report time in UTC+8');
  t.ok(nonCompliantIds(wb).length > 10, 'the demo has non-compliant resources');
  t.equal(wb.getWorksheet(SHEETS.nonCompliant)!.getCell('A2').type, ExcelJS.ValueType.String, 'account ids are text (16 digits)');
  const times: string[] = [];
  wb.getWorksheet(SHEETS.nonCompliant)!.eachRow((row, n) => {
    if (n > 1) times.push(String(row.getCell(10).value));
  });
  t.ok(times.length > 10 && times.every((time) => time <= '2021-06-22 10:50:46'), 'no evaluation after the report time (the fixtures load evaluates at the clock, later)');
});

t.test('a report is a snapshot: later changes do not alter it', async (t) => {
  const em = await testApp(t);
  t.equal((await call(em, 'GenerateAggregateCompliancePackReport', PACK)).status, 200);
  const first = em.services.store.reports.latest(DEMO.compliancePackId)!;
  // Fix every public bucket and evaluate again before the first report is even downloaded.
  const { store } = em.services;
  for (const a of [DEMO.managementAccountId, DEMO.aliceAccountId, DEMO.tomAccountId]) {
    for (const b of store.resources.byAccountAndType(a, 'ACS::OSS::Bucket')) store.resources.upsert({ ...b, configuration: { ...b.configuration, AccessControlList: { Grant: 'private' } } });
  }
  t.equal((await call(em, 'StartAggregateConfigRuleEvaluation', PACK)).json.Result, true);
  em.clock.advance(60_000);
  const oldUrl = signedReportUrl('http://x', first.objectKey, em.clock.now(), 3600);
  const oldBook = await load(Object.values(unzipSync(new Uint8Array((await fetchUrl(em, oldUrl)).rawPayload)))[0]);
  t.ok(nonCompliantIds(oldBook).includes('tom-share'), 'the old report still lists the public bucket');

  t.equal((await call(em, 'GenerateAggregateCompliancePackReport', PACK)).status, 200);
  em.clock.advance(1000);
  const report = (await call(em, 'GetAggregateCompliancePackReport', PACK)).json.CompliancePackReport;
  const newBook = await load(Object.values(unzipSync(new Uint8Array((await fetchUrl(em, report.ReportUrl)).rawPayload)))[0]);
  t.notOk(nonCompliantIds(newBook).includes('tom-share'), 'the new report does not');
  t.equal(nonCompliantIds(oldBook).length - nonCompliantIds(newBook).length, 3, 'three buckets fewer');
});

t.test('bytes are built off the request path, and never served half-built', async (t) => {
  const em = await testApp(t, { config: { reportDelayMs: 0 } });
  const { store } = em.services;
  const pack = store.packs.get(DEMO.compliancePackId)!;
  const report = store.transaction(() => createPackReport(em.services, pack, NOW + 120_000, 0));
  t.ok(isPending(store.reports.file(report.objectKey)!), 'right after generation the row holds the snapshot, not bytes');
  em.clock.set(NOW + 120_000);
  const url = signedReportUrl('http://x', report.objectKey, em.clock.now(), 3600);
  const head = await fetchUrl(em, url, 'HEAD');
  t.equal(head.statusCode, 200, 'a download awaits the build');
  const file = store.reports.file(report.objectKey)!;
  t.notOk(isPending(file));
  t.equal(head.headers['content-length'], String(file.content.length));
  t.equal(head.headers.etag, `"${createHash('md5').update(file.content).digest('hex').toUpperCase()}"`);
  const again = await ensureReportFile(store, report.objectKey);
  t.ok(again!.content.equals(file.content), 'built once');

  // The background build also completes on its own.
  const later = store.transaction(() => createPackReport(em.services, pack, NOW + 240_000, 0));
  for (let i = 0; i < 200 && isPending(store.reports.file(later.objectKey)!); i++) await new Promise((r) => setTimeout(r, 10));
  t.notOk(isPending(store.reports.file(later.objectKey)!), 'built in the background');
});

t.test('a report still CREATING is not downloadable', async (t) => {
  const em = await testApp(t);
  await call(em, 'GenerateAggregateCompliancePackReport', PACK);
  const latest = em.services.store.reports.latest(DEMO.compliancePackId)!;
  const res = await fetchUrl(em, signedReportUrl('http://x', latest.objectKey, em.clock.now(), 3600));
  t.equal(res.statusCode, 404);
  t.match(res.body, /<Code>NoSuchKey<\/Code>/);
});

t.test('single-account pack reports are a bare workbook under an .xls key', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  const id = 'cp-51a91e0000000000b1b2';
  const report = store.transaction(() => {
    store.packs.insert({ compliancePackId: id, accountId: DEMO.aliceAccountId, aggregatorId: '', name: 'alice pack', description: '', templateId: '', riskLevel: 1, scope: {}, templateContent: '', createdAt: NOW, readyAt: NOW });
    store.rules.insert({
      configRuleId: 'cr-51a91e0000000000b1b2', accountId: DEMO.aliceAccountId, aggregatorId: '', compliancePackId: id, name: 'public read', description: '',
      sourceOwner: 'ALIYUN', sourceIdentifier: 'oss-bucket-public-read-prohibited', riskLevel: 1, inputParameters: {}, scope: {},
      triggerTypes: 'ConfigurationItemChangeNotification', maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: NOW, modifiedAt: NOW,
    });
    evaluatePack(em.services, store.packs.get(id)!, NOW);
    return createPackReport(em.services, store.packs.get(id)!, NOW, 0);
  });
  t.equal(report.kind, 'pack');
  t.match(report.objectKey, /^CompliancePackReports\/1713220985231234\/cp-51a91e0000000000b1b2\/1713220985231234-cp-51a91e0000000000b1b2-report-202612010800\.xls$/);
  const res = await fetchUrl(em, signedReportUrl('http://x', report.objectKey, NOW, 3600));
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/vnd.ms-excel');
  t.equal(res.rawPayload.subarray(0, 2).toString(), 'PK', 'an OOXML workbook');
  const wb = await load(new Uint8Array(res.rawPayload));
  t.same(nonCompliantIds(wb), ['alice-public-assets']);
  t.equal(wb.getWorksheet(SHEETS.overview)!.getCell('A3').value, '账号ID Account ID');
});

t.test('the same snapshot always gives the same bytes', async (t) => {
  const em = await testApp(t);
  const snapshot = snapshotPack(em.services, em.services.store.packs.get(DEMO.compliancePackId)!, NOW);
  const a = packReportWorkbook(snapshot);
  // Zip entry times are wall-clock fields with no zone: another host zone must not change them.
  const zone = process.env.TZ;
  process.env.TZ = 'America/New_York';
  let b: Buffer;
  try {
    b = packReportWorkbook(snapshot);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  t.ok(a.equals(b), 'the same bytes in another time zone');
  const entries = unzipSync(new Uint8Array(a));
  t.ok(Object.keys(entries).includes('xl/workbook.xml'));
  // The first local file header's DOS time and date: the report time in UTC+8 (NOW is 00:00 UTC).
  t.equal(a.readUInt32LE(0), 0x04034b50);
  const time = a.readUInt16LE(10);
  const date = a.readUInt16LE(12);
  const cst = new Date(NOW + 8 * 3600_000);
  t.same(
    [(date >> 9) + 1980, (date >> 5) & 15, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2],
    [cst.getUTCFullYear(), cst.getUTCMonth() + 1, cst.getUTCDate(), cst.getUTCHours(), cst.getUTCMinutes(), cst.getUTCSeconds()],
    'entry time: the report time in UTC+8',
  );
  // A UTC+8 time that New York's clocks skip (2026-03-08 02:30): still written as it is.
  const gap = Date.UTC(2026, 2, 7, 18, 30);
  process.env.TZ = 'America/New_York';
  let zipped: Buffer;
  try {
    zipped = zipOne('r.xlsx', new Uint8Array([1, 2, 3]), gap);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  t.ok(zipped.equals(zipOne('r.xlsx', new Uint8Array([1, 2, 3]), gap)), 'the same bytes in both zones');
  t.equal(zipped.readUInt16LE(10) >> 11, 2, 'hour 2 of the local file header');
  const central = zipped.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  t.equal(zipped.readUInt16LE(central + 12) >> 11, 2, 'and of the central directory');
  t.same(unzipSync(new Uint8Array(zipped))['r.xlsx'], new Uint8Array([1, 2, 3]), 'still a valid zip');
});

t.test('rules reports follow the same pattern (building blocks for Generate*ConfigRulesReport)', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  const agg = store.transaction(() => createRulesReport(em.services, { accountId: DEMO.managementAccountId, aggregatorId: DEMO.aggregatorId }, NOW, 0));
  t.equal(agg.kind, 'aggregate-rules');
  t.equal(agg.scopeId, DEMO.aggregatorId);
  t.equal(agg.objectKey, `ConfigRuleReports/${DEMO.managementAccountId}/${DEMO.aggregatorId}/${DEMO.managementAccountId}-${DEMO.aggregatorId}-rules-report-202612010800.zip`);
  const res = await fetchUrl(em, signedReportUrl('http://x', agg.objectKey, NOW, 3600));
  t.equal(res.statusCode, 200);
  const files = unzipSync(new Uint8Array(res.rawPayload));
  t.same(Object.keys(files), [`${DEMO.managementAccountId}-${DEMO.aggregatorId}-rules-report-202612010800.xlsx`]);
  const wb = await load(Object.values(files)[0]);
  const listed = (await call(em, 'ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, ComplianceType: 'NON_COMPLIANT', MaxResults: 100 })).json;
  const ids = listed.EvaluationResults.EvaluationResultList.map((r: Record<string, any>) => r.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId).sort();
  t.same(nonCompliantIds(wb), ids, 'the rules report lists every non-compliant result of the group');
  t.equal(wb.getWorksheet(SHEETS.overview)!.getCell('B1').value, '规则检测报告 Rules report');
  const factNames = wb.getWorksheet(SHEETS.overview)!.getColumn(1).values.slice(1, 11);
  t.notOk(factNames.includes('风险等级 Risk level'), 'no pack, no risk level row (each rule has its own)');
  t.ok(factNames.includes('规则总数 Total rules'));

  const own = store.transaction(() => createRulesReport(em.services, { accountId: DEMO.tomAccountId, aggregatorId: '' }, NOW, 0));
  t.equal(own.kind, 'rules');
  t.match(own.objectKey, /^ConfigRuleReports\/1005320983491234\/rules\/1005320983491234-rules-report-202612010800\.xls$/);
  const bare = await fetchUrl(em, signedReportUrl('http://x', own.objectKey, NOW, 3600));
  t.equal(bare.headers['content-type'], 'application/vnd.ms-excel');
  t.same(nonCompliantIds(await load(new Uint8Array(bare.rawPayload))), [], 'Tom has no rules of his own');
});

/**
 * The workbook as exceljs built it before issue 8 (in-memory Workbook, same sheets, widths, bold
 * headers, frozen pane, properties): the reference the hand-written SpreadsheetML must read back like.
 */
async function exceljsWorkbook(s: PackReportSnapshot): Promise<Uint8Array> {
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
    ...(s.compliancePackId ? ([['风险等级 Risk level', s.riskLevel]] as [string, number][]) : []),
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
  for (const r of s.nonCompliant) {
    sheet.addRow([String(r.accountId), r.configRuleName, r.configRuleId, r.riskLevel, r.resourceId, r.resourceName, r.resourceType, r.regionId, r.reason, cstTime(r.evaluatedAt)]);
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** What a reader sees: properties, and per sheet its widths, views, and every row's cells (value, type, bold). */
function readBack(wb: ExcelJS.Workbook) {
  return {
    creator: wb.creator,
    created: wb.created?.toISOString(),
    modified: wb.modified?.toISOString(),
    sheets: wb.worksheets.map((ws) => {
      const rows: unknown[] = [];
      ws.eachRow({ includeEmpty: true }, (row, n) => {
        const cells: unknown[] = [];
        row.eachCell({ includeEmpty: true }, (cell, c) => cells.push([c, cell.value, cell.type, cell.font?.bold === true]));
        rows.push([n, row.font?.bold === true, cells]);
      });
      return {
        name: ws.name,
        widths: (ws.columns ?? []).map((c) => c.width),
        // exceljs reads a sheet without views as null.
        views: (ws.views ?? []).map((v) => ({ state: v.state, ySplit: (v as { ySplit?: number }).ySplit })),
        rowCount: ws.rowCount,
        rows,
      };
    }),
  };
}

const TRICKY = ['a & b < c > d "e" \'f\'', ' leading', 'trailing ', 'two\nlines', 'tab\there', 'ctrl\u0001\u001f\u007fx', '中文 🙂 ✓', ''];

t.test('the workbook reads back exactly like the exceljs-built one', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  const demo = snapshotPack(em.services, store.packs.get(DEMO.compliancePackId)!, NOW);
  const rules = snapshotRules(em.services, { accountId: DEMO.managementAccountId, aggregatorId: DEMO.aggregatorId }, NOW);
  const row = demo.nonCompliant[0];
  const tricky: PackReportSnapshot = {
    ...demo,
    compliancePackName: TRICKY[0],
    aggregatorId: '',
    rules: TRICKY.map((text, i) => ({ ...demo.rules[0], configRuleName: text, nonCompliantCount: i })),
    nonCompliant: TRICKY.map((text) => ({ ...row, configRuleName: text, resourceName: text, reason: text })),
  };
  t.ok(demo.nonCompliant.length > 10 && rules.nonCompliant.length > 10, 'real snapshots with rows');
  for (const [name, snapshot] of [['demo pack', demo], ['rules report', rules], ['tricky text', tricky]] as const) {
    const ours = readBack(await load(packReportWorkbook(snapshot)));
    const reference = readBack(await load(await exceljsWorkbook(snapshot)));
    t.same(ours, reference, name);
    t.equal(ours.sheets[1].rows.length, snapshot.nonCompliant.length + 1, `${name}: one row per non-compliant result`);
  }
});

t.test('text that looks like an escape (_xHHHH_) reads back as written', async (t) => {
  const em = await testApp(t);
  const demo = snapshotPack(em.services, em.services.store.packs.get(DEMO.compliancePackId)!, NOW);
  const texts = ['_x0041_', 'a_x00e9_b', '_x005F_', '_x12_'];
  const wb = await load(packReportWorkbook({ ...demo, nonCompliant: texts.map((text) => ({ ...demo.nonCompliant[0], resourceName: text })) }));
  t.same(texts.map((_, i) => wb.getWorksheet(SHEETS.nonCompliant)!.getCell(`F${i + 2}`).value), texts);
});

t.test('the pack report counts resources as the roll-up does', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  for (const pack of [store.packs.get(DEMO.compliancePackId)!]) {
    const resources = packResources(store.evaluations.byPack(pack.compliancePackId));
    const { totals, nonCompliant } = snapshotPack(em.services, pack, NOW);
    t.same(
      { resources: totals.resources, compliantResources: totals.compliantResources, nonCompliantResources: totals.nonCompliantResources },
      {
        resources: resources.length,
        compliantResources: resources.filter((r) => r.complianceType === 'COMPLIANT').length,
        nonCompliantResources: resources.filter((r) => r.complianceType === 'NON_COMPLIANT').length,
      },
    );
    t.same(nonCompliant.map((r) => `${r.configRuleId} ${r.resourceId}`), store.evaluations.byPack(pack.compliancePackId).filter((r) => r.complianceType === 'NON_COMPLIANT').map((r) => `${r.configRuleId} ${r.resourceId}`), 'rows in the same order');
  }
});
