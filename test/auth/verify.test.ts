/**
 * Signature verification through the RPC route (inject), strict mode unless a test says otherwise:
 * V1 and V3 happy paths, every check's error (code, status, message) and that a refused request
 * changed nothing; nonce cache bounds.
 */
import t, { type Test } from 'tap';
import { DEMO, dumpStore, NOW, testApp } from '../helpers.js';
import { NonceCache } from '../../src/auth/nonces.js';
import { TIMESTAMP_WINDOW_MS } from '../../src/auth/common.js';
import { freshNonce, v1Call, v3Call } from './sign.js';

const DEFAULT = DEMO.defaultKey;
const strict = { config: { auth: 'strict' as const } };
const RID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

type Res = { status: number; json: Record<string, any> };
function isError(t: Test, res: Res, status: number, code: string, message?: string | RegExp) {
  t.equal(res.status, status, `HTTP ${status}`);
  t.equal(res.json.Code, code, code);
  t.match(res.json.RequestId, RID);
  if (message !== undefined) t.match(res.json.Message, message);
}

t.test('V1: GET, pop-core POST (all in body) and openapi-client POST (common params in query) pass', async (t) => {
  const em = await testApp(t, strict);
  const get = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEFAULT, { now: NOW });
  t.equal(get.status, 200);
  t.equal(get.json.AggregatorsResult.Aggregators[0].AggregatorId, DEMO.aggregatorId, 'the default key is the management account');
  const post = await v1Call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId }, DEFAULT, { now: NOW, method: 'POST' });
  t.equal(post.status, 200);
  // openapi-client signatureAlgorithm 'v2': common params in the URL, action params in the form body.
  const { v1Params } = await import('./sign.js');
  const all = v1Params('GetAggregator', { AggregatorId: DEMO.aggregatorId }, DEFAULT, { now: NOW, method: 'POST', format: 'json' });
  const { AggregatorId, ...common } = all;
  const res = await em.app.inject({
    method: 'POST',
    url: `/?${new URLSearchParams(common).toString()}`,
    payload: `AggregatorId=${AggregatorId}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(res.statusCode, 200, 'split query/body POST');
  t.equal(res.headers['x-emulator-auth-warning'], undefined);
});

t.test('V1 errors in strict mode', async (t) => {
  const em = await testApp(t, strict);
  const before = dumpStore(em);
  const create = { AggregatorName: 'x', AggregatorType: 'RD' };

  const wrong = await v1Call(em, 'CreateAggregator', create, { id: DEFAULT.id, secret: 'wrong' }, { now: NOW, nonce: 'n-wrong' });
  isError(t, wrong, 400, 'SignatureDoesNotMatch', /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3DLTAI5tEmulatorDefaultKey%26Action%3DCreateAggregator%26AggregatorName%3Dx%26/);
  t.notMatch(wrong.json.Message, /Signature%3D/, 'the Signature itself is not part of the string to sign');

  isError(t, await v1Call(em, 'CreateAggregator', create, { id: 'LTAI5tNobody', secret: 'x' }, { now: NOW }), 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW - 20 * 60_000 }), 400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW + 20 * 60_000 }), 400, 'InvalidTimeStamp.Expired');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => (p.Timestamp = '2026/12/01 00:00:00') }), 400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => (p.SignatureMethod = 'HMAC-SHA256') }), 400, 'InvalidSignatureMethod', 'Specified signature method is not valid.');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => (p.SignatureVersion = '2.0') }), 400, 'InvalidSignatureVersion');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => delete p.Signature }), 400, 'MissingSignature', 'Signature is mandatory for this action.');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => delete p.SignatureNonce }), 400, 'MissingSignatureNonce');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => delete p.Timestamp }), 400, 'MissingTimestamp');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => delete p.AccessKeyId }), 400, 'MissingAccessKeyId');
  isError(t, await v1Call(em, 'CreateAggregator', create, DEFAULT, { now: NOW, mutate: (p) => (p.AggregatorName = 'tampered') }), 400, 'SignatureDoesNotMatch');
  const plain = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&Format=JSON&MaxResults=10' });
  isError(t, { status: plain.statusCode, json: JSON.parse(plain.body) }, 400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.');
  t.equal(dumpStore(em), before, 'no refused request wrote anything');

  // The wrong-secret attempt did not burn its nonce: the owner can still use it.
  t.equal((await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEFAULT, { now: NOW, nonce: 'n-wrong' })).status, 200);
});

t.test('V1 nonce replay: same key and nonce within the window is refused, other keys are not', async (t) => {
  const em = await testApp(t, strict);
  const first = await v1Call(em, 'CreateAggregator', { AggregatorName: 'once', AggregatorType: 'RD' }, DEFAULT, { now: NOW, nonce: 'replay-me' });
  t.equal(first.status, 200);
  const before = dumpStore(em);
  const again = await v1Call(em, 'CreateAggregator', { AggregatorName: 'once', AggregatorType: 'RD' }, DEFAULT, { now: NOW, nonce: 'replay-me' });
  isError(t, again, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
  t.equal(dumpStore(em), before, 'the replay created nothing');
  t.equal((await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEMO.aliceKey, { now: NOW, nonce: 'replay-me' })).status, 200, 'another key may use the same nonce');
});

t.test('V3: GET, POST form, POST with query only, SM3, STS token, extra signed headers', async (t) => {
  const em = await testApp(t, strict);
  const get = await v3Call(em, 'GetAggregateCompliancePackReport', DEFAULT, {
    method: 'GET', query: { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, now: NOW,
  });
  t.equal(get.status, 200);
  t.equal(get.json.CompliancePackReport.ReportStatus, 'COMPLETE');
  const post = await v3Call(em, 'CreateAggregator', DEFAULT, {
    body: { AggregatorName: "o'neil (x) *", AggregatorType: 'CUSTOM', AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' }]) },
    now: NOW,
  });
  t.equal(post.status, 200, post.body);
  t.match(post.json.AggregatorId, /^ca-/);
  t.equal((await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW })).status, 200, 'POST with query only, empty body');
  const sm3 = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, algorithm: 'ACS3-HMAC-SM3' });
  t.equal(sm3.status, 200, 'ACS3-HMAC-SM3');
  const sts = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, extraHeaders: { 'x-acs-security-token': 'CAIS-any-token', 'x-acs-accesskey-id': DEFAULT.id } });
  t.equal(sts.status, 200, 'an STS token is accepted');
  const extra = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, extraHeaders: { 'x-acs-retry-attempts': '1' } });
  t.equal(extra.status, 200, 'SignedHeaders is taken from the request');
  const unsignedAdded = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, tamper: (r) => (r.headers['x-custom'] = 'late') });
  t.equal(unsignedAdded.status, 200, 'headers outside SignedHeaders do not matter');
});

t.test('V3 errors in strict mode', async (t) => {
  const em = await testApp(t, strict);
  const before = dumpStore(em);
  const body = { AggregatorName: 'x', AggregatorType: 'RD' };
  const wrong = await v3Call(em, 'CreateAggregator', { id: DEFAULT.id, secret: 'wrong' }, { body, now: NOW });
  isError(t, wrong, 400, 'SignatureDoesNotMatch', /^Specified signature does not match our calculation\. server StringToSign is \[ACS3-HMAC-SHA256\n[0-9a-f]{64}\]$/);
  const sm3 = await v3Call(em, 'CreateAggregator', { id: DEFAULT.id, secret: 'wrong' }, { body, now: NOW, algorithm: 'ACS3-HMAC-SM3' });
  isError(t, sm3, 400, 'SignatureDoesNotMatch', /\[ACS3-HMAC-SM3\n[0-9a-f]{64}\]$/);
  const bodyTampered = await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => (r.payload = String(r.payload).replace('x', 'y')) });
  isError(t, bodyTampered, 400, 'SignatureDoesNotMatch', /StringToSign/); // the body no longer matches x-acs-content-sha256
  const queryTampered = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, tamper: (r) => (r.url = '/?MaxResults=11') });
  isError(t, queryTampered, 400, 'SignatureDoesNotMatch');
  const hostChanged = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, tamper: (r) => (r.headers.host = 'other:1') });
  isError(t, hostChanged, 400, 'SignatureDoesNotMatch', /StringToSign/); // the Host header is signed as received
  isError(t, await v3Call(em, 'CreateAggregator', { id: 'LTAI5tNobody', secret: 'x' }, { body, now: NOW }), 404, 'InvalidAccessKeyId.NotFound');
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW - 16 * 60_000 }), 400, 'InvalidTimeStamp.Expired');
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => (r.headers['x-acs-date'] = 'yesterday') }), 400, 'InvalidTimeStamp.Format');
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => delete r.headers['x-acs-date'] }), 400, 'MissingTimestamp');
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => delete r.headers['x-acs-signature-nonce'] }), 400, 'MissingSignatureNonce');
  isError(
    t,
    await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => (r.headers.Authorization = r.headers.Authorization.replace(/,Signature=.*$/, '')) }),
    400, 'IncompleteSignature', /^The request signature does not conform to Aliyun standards\. Authorization lacks Signature\.$/,
  );
  isError(
    t,
    await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => (r.headers.Authorization = r.headers.Authorization.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-MD5')) }),
    400, 'InvalidSignatureMethod',
  );
  // A signature must cover host and every x-acs-* header sent: else the action, date or nonce of a
  // request seen once could be changed and the request sent again.
  const lacks = (name: string) => new RegExp(`^The request signature does not conform to Aliyun standards\\. SignedHeaders lacks ${name}\\.$`);
  const actionAdded = await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, omitHeaders: ['x-acs-action'], tamper: (r) => (r.headers['x-acs-action'] = 'CreateAggregator') });
  isError(t, actionAdded, 400, 'IncompleteSignature', lacks('x-acs-action'));
  const dateAdded = await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, omitHeaders: ['x-acs-date'], tamper: (r) => (r.headers['x-acs-date'] = new Date(NOW).toISOString().replace(/\.\d+Z$/, 'Z')) });
  isError(t, dateAdded, 400, 'IncompleteSignature', lacks('x-acs-date'));
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, tamper: (r) => (r.headers['x-acs-extra'] = '1') }), 400, 'IncompleteSignature', lacks('x-acs-extra'));
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, omitHeaders: ['host'] }), 400, 'IncompleteSignature', lacks('host'));
  t.equal(dumpStore(em), before, 'no refused request wrote anything');

  const ok = await v3Call(em, 'CreateAggregator', DEFAULT, { body, now: NOW, nonce: 'v3-replay' });
  t.equal(ok.status, 200);
  const afterOk = dumpStore(em);
  isError(t, await v3Call(em, 'CreateAggregator', DEFAULT, { body: { ...body, AggregatorName: 'y' }, now: NOW, nonce: 'v3-replay' }), 400, 'SignatureNonceUsed');
  t.equal(dumpStore(em), afterOk, 'the replay created nothing');
});

t.test('warn mode: served, with x-emulator-auth-warning and a log line; no secrets or signatures logged', async (t) => {
  const lines: string[] = [];
  const stream = { write: (s: string) => void lines.push(s) };
  const em = await testApp(t, { config: { auth: 'warn' }, logger: { level: 'warn', stream } });
  const badV1 = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, { id: DEMO.aliceKey.id, secret: 'wrong-secret-value' }, { now: NOW });
  t.equal(badV1.status, 200, 'served');
  t.same(badV1.json.AggregatorsResult.Aggregators, [], "as Alice's account (the presented key decides)");
  const w1 = String(badV1.headers['x-emulator-auth-warning']);
  t.match(w1, /^SignatureDoesNotMatch: Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3DLTAI5tEmulatorAliceKey%26/);

  const badV3 = await v3Call(em, 'ListAggregators', { id: DEFAULT.id, secret: 'wrong-secret-value' }, { query: { MaxResults: '10' }, now: NOW });
  t.equal(badV3.status, 200);
  t.match(String(badV3.headers['x-emulator-auth-warning']), /^SignatureDoesNotMatch: .*\[ACS3-HMAC-SHA256\\n[0-9a-f]{64}\]$/, 'single line, \\n escaped');

  const unknown = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, { id: 'LTAI5tNobody', secret: 'x' }, { now: NOW });
  t.equal(unknown.status, 200);
  t.equal(unknown.json.AggregatorsResult.Aggregators[0].AggregatorId, DEMO.aggregatorId, 'an unknown key acts as the default account');
  t.match(String(unknown.headers['x-emulator-auth-warning']), /^InvalidAccessKeyId\.NotFound: /);

  const stale = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEFAULT, { now: NOW - 3600_000 });
  t.equal(stale.status, 200);
  t.match(String(stale.headers['x-emulator-auth-warning']), /^InvalidTimeStamp\.Expired: /);

  const good = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEFAULT, { now: NOW });
  t.equal(good.headers['x-emulator-auth-warning'], undefined, 'a good signature: no warning');
  const curl = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&Format=JSON&MaxResults=10' });
  t.equal(curl.statusCode, 200, 'no credentials: the default account');
  t.equal(curl.headers['x-emulator-auth-warning'], undefined, 'and no warning');

  const sts = await v1Call(em, 'ListAggregators', { MaxResults: '10', SecurityToken: 'CAIS-token-value' }, { id: DEFAULT.id, secret: 'wrong' }, { now: NOW });
  t.match(String(sts.headers['x-emulator-auth-warning']), /SecurityToken%3DCAIS-token-value/, 'the caller gets its own string-to-sign back');
  const stsV3 = await v3Call(em, 'ListAggregators', { id: DEFAULT.id, secret: 'wrong' }, { query: { MaxResults: '10' }, now: NOW, extraHeaders: { 'x-acs-security-token': 'CAIS-token-value' } });
  t.equal(stsV3.status, 200);

  const log = lines.join('');
  t.notMatch(log, /CAIS-token-value/, 'STS tokens are masked in the log');
  t.match(log, /SecurityToken%3D\*\*\*/);
  t.match(log, /x-acs-security-token:\*\*\*/);
  t.match(log, /auth check failed, served anyway \(warn mode\)/);
  t.match(log, /"canonicalRequest":"POST\\n\/\\nMaxResults=10\\n/, 'the V3 canonical request is logged');
  t.notMatch(log, /wrong-secret-value|EmulatorDefaultSecret|EmulatorAliceSecret/, 'no secret in the log');
  t.notMatch(log, /Signature=|"Signature"/, 'no signature in the log');
});

t.test('off mode: no verification, no header; the key still picks the account', async (t) => {
  const em = await testApp(t, { config: { auth: 'off' } });
  const res = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, { id: DEMO.aliceKey.id, secret: 'wrong' }, { now: NOW - 86_400_000 });
  t.equal(res.status, 200);
  t.equal(res.headers['x-emulator-auth-warning'], undefined);
  t.same(res.json.AggregatorsResult.Aggregators, [], 'Alice');
  const v3 = await v3Call(em, 'ListAggregators', { id: DEMO.aliceKey.id, secret: 'wrong' }, { query: { MaxResults: '10' }, now: NOW });
  t.equal(v3.status, 200);
  t.same(v3.json.AggregatorsResult.Aggregators, [], 'Alice via Credential=');
});

t.test('NonceCache: replay within the window, expiry, bounded size', async (t) => {
  const c = new NonceCache(3);
  t.ok(c.use('k', 'a', NOW, NOW));
  t.notOk(c.use('k', 'a', NOW, NOW + 1000), 'replay');
  t.ok(c.use('k2', 'a', NOW, NOW), 'keyed by access key too');
  t.ok(c.use('k', 'a', NOW, NOW + TIMESTAMP_WINDOW_MS + 1), 'usable again once the window has passed');
  for (let i = 0; i < 10; i++) c.use('k', `n${i}`, NOW, NOW);
  t.equal(c.size, 3, 'never more than the capacity');
  t.notOk(c.use('k', 'n9', NOW, NOW), 'the newest are kept');
  t.ok(c.use('k', 'n0', NOW, NOW), 'the oldest were dropped');
  const big = new NonceCache();
  for (let i = 0; i < 1000; i++) big.use('k', freshNonce(), NOW + i * 1000, NOW + i * 1000);
  t.ok(big.size < 1000, 'expired entries are swept as time passes');
});

t.test('warn mode: the warning also rides on an error answer of the action itself', async (t) => {
  const em = await testApp(t, { config: { auth: 'warn' } });
  const res = await v1Call(em, 'GetAggregator', { AggregatorId: 'ca-0000000000000000dead' }, { id: DEFAULT.id, secret: 'wrong' }, { now: NOW });
  t.equal(res.status, 400);
  t.equal(res.json.Code, 'Invalid.AggregatorId.Value');
  t.match(String(res.headers['x-emulator-auth-warning']), /^SignatureDoesNotMatch: /);
});

t.test('V3 without an x-acs-content-sha256 header: the computed body hash is used', async (t) => {
  const em = await testApp(t, strict);
  const unsent = await v3Call(em, 'CreateAggregator', DEFAULT, { body: { AggregatorName: 'no-hash-header', AggregatorType: 'RD' }, now: NOW, omitHeaders: ['x-acs-content-sha256'] });
  t.equal(unsent.status, 200, 'signed without the header: verifies against the computed hash');
  const dropped = await v3Call(em, 'ListAggregators', DEFAULT, { query: { MaxResults: '10' }, now: NOW, tamper: (r) => delete r.headers['x-acs-content-sha256'] });
  t.equal(dropped.json.Code, 'SignatureDoesNotMatch', 'a signed header that went missing changes the canonical request');
});

t.test('V3 with a body that is not a form: its bytes are hashed, its content gives no parameters', async (t) => {
  const em = await testApp(t, strict);
  const json = { contentType: 'application/json', bytes: Buffer.from(JSON.stringify({ AggregatorId: 'ca-0000000000000000dead' })) };
  const res = await v3Call(em, 'GetAggregator', DEFAULT, { query: { AggregatorId: DEMO.aggregatorId }, rawBody: json, now: NOW });
  t.equal(res.status, 200, 'the signature over the JSON bytes holds');
  t.equal(res.json.Aggregator.AggregatorId, DEMO.aggregatorId, "the query's parameter, not the JSON body's");
  const binary = { contentType: 'application/octet-stream', bytes: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]) };
  const bytes = await v3Call(em, 'GetAggregator', DEFAULT, { query: { AggregatorId: DEMO.aggregatorId }, rawBody: binary, now: NOW });
  t.equal(bytes.status, 200, 'bytes that are not UTF-8 are hashed as they are');
  const changed = await v3Call(em, 'GetAggregator', DEFAULT, {
    query: { AggregatorId: DEMO.aggregatorId }, rawBody: json, now: NOW,
    tamper: (r) => { r.payload = Buffer.from(JSON.stringify({ AggregatorId: 'ca-0000000000000000beef' })); },
  });
  isError(t, changed, 400, 'SignatureDoesNotMatch');
  const missing = await v3Call(em, 'GetAggregator', DEFAULT, { rawBody: { contentType: 'application/json', bytes: Buffer.from(`{"AggregatorId":"${DEMO.aggregatorId}"}`) }, now: NOW });
  isError(t, missing, 400, 'MissingAggregatorId');
});
