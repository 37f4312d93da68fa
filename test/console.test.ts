/**
 * The web console at /_emulator/ui: server-rendered HTML checked with inject(), then driven in a
 * real headless Chromium (Debian's chromium package through playwright-core). The browser test is
 * skipped, with a message saying why, only where /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import t from 'tap';
import { esc } from '../src/control/console.js';
import { call, DEMO, testApp } from './helpers.js';
import { createAggregator, ctl } from './control-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';

t.test('esc() escapes everything HTML could read as markup', async (t) => {
  t.equal(esc(`<a href="x" onclick='y'>&\`</a>`), '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;&#60;/a&#62;');
  t.equal(esc(undefined), '');
  t.equal(esc(42), '42');
});

t.test('the console renders the state, escaped, read-only', async (t) => {
  const em = await testApp(t);
  await createAggregator(em, XSS);
  await call(em, 'ListAggregators', { MaxResults: 10 });
  await ctl(em, 'POST', '/_emulator/faults', { action: 'Nothing*', error: 'InternalError' });
  const res = await em.app.inject({ method: 'GET', url: '/_emulator/ui' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
  const html = res.body;
  t.notMatch(html, /<script/i, 'no script at all, and none injected');
  t.notMatch(html, /<img src=x/);
  t.match(html, esc(XSS));
  for (const s of [String(DEMO.managementAccountId), 'Alice', 'Tom', DEMO.aggregatorId, 'Test_Group', DEMO.compliancePackId, 'Demo security baseline',
    'oss-bucket-public-read-prohibited', 'INSUFFICIENT_DATA', 'ListAggregators', 'CreateAggregator', 'Nothing*', 'download']) {
    t.match(html, s, `shows ${s}`);
  }
  t.notMatch(html, /EmulatorDefaultSecret/, 'no access key secret');
  t.notMatch(html, /<form|method="post"/i, 'read-only: no forms');
  t.match(html, /href="http:\/\/localhost:80\/CompliancePackReports\/1009318965421234\/cp-fdc8626622af00f9a1b2\/[^"]+\.zip\?Expires=\d+&#38;OSSAccessKeyId=LTAI5tEmulatorOssSigner&#38;Signature=/);
});

t.test('an empty emulator renders empty sections', async (t) => {
  const em = await testApp(t, { config: { fixtures: 'none' } });
  const html = (await em.app.inject({ method: 'GET', url: '/_emulator/ui' })).body;
  t.match(html, 'data-testid="aggregators-empty"');
  t.match(html, 'data-testid="packs-empty"');
  t.match(html, 'data-testid="requests-empty"');
});

t.test('the console in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `Chromium is absent (${CHROMIUM}); install Debian's chromium package to run this test` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const em = await testApp(t);
  await createAggregator(em, XSS);
  await call(em, 'GenerateAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, { headers: { 'x-emulator-report-delay-ms': '0' } });
  await call(em, 'GetAggregator', { AggregatorId: 'ca-00000000000000000000' });
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  const address = em.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const response = await page.goto(`http://127.0.0.1:${port}/_emulator/ui`);
  t.equal(response?.status(), 200);
  t.equal(await page.title(), 'Config emulator console');
  t.equal(await page.locator('[data-testid="accounts"] tbody tr').count(), 3, 'three accounts');
  t.equal(await page.locator('[data-testid="aggregators"] tbody tr').count(), 2, 'two aggregators');
  const names = await page.locator('[data-testid="aggregators"] tbody tr td:nth-child(2)').allTextContents();
  t.same(names, ['Test_Group', XSS], 'the hostile name shows as text');
  t.same(dialogs, [], 'nothing ran');
  const pack = page.locator(`[data-testid="pack-${DEMO.compliancePackId}"]`);
  t.match(await pack.locator('h3').textContent(), 'Demo security baseline');
  t.equal(await pack.locator('[data-testid="compliance"]').textContent(), 'NON_COMPLIANT', 'the evaluated demo pack');
  t.equal(await pack.locator('tbody tr').count(), 9, 'nine rules');
  const requests = await page.locator('[data-testid="requests"] tbody tr').allTextContents();
  t.match(requests[0], /GetAggregator.*400.*Invalid\.AggregatorId\.Value/, 'newest request first, with its error code');
  t.equal(requests.length, 3);
  const links = page.locator('[data-testid="report-link"]');
  t.equal(await links.count(), 2, 'the fixture report and the new one');
  const href = await links.first().getAttribute('href');
  t.match(href, new RegExp(`^http://127\\.0\\.0\\.1:${port}/CompliancePackReports/`));
  const file = await page.request.get(href!);
  t.equal(file.status(), 200, 'the signed link downloads');
  t.equal(file.headers()['content-type'], 'application/zip');
  t.equal((await file.body()).subarray(0, 2).toString(), 'PK');
});

t.test('with an admin token, the console opened with ?token= links to an API description that opens', async (t) => {
  const em = await testApp(t, { config: { adminToken: 's3cret&x' } });
  const page = await em.app.inject({ method: 'GET', url: '/_emulator/ui?token=s3cret%26x' });
  t.equal(page.statusCode, 200);
  const link = /href="(\/_emulator\/openapi\.json[^"]*)"/.exec(page.body)?.[1].replace(/&amp;/g, '&');
  t.equal(link, '/_emulator/openapi.json?token=s3cret%26x');
  t.equal((await em.app.inject({ method: 'GET', url: link! })).statusCode, 200, 'the link works in a browser');
  t.equal((await em.app.inject({ method: 'GET', url: '/_emulator/openapi.json?token=wrong' })).statusCode, 401);
  t.equal((await em.app.inject({ method: 'GET', url: '/_emulator/state?token=s3cret%26x' })).statusCode, 401, 'other routes want the header');
  const plain = await em.app.inject({ method: 'GET', url: '/_emulator/ui', headers: { authorization: 'Bearer s3cret&x' } });
  t.match(plain.body, 'href="/_emulator/openapi.json"', 'no token in the page when it came in the header');
});
