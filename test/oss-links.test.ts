/**
 * OSS V1 pre-signed report links: the documented signature vector, link shape and configurable
 * validity, and the download route's checks in OSS's order (expiry, then signature, then object),
 * HEAD, ETag / If-None-Match, Content-Length and Range.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { ossSignature, signedReportUrl, stringToSign, OSS_ACCESS_KEY_ID, REPORT_BUCKET } from '../src/reports/links.js';
import { call, DEMO, NOW, testApp, type TestEmulator } from './helpers.js';

const PACK = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };

async function reportUrl(em: TestEmulator): Promise<URL> {
  const res = await call(em, 'GetAggregateCompliancePackReport', PACK);
  return new URL(res.json.CompliancePackReport.ReportUrl);
}
const get = (em: TestEmulator, u: URL | string, method: 'GET' | 'HEAD' = 'GET', headers: Record<string, string> = {}) => {
  const url = typeof u === 'string' ? u : u.pathname + u.search;
  return em.app.inject({ method, url, headers });
};
const xmlField = (body: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

t.test('the documented OSS signature vector (report-format.md §3)', async (t) => {
  t.equal(stringToSign(1141889120, 'oss-api.pdf', 'oss-example'), 'GET\n\n\n1141889120\n/oss-example/oss-api.pdf');
  t.equal(ossSignature('OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV', 1141889120, 'oss-api.pdf', 'oss-example'), 'EwaNTn1erJGkimiJ9WmXgwnANLc=');
  t.equal(encodeURIComponent('EwaNTn1erJGkimiJ9WmXgwnANLc='), 'EwaNTn1erJGkimiJ9WmXgwnANLc%3D');
  t.equal(stringToSign(1, 'k'), `GET\n\n\n1\n/${REPORT_BUCKET}/k`, 'the report bucket by default');
});

t.test('links carry Expires, OSSAccessKeyId and Signature, signed at Get time with the configured validity', async (t) => {
  const em = await testApp(t, { config: { reportLinkTtlSeconds: 60 } });
  const u = await reportUrl(em);
  t.same([...u.searchParams.keys()], ['Expires', 'OSSAccessKeyId', 'Signature'], 'parameter order of the examples');
  t.equal(Number(u.searchParams.get('Expires')), Math.floor(NOW / 1000) + 60);
  t.equal(u.searchParams.get('OSSAccessKeyId'), OSS_ACCESS_KEY_ID);
  em.clock.advance(5000);
  const later = await reportUrl(em);
  t.equal(Number(later.searchParams.get('Expires')), Math.floor(NOW / 1000) + 65, 'signed again on every Get');
  const def = await testApp(t);
  t.equal(Number((await reportUrl(def)).searchParams.get('Expires')), Math.floor(NOW / 1000) + 3600, 'default validity 3600 s');
  t.match(signedReportUrl('http://h', 'a b/c', NOW, 10), /^http:\/\/h\/a%20b\/c\?Expires=\d+&OSSAccessKeyId=\w+&Signature=[^&]+$/, 'key segments encoded');
});

t.test('a link follows the base URL it is asked for, for the same object within one second', async (t) => {
  const key = 'CompliancePackReports/1/cp-x/1-cp-x-report-202101010000.zip';
  const a = signedReportUrl('http://a:1', key, NOW, 60);
  const b = signedReportUrl('https://b:2', key, NOW, 60);
  t.match(a, /^http:\/\/a:1\//);
  t.match(b, /^https:\/\/b:2\//);
  t.equal(signedReportUrl('http://a:1', key, NOW, 60), a, 'back to the first base URL');
  t.equal(new URL(a).search, new URL(b).search, 'same Expires and Signature: the signature covers bucket and key only');
  t.not(signedReportUrl('http://a:1', key, NOW + 1000, 60), a, 'a new second signs anew');
});

t.test('the report link follows the Host of each call, and --public-url over it', async (t) => {
  const em = await testApp(t);
  const url = '/?Action=GetAggregateCompliancePackReport&Format=JSON&AggregatorId=' + PACK.AggregatorId + '&CompliancePackId=' + PACK.CompliancePackId;
  const linkVia = async (app: TestEmulator, host: string) =>
    new URL(JSON.parse((await app.app.inject({ url, headers: { host } })).body).CompliancePackReport.ReportUrl).host;
  t.equal(await linkVia(em, 'one.test:1'), 'one.test:1');
  t.equal(await linkVia(em, 'two.test:2'), 'two.test:2');
  t.equal(await linkVia(em, 'one.test:1'), 'one.test:1');
  const pub = await testApp(t, { config: { publicUrl: 'http://public.test:9/' } });
  t.equal(await linkVia(pub, 'one.test:1'), 'public.test:9');
  t.equal(await linkVia(em, 'one.test:1'), 'one.test:1', 'the other emulator keeps its own');
});

t.test('GET, HEAD, ETag, If-None-Match and Content-Length', async (t) => {
  const em = await testApp(t);
  const u = await reportUrl(em);
  const res = await get(em, u);
  t.equal(res.statusCode, 200);
  const md5 = createHash('md5').update(res.rawPayload).digest('hex').toUpperCase();
  t.equal(res.headers.etag, `"${md5}"`, 'ETag is the quoted upper-case MD5 of the object');
  t.equal(res.headers['content-length'], String(res.rawPayload.length));
  t.match(res.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);
  t.equal(res.headers['last-modified'], new Date(DEMO.reportCreatedAt).toUTCString());
  const head = await get(em, u, 'HEAD');
  t.equal(head.statusCode, 200);
  t.equal(head.body, '', 'HEAD has no body');
  t.equal(head.headers['content-length'], String(res.rawPayload.length));
  t.equal(head.headers.etag, res.headers.etag);
  const cached = await get(em, u, 'GET', { 'if-none-match': res.headers.etag as string });
  t.equal(cached.statusCode, 304);
  t.equal(cached.body, '');
  t.equal((await get(em, u, 'GET', { 'if-none-match': '"OTHER"' })).statusCode, 200);
});

t.test('Range as OSS reads it: one range served 206; one it cannot serve ignored, or 416 with x-oss-range-behavior: standard', async (t) => {
  const em = await testApp(t);
  const u = await reportUrl(em);
  const whole = (await get(em, u)).rawPayload;
  const size = whole.length;
  t.ok(size > 100);
  const served = async (range: string, standard = false) => {
    const res = await get(em, u, 'GET', { range, ...(standard ? { 'x-oss-range-behavior': 'standard' } : {}) });
    return { status: res.statusCode, body: res.rawPayload, contentRange: res.headers['content-range'], length: res.headers['content-length'], res };
  };
  const cases: [string, number, number][] = [
    ['bytes=0-9', 0, 9],
    ['bytes=10-', 10, size - 1],
    ['bytes=-20', size - 20, size - 1],
    [`bytes=-${size + 5}`, 0, size - 1],
    [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const r = await served(range);
    t.equal(r.status, 206, range);
    t.same(r.body, whole.subarray(start, end + 1), `${range}: the bytes asked for`);
    t.equal(r.contentRange, `bytes ${start}-${end}/${size}`);
    t.equal(r.length, String(end - start + 1));
  }
  // Malformed, several ranges, reversed, or past the object: OSS sends the whole object.
  for (const range of ['bytes=0-9,20-29', 'bytes=9-0', 'items=0-9', 'bytes=-', 'bytes=-0', `bytes=${size}-`, `bytes=0-${size}`]) {
    const r = await served(range);
    t.equal(r.status, 200, `${range}: ignored`);
    t.same(r.body, whole);
    t.equal(r.contentRange, undefined);
  }
  const cut = await served(`bytes=${size - 5}-${size + 100}`, true);
  t.equal(cut.status, 206, 'standard: an end past the object is cut');
  t.equal(cut.contentRange, `bytes ${size - 5}-${size - 1}/${size}`);
  const refused = await served(`bytes=${size}-`, true);
  t.equal(refused.status, 416, 'standard: a start past the object');
  t.equal(xmlField(refused.res.body, 'Code'), 'InvalidRange');
  t.equal(xmlField(refused.res.body, 'Message'), 'The requested range cannot be satisfied');
  t.equal(xmlField(refused.res.body, 'ActualObjectSize'), String(size));
  t.equal(refused.res.headers.etag, undefined, 'an error carries no object headers');
  t.equal(refused.res.headers['accept-ranges'], undefined);
  t.equal(refused.res.headers['content-disposition'], undefined);
  const head = await get(em, u, 'HEAD', { range: 'bytes=0-9' });
  t.equal(head.statusCode, 206);
  t.equal(head.headers['content-length'], '10');
  t.equal(head.body, '');
  t.equal((await get(em, u, 'GET', { range: 'bytes=0-9', 'if-none-match': (await get(em, u)).headers.etag as string })).statusCode, 304, 'If-None-Match first');
});

t.test('tampered links: 403 SignatureDoesNotMatch with the string to sign', async (t) => {
  const em = await testApp(t);
  const u = await reportUrl(em);
  const tampered = new URL(u);
  tampered.searchParams.set('Signature', 'AAAA' + u.searchParams.get('Signature')!.slice(4));
  const res = await get(em, tampered);
  t.equal(res.statusCode, 403);
  t.match(res.headers['content-type'], /^application\/xml/);
  t.equal(res.headers['x-oss-ec'], '0002-00000040');
  t.equal(xmlField(res.body, 'Code'), 'SignatureDoesNotMatch');
  t.equal(xmlField(res.body, 'Message'), 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  const key = decodeURIComponent(u.pathname.slice(1));
  t.equal(xmlField(res.body, 'StringToSign'), `GET\n\n\n${u.searchParams.get('Expires')}\n/${REPORT_BUCKET}/${key}`);
  t.match(xmlField(res.body, 'StringToSignBytes'), /^47 45 54 0A 0A 0A /);
  t.equal(xmlField(res.body, 'HostId'), `${REPORT_BUCKET}.oss-cn-shanghai.aliyuncs.com`);

  const longer = new URL(u);
  longer.searchParams.set('Expires', String(Number(u.searchParams.get('Expires')) + 3600));
  t.equal(xmlField((await get(em, longer)).body, 'Code'), 'SignatureDoesNotMatch', 'a stretched Expires breaks the signature');
  const other = new URL(u);
  other.pathname = u.pathname.replace(/\.zip$/, '.xls');
  t.equal(xmlField((await get(em, other)).body, 'Code'), 'SignatureDoesNotMatch', 'the signature covers the object key');
  const wrongKey = new URL(u);
  wrongKey.searchParams.set('OSSAccessKeyId', 'LTAIsomeoneelse');
  t.equal(xmlField((await get(em, wrongKey)).body, 'Code'), 'InvalidAccessKeyId');
  const bare = await get(em, u.pathname);
  t.equal(bare.statusCode, 403);
  t.equal(xmlField(bare.body, 'Message'), 'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters.');
  const head = await get(em, tampered, 'HEAD');
  t.equal(head.statusCode, 403);
  t.equal(head.body, '', 'HEAD errors have no body');
});

t.test('expired links: 403 AccessDenied "Request has expired.", checked before the signature', async (t) => {
  const em = await testApp(t, { config: { reportLinkTtlSeconds: 60 } });
  const u = await reportUrl(em);
  em.clock.advance(60_000);
  t.equal((await get(em, u)).statusCode, 200, 'valid through its Expires second');
  em.clock.advance(1000);
  const res = await get(em, u);
  t.equal(res.statusCode, 403);
  t.equal(res.headers['x-oss-ec'], '0002-00000069');
  t.equal(xmlField(res.body, 'Code'), 'AccessDenied');
  t.equal(xmlField(res.body, 'Message'), 'Request has expired.');
  t.equal(xmlField(res.body, 'Expires'), new Date((Math.floor(NOW / 1000) + 60) * 1000).toISOString());
  t.equal(xmlField(res.body, 'ServerTime'), new Date(NOW + 61_000).toISOString());
  t.equal(xmlField(res.body, 'EC'), '0002-00000069');
  t.equal(xmlField(res.body, 'RecommendDoc'), 'https://api.aliyun.com/troubleshoot?q=0002-00000069');
  const tampered = new URL(u);
  tampered.searchParams.set('Signature', 'bogus');
  t.equal(xmlField((await get(em, tampered)).body, 'Message'), 'Request has expired.', 'expiry first, then the signature');
  const fresh = await reportUrl(em);
  t.equal((await get(em, fresh)).statusCode, 200, 'a new Get signs a fresh link');
});

t.test('unknown objects: 404 NoSuchKey for a correctly signed link', async (t) => {
  const em = await testApp(t);
  const key = `CompliancePackReports/${DEMO.managementAccountId}/cp-0000000000000000dead/none.zip`;
  const res = await get(em, signedReportUrl('', key, NOW, 3600));
  t.equal(res.statusCode, 404);
  t.equal(res.headers['x-oss-ec'], '0026-00000001');
  t.equal(xmlField(res.body, 'Code'), 'NoSuchKey');
  t.equal(xmlField(res.body, 'Message'), 'The specified key does not exist.');
  t.equal(xmlField(res.body, 'Key'), key);
  t.equal((await get(em, signedReportUrl('', key, NOW, 3600), 'HEAD')).statusCode, 404);
});
