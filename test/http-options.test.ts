/**
 * Browser and TLS options: CORS on by default (configurable, or off) and optional HTTPS.
 */
import https from 'node:https';
import t from 'tap';
import { startEmulator } from '../src/index.js';
import { openDescriptorsOf, selfSignedCert, tempDbFile, testApp } from './helpers.js';

t.test('CORS is on by default for any origin', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON', headers: { origin: 'http://demo.local' } });
  t.equal(res.headers['access-control-allow-origin'], 'http://demo.local');
  const pre = await em.app.inject({ method: 'OPTIONS', url: '/', headers: { origin: 'http://demo.local', 'access-control-request-method': 'POST' } });
  t.equal(pre.statusCode, 204);
  t.match(pre.headers['access-control-allow-methods'], 'POST');
  t.equal(pre.headers['access-control-allow-origin'], 'http://demo.local');
  t.equal(pre.headers['content-length'], '0');
  t.equal(res.headers.vary, 'Origin');
  t.equal(res.headers['access-control-expose-headers'], 'x-emulator-auth-warning, etag, x-oss-request-id');
});

t.test('CORS headers only on requests with an Origin (SDKs and curl get none)', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON' });
  t.equal(res.statusCode, 200);
  for (const h of ['vary', 'access-control-allow-origin', 'access-control-expose-headers']) t.equal(res.headers[h], undefined, h);
});

t.test('CORS preflight: requested headers echoed; OPTIONS without Origin or method refused; other routes too', async (t) => {
  const em = await testApp(t);
  const pre = await em.app.inject({
    method: 'OPTIONS',
    url: '/',
    headers: { origin: 'http://demo.local', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-acs-action, authorization' },
  });
  t.equal(pre.statusCode, 204);
  t.equal(pre.headers['access-control-allow-headers'], 'x-acs-action, authorization');
  t.equal(pre.headers.vary, 'Origin, Access-Control-Request-Headers');
  for (const headers of [{ origin: 'http://demo.local' }, { 'access-control-request-method': 'GET' }]) {
    const bad = await em.app.inject({ method: 'OPTIONS', url: '/', headers });
    t.equal(bad.statusCode, 400);
    t.equal(bad.body, 'Invalid Preflight Request');
  }
  const health = await em.app.inject({ method: 'GET', url: '/_emulator/health', headers: { origin: 'http://demo.local' } });
  t.equal(health.headers['access-control-allow-origin'], 'http://demo.local');
  const report = await em.app.inject({ method: 'OPTIONS', url: '/CompliancePackReports/x.zip', headers: { origin: 'http://demo.local', 'access-control-request-method': 'GET' } });
  t.equal(report.statusCode, 204);
});

t.test('CORS limited to listed origins, or off', async (t) => {
  const listed = await testApp(t, { config: { cors: 'http://a.example, http://b.example' } });
  const ok = await listed.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON', headers: { origin: 'http://b.example' } });
  t.equal(ok.headers['access-control-allow-origin'], 'http://b.example');
  const other = await listed.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON', headers: { origin: 'http://evil.example' } });
  t.equal(other.headers['access-control-allow-origin'], undefined);
  t.equal(other.headers.vary, 'Origin');
  const otherPre = await listed.app.inject({ method: 'OPTIONS', url: '/', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  t.equal(otherPre.headers['access-control-allow-origin'], undefined);
  const off = await testApp(t, { config: { cors: 'off' } });
  const none = await off.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON', headers: { origin: 'http://demo.local' } });
  t.equal(none.headers['access-control-allow-origin'], undefined);
  const offPre = await off.app.inject({ method: 'OPTIONS', url: '/', headers: { origin: 'http://demo.local', 'access-control-request-method': 'POST' } });
  t.equal(offPre.statusCode, 404);
  t.equal(offPre.headers['access-control-allow-origin'], undefined);
});

t.test('HTTPS with --tls-cert/--tls-key; report links use https', async (t) => {
  const tls = selfSignedCert(t);
  if (!tls) return;
  const emu = await startEmulator({ tlsCert: tls.cert, tlsKey: tls.key });
  t.teardown(() => emu.close());
  t.equal(emu.url, `https://127.0.0.1:${emu.port}`, 'the url it gives is https');
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(
        `${emu.url}/?Action=GetAggregateCompliancePackReport&AggregatorId=ca-f632626622af0079a1b2&CompliancePackId=cp-fdc8626622af00f9a1b2&Format=JSON`,
        { rejectUnauthorized: false },
        (res) => {
          let data = '';
          res.on('data', (d: Buffer) => (data += d.toString()));
          res.on('end', () => resolve(data));
        },
      )
      .on('error', reject);
  });
  t.match(JSON.parse(body).CompliancePackReport.ReportUrl, new RegExp(`^https://127\\.0\\.0\\.1:${emu.port}/CompliancePackReports/`));
});

t.test('--tls-cert without --tls-key is refused', async (t) => {
  await t.rejects(startEmulator({ tlsCert: '/nonexistent.pem' }), /--tls-cert and --tls-key go together/);
});

t.test('a refused TLS pair is refused before the database opens (nothing left open on it)', async (t) => {
  const db = tempDbFile(t);
  await t.rejects(startEmulator({ db, tlsCert: '/nonexistent.pem' }), /--tls-cert and --tls-key go together/);
  const open = openDescriptorsOf(db);
  if (open === undefined) t.comment('no /proc here: open descriptors are not checked');
  else t.equal(open, 0);
});
