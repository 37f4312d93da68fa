/**
 * The report flow of the original API page: NONE -> Generate -> CREATING for the report delay ->
 * COMPLETE with a link shaped like the real one -> a real zip from the emulator's own route.
 */
import { unzipSync } from 'fflate';
import t from 'tap';
import type { ActionContext } from '../src/actions/define.js';
import { packReportAnswer } from '../src/actions/aggregate-pack-reports.js';
import { call, DEMO, expectError, NOW, testApp } from './helpers.js';
import { assertShape } from './shape.js';

const RULES = JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]);

t.test('the original page request returns the page example shape (JSON and XML)', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  assertShape(t, 'GetAggregateCompliancePackReport', res.json);
  const r = res.json.CompliancePackReport;
  t.same(Object.keys(r), ['CompliancePackId', 'AccountId', 'ReportUrl', 'ReportStatus', 'ReportCreateTimestamp'], 'field order of the page example');
  t.match(r, { CompliancePackId: DEMO.compliancePackId, AccountId: DEMO.managementAccountId, ReportStatus: 'COMPLETE', ReportCreateTimestamp: DEMO.reportCreatedAt });
  const url = new URL(r.ReportUrl);
  t.match(r.ReportUrl, /^http:\/\/localhost:80\/CompliancePackReports\//, 'the link points at the emulator (inject sends Host: localhost:80)');
  t.equal(
    url.pathname,
    `/CompliancePackReports/${DEMO.managementAccountId}/${DEMO.compliancePackId}/${DEMO.managementAccountId}-${DEMO.compliancePackId}-report-202106221050.zip`,
    'object key with the UTC+8 minute stamp of the page example',
  );
  t.same([...url.searchParams.keys()], ['Expires', 'OSSAccessKeyId', 'Signature']);
  t.equal(Number(url.searchParams.get('Expires')), Math.floor(em.clock.now() / 1000) + 3600);

  const xml = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, { format: null });
  t.match(
    xml.body,
    /^<\?xml version="1\.0" encoding="utf-8"\?><GetAggregateCompliancePackReportResponse><RequestId>[0-9A-F-]{36}<\/RequestId><CompliancePackReport><CompliancePackId>cp-fdc8626622af00f9a1b2<\/CompliancePackId><AccountId>1009318965421234<\/AccountId><ReportUrl>http:\/\/localhost:80\/CompliancePackReports\/[^<]+\?Expires=\d+&amp;OSSAccessKeyId=[^<]+&amp;Signature=[^<]+<\/ReportUrl><ReportStatus>COMPLETE<\/ReportStatus><ReportCreateTimestamp>1624330246640<\/ReportCreateTimestamp><\/CompliancePackReport><\/GetAggregateCompliancePackReportResponse>$/,
  );
});

t.test('lifecycle: NONE, CREATING for the delay, then COMPLETE; no double generation', async (t) => {
  const em = await testApp(t);
  const created = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'lifecycle', ConfigRules: RULES }, { method: 'POST' });
  const ids = { AggregatorId: DEMO.aggregatorId, CompliancePackId: created.json.CompliancePackId as string };

  const none = await call(em, 'GetAggregateCompliancePackReport', ids);
  t.same(none.json.CompliancePackReport, { CompliancePackId: ids.CompliancePackId, AccountId: DEMO.managementAccountId, ReportUrl: '', ReportStatus: 'NONE' });

  const gen = await call(em, 'GenerateAggregateCompliancePackReport', ids, { method: 'POST' });
  t.equal(gen.status, 200);
  assertShape(t, 'GenerateAggregateCompliancePackReport', gen.json);
  t.equal(gen.json.CompliancePackId, ids.CompliancePackId);
  const genXml = await call(em, 'GenerateAggregateCompliancePackReport', { ...ids }, { format: 'XML', method: 'POST' });
  t.equal(genXml.status, 400, 'a second Generate while CREATING is refused');
  t.match(genXml.body, '<Code>CompliancePackReportCreating</Code><Message>The compliance pack report is being created.</Message>');

  const creating = await call(em, 'GetAggregateCompliancePackReport', ids);
  t.same(creating.json.CompliancePackReport, { CompliancePackId: ids.CompliancePackId, AccountId: DEMO.managementAccountId, ReportUrl: '', ReportStatus: 'CREATING', ReportCreateTimestamp: em.clock.now() });
  await expectError(t, em, 'GenerateAggregateCompliancePackReport', ids, { status: 400, code: 'CompliancePackReportCreating' });

  em.clock.advance(999);
  t.equal((await call(em, 'GetAggregateCompliancePackReport', ids)).json.CompliancePackReport.ReportStatus, 'CREATING');
  em.clock.advance(1);
  const complete = await call(em, 'GetAggregateCompliancePackReport', ids);
  t.equal(complete.json.CompliancePackReport.ReportStatus, 'COMPLETE');

  const url = new URL(complete.json.CompliancePackReport.ReportUrl);
  const dl = await em.app.inject({ method: 'GET', url: url.pathname + url.search });
  t.equal(dl.statusCode, 200);
  t.equal(dl.headers['content-type'], 'application/zip');
  t.equal(Number(dl.headers['content-length']), dl.rawPayload.length);
  t.same([...dl.rawPayload.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a real zip');
  const entries = unzipSync(new Uint8Array(dl.rawPayload));
  const names = Object.keys(entries);
  t.equal(names.length, 1);
  t.match(names[0], new RegExp(`^${DEMO.managementAccountId}-${ids.CompliancePackId}-report-\\d{12}\\.`));

  em.clock.advance(60_000);
  t.equal((await call(em, 'GenerateAggregateCompliancePackReport', ids, { method: 'POST' })).status, 200, 'generate again once complete');
  const old = await em.app.inject({ method: 'GET', url: url.pathname + url.search });
  t.equal(old.statusCode, 200, 'an earlier report stays downloadable through its link');
});

t.test('report delay 0 makes reports complete at once', async (t) => {
  const em = await testApp(t, { config: { reportDelayMs: 0 } });
  await call(em, 'GenerateAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, { method: 'POST' });
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(res.json.CompliancePackReport.ReportStatus, 'COMPLETE');
  t.equal(res.json.CompliancePackReport.ReportCreateTimestamp, em.clock.now());
});

t.test('report errors', async (t) => {
  const em = await testApp(t);
  for (const action of ['GenerateAggregateCompliancePackReport', 'GetAggregateCompliancePackReport']) {
    await expectError(t, em, action, { AggregatorId: 'ca-00000000000000000000', CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, action, { AggregatorId: DEMO.aggregatorId, CompliancePackId: 'cp-00000000000000000000' }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, action, { AggregatorId: DEMO.aggregatorId }, { status: 400, code: 'MissingCompliancePackId' });
  }
});

t.test('download route: OSS errors', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  const url = new URL(res.json.CompliancePackReport.ReportUrl);
  const path = url.pathname;
  const q = url.searchParams;

  const tampered = await em.app.inject({ method: 'GET', url: `${path}?Expires=${q.get('Expires')}&OSSAccessKeyId=${q.get('OSSAccessKeyId')}&Signature=AAAA` });
  t.equal(tampered.statusCode, 403);
  t.equal(tampered.headers['content-type'], 'application/xml');
  t.match(tampered.body, '<Code>SignatureDoesNotMatch</Code>');

  const missing = await em.app.inject({ method: 'GET', url: path });
  t.equal(missing.statusCode, 403);
  t.match(missing.body, 'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters.');

  em.clock.advance(3601_000);
  const expired = await em.app.inject({ method: 'GET', url: `${path}?Expires=${q.get('Expires')}&OSSAccessKeyId=${q.get('OSSAccessKeyId')}&Signature=AAAA` });
  t.equal(expired.statusCode, 403, 'expiry is checked before the signature');
  t.match(expired.body, '<Code>AccessDenied</Code>');
  t.match(expired.body, '<Message>Request has expired.</Message>');

  const fresh = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  const freshUrl = new URL(fresh.json.CompliancePackReport.ReportUrl);
  const head = await em.app.inject({ method: 'HEAD', url: freshUrl.pathname + freshUrl.search });
  t.equal(head.statusCode, 200);
  t.ok(Number(head.headers['content-length']) > 0);
  t.match(head.headers.etag, /^"[0-9A-F]{32}"$/);
  const unknownKey = freshUrl.pathname.replace('-report-', '-nothing-');
  const { ossSignature, OSS_ACCESS_KEY_SECRET } = await import('../src/reports/links.js');
  const expires = Number(freshUrl.searchParams.get('Expires'));
  const sig = encodeURIComponent(ossSignature(OSS_ACCESS_KEY_SECRET, expires, decodeURIComponent(unknownKey.slice(1))));
  const nokey = await em.app.inject({ method: 'GET', url: `${unknownKey}?Expires=${expires}&OSSAccessKeyId=${freshUrl.searchParams.get('OSSAccessKeyId')}&Signature=${sig}` });
  t.equal(nokey.statusCode, 404);
  t.match(nokey.body, '<Code>NoSuchKey</Code>');
});

t.test('a repeated Get is answered again only while nothing in it changed (host, second, report, caller, app)', async (t) => {
  const em = await testApp(t);
  const ids = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };
  const get = async (headers?: Record<string, string>) => (await call(em, 'GetAggregateCompliancePackReport', ids, { headers })).json;
  const first = await get();
  const again = await get();
  t.not(again.RequestId, first.RequestId, 'each answer has its own RequestId');
  t.same(again.CompliancePackReport, first.CompliancePackReport);
  const otherHost = await get({ host: 'emulator.test:9999' });
  t.match(otherHost.CompliancePackReport.ReportUrl, /^http:\/\/emulator\.test:9999\//, 'the link follows the Host header');
  t.match((await get()).CompliancePackReport.ReportUrl, /^http:\/\/localhost:80\//);
  const expires = (r: Record<string, any>) => Number(new URL(r.CompliancePackReport.ReportUrl).searchParams.get('Expires'));
  em.clock.advance(1000);
  t.equal(expires(await get()), expires(first) + 1, 'a second later the link expires a second later');
  // A new report of the same pack: the next Get reads it (CREATING, then its own link once ready).
  const gen = await call(em, 'GenerateAggregateCompliancePackReport', ids, { method: 'POST' });
  t.equal(gen.status, 200);
  const creating = (await get()).CompliancePackReport;
  t.match(creating, { ReportStatus: 'CREATING', ReportUrl: '', ReportCreateTimestamp: em.clock.now() });
  em.clock.advance(60_000);
  const done = (await get()).CompliancePackReport;
  t.match(done, { ReportStatus: 'COMPLETE', ReportCreateTimestamp: creating.ReportCreateTimestamp });
  t.not(done.ReportUrl, first.CompliancePackReport.ReportUrl);
  // Another emulator in the same process with the same demo pack gets its own answer (its own clock).
  const other = await testApp(t);
  other.clock.advance(7_000_000);
  const otherFirst = (await call(other, 'GetAggregateCompliancePackReport', ids)).json.CompliancePackReport;
  t.equal(otherFirst.ReportCreateTimestamp, DEMO.reportCreatedAt);
  t.equal(Number(new URL(otherFirst.ReportUrl).searchParams.get('Expires')), Math.floor(other.clock.now() / 1000) + 3600);
});

t.test('a polled report answer is handed out again while its fields are the same, and made anew when one changes', async (t) => {
  const em = await testApp(t);
  const ctx = (over: Partial<ActionContext> = {}) =>
    ({ store: em.services.store, config: em.services.config, accountId: DEMO.managementAccountId, now: NOW, baseUrl: 'http://h:1', ...over }) as ActionContext;
  const a = packReportAnswer(ctx(), DEMO.compliancePackId);
  t.equal(packReportAnswer(ctx(), DEMO.compliancePackId), a, 'same fields: the kept answer');
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.CompliancePackReport), 'kept answers are frozen');
  const otherHost = packReportAnswer(ctx({ baseUrl: 'http://h:2' }), DEMO.compliancePackId);
  t.not(otherHost, a);
  t.match((otherHost.CompliancePackReport as { ReportUrl: string }).ReportUrl, /^http:\/\/h:2\//);
  const nextSecond = packReportAnswer(ctx({ baseUrl: 'http://h:2', now: NOW + 1000 }), DEMO.compliancePackId);
  t.not(nextSecond, otherHost, 'a new second: a new link, a new answer');
  const otherCaller = packReportAnswer(ctx({ baseUrl: 'http://h:2', now: NOW + 1000, accountId: DEMO.aliceAccountId }), DEMO.compliancePackId);
  t.equal((otherCaller.CompliancePackReport as { AccountId: number }).AccountId, DEMO.aliceAccountId);
});
