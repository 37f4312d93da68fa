import t from 'tap';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { call, DEMO, expectError, testApp } from './helpers.js';

const AGG = DEMO.aggregatorId;

/** Every cell of every sheet of the workbook inside a report zip, as text. */
async function workbookText(zip: Buffer): Promise<{ name: string; text: string }> {
  const files = unzipSync(new Uint8Array(zip));
  const [name] = Object.keys(files);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(files[name]) as never);
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(String(c.value)))));
  return { name, text: cells.join('\n') };
}

t.test('rules report lifecycle: NONE -> CREATING -> COMPLETE, then download', async (t) => {
  const em = await testApp(t);
  const none = await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG });
  t.equal(none.status, 200);
  t.same(none.json.ConfigRulesReport, { AccountId: DEMO.managementAccountId, AggregatorId: AGG, ReportId: '', ReportStatus: 'NONE', ReportUrl: '' });

  const gen = await call(em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG });
  t.equal(gen.status, 200);
  t.same(Object.keys(gen.json).sort(), ['AggregatorId', 'ReportId', 'RequestId']);
  t.equal(gen.json.AggregatorId, AGG);
  t.match(gen.json.ReportId, /^crp-[0-9a-f]{20}$/);

  const creating = (await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG })).json.ConfigRulesReport;
  t.equal(creating.ReportStatus, 'CREATING');
  t.equal(creating.ReportUrl, '');
  t.equal(creating.ReportId, gen.json.ReportId);
  t.equal(creating.ReportCreateTimestamp, em.clock.now());
  await expectError(t, em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG }, { status: 400, code: 'ConfigRuleReportCreating' });

  em.clock.advance(1000);
  const done = await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG, ReportId: gen.json.ReportId });
  const rep = done.json.ConfigRulesReport;
  t.same(Object.keys(rep).sort(), ['AccountId', 'AggregatorId', 'ReportCreateTimestamp', 'ReportId', 'ReportStatus', 'ReportUrl']);
  t.equal(rep.ReportStatus, 'COMPLETE');
  // 2026-12-01T00:00Z = 08:00 in UTC+8
  const key = `ConfigRuleReports/${DEMO.managementAccountId}/${AGG}/${DEMO.managementAccountId}-${AGG}-rules-report-202612010800.zip`;
  t.match(rep.ReportUrl, `/${key}?Expires=`);
  t.match(rep.ReportUrl, /&OSSAccessKeyId=[^&]+&Signature=/);

  const url = new URL(rep.ReportUrl);
  const dl = await em.app.inject({ method: 'GET', url: url.pathname + url.search });
  t.equal(dl.statusCode, 200);
  t.equal(dl.headers['content-type'], 'application/zip');
  const book = await workbookText(dl.rawPayload);
  t.equal(book.name, `${DEMO.managementAccountId}-${AGG}-rules-report-202612010800.xlsx`, 'one workbook named like the zip');
  for (const id of ['cr-a260626622af0005a1b2', 'cr-a260626622af0005a1b3', 'cr-a260626622af0005a1b4', 'cr-a260626622af0005a1b5']) t.match(book.text, id);

  const xml = await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG }, { format: 'XML' });
  t.match(xml.body, /<GetAggregateConfigRulesReportResponse><RequestId>[^<]+<\/RequestId><ConfigRulesReport><AccountId>\d+<\/AccountId><AggregatorId>ca-[0-9a-f]+<\/AggregatorId><ReportCreateTimestamp>\d+<\/ReportCreateTimestamp><ReportId>crp-[0-9a-f]{20}<\/ReportId><ReportStatus>COMPLETE<\/ReportStatus><ReportUrl>http/);

  // an unknown ReportId is not the newest report
  const other = (await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG, ReportId: 'crp-00000000000000000000' })).json.ConfigRulesReport;
  t.equal(other.ReportStatus, 'NONE');

  // a second report a minute later, for some rules only, in XML
  em.clock.advance(60_000);
  const gx = await call(em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG, ConfigRuleIds: 'cr-a260626622af0005a1b3' }, { format: 'XML' });
  t.match(gx.body, /<GenerateAggregateConfigRulesReportResponse><RequestId>[^<]+<\/RequestId><AggregatorId>ca-[0-9a-f]+<\/AggregatorId><ReportId>crp-[0-9a-f]{20}<\/ReportId>/);
  em.clock.advance(1000);
  const rep2 = (await call(em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG })).json.ConfigRulesReport;
  t.match(rep2.ReportUrl, '-rules-report-202612010801.zip');
  const u2 = new URL(rep2.ReportUrl);
  const dl2 = await em.app.inject({ method: 'GET', url: u2.pathname + u2.search });
  const book2 = await workbookText(dl2.rawPayload);
  t.match(book2.text, 'cr-a260626622af0005a1b3');
  t.notMatch(book2.text, 'cr-a260626622af0005a1b2', 'only the rules asked for');
});

t.test('rules report errors', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'GenerateAggregateConfigRulesReport', {}, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'GenerateAggregateConfigRulesReport', { AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG, AccessKeyId: DEMO.aliceKey.id }, { status: 400, code: 'Invalid.AggregatorId.Value' }); // a member account: the reference lists no 403 here
  await expectError(t, em, 'GetAggregateConfigRulesReport', {}, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'GetAggregateConfigRulesReport', { AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'GetAggregateConfigRulesReport', { AggregatorId: AGG, AccessKeyId: DEMO.aliceKey.id }, { status: 400, code: 'Invalid.AggregatorId.Value' });
});

t.test('ClientToken makes GenerateAggregateConfigRulesReport idempotent', async (t) => {
  const em = await testApp(t);
  const a = await call(em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG, ClientToken: 'r1' });
  const b = await call(em, 'GenerateAggregateConfigRulesReport', { AggregatorId: AGG, ClientToken: 'r1' });
  t.equal(b.status, 200, 'the replay does not hit ConfigRuleReportCreating');
  t.equal(b.json.ReportId, a.json.ReportId);
});
