/**
 * The report download route (src/routes/oss.ts) against hostile object keys: path traversal
 * (plain, percent-encoded, encoded slashes, backslashes), null bytes, huge keys, unicode and bad
 * percent-encoding, signed or not. Every answer is an OSS-style XML error (4xx) unless the key is
 * exactly a stored report; nothing is ever read from disk (objects live in SQLite), which the test
 * checks by watching node:fs while the requests run.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import t, { type Test } from 'tap';
import { OSS_ACCESS_KEY_ID, encodeKey, ossSignature, OSS_ACCESS_KEY_SECRET, signedReportUrl } from '../src/reports/links.js';
import { REPORT_PREFIXES } from '../src/routes/oss.js';
import { call, DEMO, testApp, type TestEmulator } from './helpers.js';
import { anyString, child, parseXml, pct, runProperty } from './fuzz/harness.js';

/** Any fs call that opens or reads a path is recorded while `watching` is on. */
const fsCalls: string[] = [];
let watching = false;
const FS_FNS = ['open', 'openSync', 'readFile', 'readFileSync', 'createReadStream', 'stat', 'statSync', 'lstat', 'lstatSync', 'realpath', 'realpathSync', 'readdir', 'readdirSync', 'access', 'accessSync', 'existsSync'] as const;
const fsAny = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
const originals = new Map<string, (...a: unknown[]) => unknown>();
for (const name of FS_FNS) {
  const orig = fsAny[name];
  originals.set(name, orig);
  fsAny[name] = function (this: unknown, ...args: unknown[]) {
    if (watching) fsCalls.push(`${name}(${String(args[0])})`);
    return orig.apply(this, args);
  };
}
const promiseFns = ['open', 'readFile', 'stat', 'lstat', 'readdir', 'access', 'realpath'] as const;
const fsp = fs.promises as unknown as Record<string, (...a: unknown[]) => unknown>;
const promiseOriginals = new Map<string, (...a: unknown[]) => unknown>();
for (const name of promiseFns) {
  const orig = fsp[name];
  promiseOriginals.set(name, orig);
  fsp[name] = function (this: unknown, ...args: unknown[]) {
    if (watching) fsCalls.push(`promises.${name}(${String(args[0])})`);
    return orig.apply(this, args);
  };
}
syncBuiltinESMExports();
t.teardown(() => {
  for (const [name, fn] of originals) fsAny[name] = fn;
  for (const [name, fn] of promiseOriginals) fsp[name] = fn;
  syncBuiltinESMExports();
});

const SECRET_CONTENT = [/root:x:0:0/, /"name": "alicloud-config-emulator"/, /\[extensions\]/, /BEGIN (RSA )?PRIVATE KEY/];

interface Download {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

async function download(em: TestEmulator, url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Download> {
  watching = true;
  try {
    const res = await em.app.inject({ method, url });
    return { status: res.statusCode, body: res.body, headers: res.headers };
  } finally {
    watching = false;
  }
}

/** A query that signs `key` validly (so the request gets as far as the object lookup). */
function signedQuery(em: TestEmulator, key: string): string {
  const expires = Math.floor(em.clock.now() / 1000) + 3600;
  return `Expires=${expires}&OSSAccessKeyId=${OSS_ACCESS_KEY_ID}&Signature=${encodeURIComponent(ossSignature(OSS_ACCESS_KEY_SECRET, expires, key))}`;
}

/** The invariants of every answer of the download route to a key that is not a stored report. */
function checkRefused(t: Test, res: Download, label: string, method: 'GET' | 'HEAD' = 'GET'): string | undefined {
  if (res.status >= 500) t.fail(`${label}: HTTP ${res.status}`);
  if (res.status < 400 || res.status >= 500) return void t.fail(`${label}: expected a 4xx, got ${res.status}`);
  for (const re of SECRET_CONTENT) if (re.test(res.body)) t.fail(`${label}: served content matching ${re}`);
  if (method === 'HEAD') return undefined;
  let root;
  try {
    root = parseXml(res.body);
  } catch (e) {
    return void t.fail(`${label}: malformed XML (${(e as Error).message}): ${res.body.slice(0, 300)}`);
  }
  if (root.name !== 'Error') t.fail(`${label}: root <${root.name}>`);
  const code = child(root, 'Code')?.text;
  if (!code || !/^[A-Za-z][A-Za-z0-9.]*$/.test(code)) t.fail(`${label}: bad Code ${code}`);
  return code;
}

/** A real report's object key (the demo pack's report). */
async function realKey(em: TestEmulator): Promise<{ key: string; url: string }> {
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  const url = new URL(res.json.CompliancePackReport.ReportUrl as string);
  return { key: decodeURIComponent(url.pathname.slice(1)), url: url.pathname + url.search };
}

/**
 * Warm-up, outside the watch: one real download. The report builder used to import exceljs lazily on
 * the first build, and loading a module reads its files under node_modules. That is module loading,
 * not serving a report from disk, so it happens here once, before any assertion; every later download
 * must then touch no file at all.
 */
t.before(async () => {
  const em = await testApp(t);
  const { url } = await realKey(em);
  const res = await em.app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`warm-up download failed: ${res.statusCode}`);
  // ...and one OSS error answer: its XML writer is loaded on first use too (module loading reads
  // files; serving a request must not).
  const refused = await em.app.inject({ method: 'GET', url: '/CompliancePackReports/warm-up' });
  if (refused.statusCode !== 403) throw new Error(`warm-up refusal failed: ${refused.statusCode}`);
});

const TRAVERSALS = [
  '../../../../etc/passwd',
  '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2E%2E/%2E%2E/%2E%2E/package.json',
  '..%5c..%5c..%5cpackage.json',
  '..\\..\\..\\package.json',
  '%252e%252e%252fpackage.json',
  '..%c0%af..%c0%afpackage.json',
  '....//....//package.json',
  '../package.json',
  './../../src/app.ts',
  '%2F%2F..%2F..%2Fpackage.json',
  'x/%00/../../package.json',
  'x%00.zip',
  '%00',
  'a%ff',
  '%',
  '%zz',
  '',
  '/etc/passwd',
  '//etc/passwd',
  'C:%5CWindows%5Cwin.ini',
  'file:%2F%2F%2Fetc%2Fpasswd',
  '\u00e9t\u00e9/%E2%80%AE.zip',
  '%F0%9F%98%80/%F0%9F%98%80.zip',
  '%ED%A0%80.zip',
  'a'.repeat(1100),
  'a/'.repeat(600),
  '1009318965421234/cp-fdc8626622af00f9a1b2/../cp-fdc8626622af00f9a1b2/x.zip',
];

t.test('traversal, encoded slashes, backslashes, null bytes, huge and unicode keys: OSS errors, never a file', async (t) => {
  const em = await testApp(t);
  const { key: real } = await realKey(em);
  let n = 0;
  for (const prefix of REPORT_PREFIXES) {
    for (const tail of TRAVERSALS) {
      const path = `/${prefix}/${tail}`;
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(path.slice(1));
      } catch {
        decoded = undefined;
      }
      // Unsigned, signed for the decoded key (reaches the lookup), and HEAD.
      const urls = [path, `${path}?Expires=1&OSSAccessKeyId=x&Signature=y`];
      if (decoded !== undefined) urls.push(`${path}?${signedQuery(em, decoded)}`);
      for (const url of urls) {
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await download(em, url, method);
          n++;
          if (decoded === real) continue;
          const code = checkRefused(t, res, `${method} ${url.slice(0, 120)}`, method);
          // inject (like curl without --path-as-is) resolves ../ and backslashes before sending, so
          // only answers of the download route itself are held to NoSuchKey.
          const literalDots = /(^|\/)\.\.?(\/|$)|\\/.test(tail);
          if (method === 'GET' && res.headers['x-oss-request-id'] && !literalDots && url.includes('Signature=') && decoded !== undefined && !url.includes('Signature=y') && decoded.length <= 1023 && !decoded.includes('\0')) {
            t.equal(code, 'NoSuchKey', `signed ${tail.slice(0, 60)} -> NoSuchKey`);
          }
        }
      }
    }
  }
  t.same(fsCalls, [], 'no filesystem access while serving downloads');
  t.comment(`${n} download requests`);
});

t.test('specific answers: bad encoding -> InvalidURI, null byte or >1023 chars -> InvalidObjectName, unsigned -> AccessDenied', async (t) => {
  const em = await testApp(t);
  const cases: [string, number, string][] = [
    ['/CompliancePackReports/a%ff', 400, 'InvalidURI'],
    ['/CompliancePackReports/%zz', 400, 'InvalidURI'],
    ['/CompliancePackReports/%ED%A0%80', 400, 'InvalidURI'],
    ['/CompliancePackReports/x%00y', 400, 'InvalidObjectName'],
    [`/CompliancePackReports/${'a'.repeat(1010)}`, 400, 'InvalidObjectName'],
    ['/CompliancePackReports/..%2F..%2Fetc%2Fpasswd', 403, 'AccessDenied'],
    ['/ConfigRuleReports/..%2F..%2Fetc%2Fpasswd?Expires=99999999999&OSSAccessKeyId=nobody&Signature=x', 403, 'InvalidAccessKeyId'],
  ];
  const emulatorDate = new Date(em.clock.now()).toUTCString();
  for (const [url, status, code] of cases) {
    const res = await download(em, url);
    t.equal(res.status, status, url.slice(0, 80));
    t.equal(checkRefused(t, res, url), code, `${url.slice(0, 80)} -> ${code}`);
    t.equal(res.headers.date, emulatorDate, `${url.slice(0, 80)}: Date from the emulator clock`);
  }
  t.same(fsCalls, [], 'no filesystem access');
});

t.test('a valid link still downloads, and the same key reached through ../ segments does not', async (t) => {
  const em = await testApp(t);
  const { key, url } = await realKey(em);
  const ok = await download(em, url);
  t.equal(ok.status, 200, 'the real link works');
  const [prefix, ...rest] = key.split('/');
  const dotted = `${prefix}/x/../${rest.join('/')}`;
  const res = await download(em, `/${prefix}/${encodeURIComponent(dotted.slice(prefix.length + 1))}?${signedQuery(em, dotted)}`);
  t.equal(res.status, 404, 'no path normalization: x/../ is part of the key');
  t.equal(checkRefused(t, res, dotted), 'NoSuchKey');
  const slashes = `/${prefix}/${rest.map(encodeURIComponent).join('%2F')}`;
  const viaEncoded = await download(em, `${slashes}?${signedQuery(em, key)}`);
  t.equal(viaEncoded.status, 200, 'an encoded slash decodes to the same key (OSS keys are flat strings)');
  t.same(fsCalls, [], 'no filesystem access');
});

t.test('fuzzed keys and queries: only the exact stored key is ever served', async (t) => {
  const em = await testApp(t);
  const { key: real } = await realKey(em);
  const prefix = fc.constantFrom(...REPORT_PREFIXES, 'CompliancePackReports/..', '%2e%2e', 'x');
  const segment = fc.oneof(anyString, fc.constantFrom('..', '.', '%2e%2e', '%2F', '%5C', '\\', '%00', '%', '%ff', '~', '%C0%AE', ''));
  const arb = fc.record({
    prefix,
    segments: fc.array(segment, { maxLength: 6 }),
    encode: fc.constantFrom('pct', 'raw'),
    query: fc.constantFrom('none', 'signed', 'junk', 'expired'),
    method: fc.constantFrom<'GET' | 'HEAD'>('GET', 'HEAD'),
  });
  await runProperty(t, arb, async (r) => {
    const tail = r.encode === 'pct' ? r.segments.map(pct).join('/') : r.segments.map((s) => s.replace(/[^\x21-\x7e]/g, '').replace(/[?#]/g, '')).join('/');
    const path = `/${r.prefix}/${tail}`;
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(path.slice(1));
    } catch {
      decoded = undefined;
    }
    let q = '';
    if (r.query === 'signed' && decoded !== undefined) q = `?${signedQuery(em, decoded)}`;
    if (r.query === 'junk') q = `?Expires=${pct('1e9')}&OSSAccessKeyId=${pct('<x>&')}&Signature=${pct('\u0001&foo;')}`;
    if (r.query === 'expired') q = `?Expires=1&OSSAccessKeyId=${OSS_ACCESS_KEY_ID}&Signature=x`;
    const res = await download(em, path + q, r.method);
    if (decoded === real && r.query === 'signed') {
      if (res.status !== 200) throw new Error(`the real key was refused: ${res.status}`);
      return;
    }
    const before = t.counts.fail;
    checkRefused(t, res, `${r.method} ${(path + q).slice(0, 200)}`, r.method);
    if (t.counts.fail !== before) throw new Error(`invariant broken for ${path.slice(0, 200)}`);
  });
  t.same(fsCalls, [], 'no filesystem access');
});

t.test('a report link cannot be re-pointed: a signature for one key does not open another', async (t) => {
  const em = await testApp(t);
  const { key } = await realKey(em);
  const other = key.replace(/\.zip$/, '.xlsx');
  const url = new URL(signedReportUrl('http://localhost', key, em.clock.now(), 3600));
  const res = await download(em, `/${encodeKey(other)}${url.search}`);
  t.equal(res.status, 403);
  t.equal(checkRefused(t, res, other), 'SignatureDoesNotMatch');
});

t.test('over real HTTP, raw ../ paths (no client-side normalization) reach the route and get NoSuchKey', async (t) => {
  const em = await testApp(t);
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = em.app.server.address() as AddressInfo;
  const raw = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let data = '';
      sock.setEncoding('latin1');
      sock.on('data', (c) => (data += c));
      sock.on('error', reject);
      sock.on('end', () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
        resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
      });
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
  for (const key of ['CompliancePackReports/../../../../etc/passwd', 'CompliancePackReports/../package.json', 'ConfigRuleReports/./../../src/app.ts', 'ConfigRulesReports/..\\..\\package.json']) {
    watching = true;
    const res = await raw(`/${key}?${signedQuery(em, key)}`).finally(() => (watching = false));
    t.equal(res.status, 404, key);
    const body = res.body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '');
    t.equal(checkRefused(t, { status: res.status, body, headers: {} }, key), 'NoSuchKey', `${key} -> NoSuchKey`);
  }
  const bad = await raw('/CompliancePackReports/%zz');
  t.equal(bad.status, 400, 'bad encoding over HTTP');
  t.same(fsCalls, [], 'no filesystem access');
});
