/**
 * Every size the emulator accepts is bounded, and each bound answers a documented error
 * (docs/reliability.md): body size, parameter count, parameter length, JSON-string size and depth,
 * page sizes (over every registered action that pages), per-account resource counts, and the HTTP
 * header size of a real server. A refused request never changes the store.
 */
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import t from 'tap';
import { BODY_LIMIT } from '../src/app.js';
import { LIMITS } from '../src/actions/aggregators.js';
import { PACK_LIMITS } from '../src/actions/pack-rules.js';
import { PAGE } from '../src/actions/shared.js';
import { MAX_PARAMETERS } from '../src/protocol/form.js';
import { DEFAULT_MAX_LENGTH, MAX_JSON_DEPTH, MAX_JSON_LENGTH } from '../src/protocol/params.js';
import { call, DEMO, dumpStore, expectError, settledDump, testApp } from './helpers.js';
import { ACTION_NAMES, acceptsOf, checkRpcAnswer, parseXml, child } from './fuzz/harness.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

t.test('body size: over 1 MiB answers 413 RequestBodyTooLarge in the requested format', async (t) => {
  const em = await testApp(t);
  const before = await settledDump(em);
  const big = 'Description=' + 'a'.repeat(BODY_LIMIT);
  const cases = [
    { url: '/?Action=CreateAggregator&Format=JSON', headers: FORM, format: 'JSON' as const },
    { url: '/?Action=CreateAggregator&Format=XML', headers: FORM, format: 'XML' as const },
    { url: '/?Action=CreateAggregator', headers: FORM, format: 'XML' as const },
    { url: '/', headers: { ...FORM, 'x-acs-action': 'CreateAggregator', 'x-acs-version': '2020-09-07' }, format: 'JSON' as const },
    { url: '/?Action=CreateAggregator&Format=JSON', headers: { 'content-type': 'application/json' }, format: 'JSON' as const },
    { url: '/?Action=CreateAggregator&Format=JSON', headers: { 'content-type': 'application/octet-stream' }, format: 'JSON' as const },
  ];
  for (const c of cases) {
    const res = await em.app.inject({ method: 'POST', url: c.url, headers: c.headers, payload: big });
    t.equal(res.statusCode, 413, `${c.url} ${c.headers['content-type']}`);
    const checked = checkRpcAnswer({ status: res.statusCode, contentType: String(res.headers['content-type']), body: res.body }, c.format);
    t.equal(checked.code, 'RequestBodyTooLarge');
  }
  const fits = await em.app.inject({ method: 'POST', url: '/?Action=ListAggregators&MaxResults=10&Format=JSON', headers: FORM, payload: 'x='.padEnd(BODY_LIMIT - 10, 'a') });
  t.not(fits.statusCode, 413, 'a body just under the limit is read');
  t.equal(dumpStore(em), before, 'nothing changed');
});

t.test(`parameter count: more than ${MAX_PARAMETERS} in the query or the body answers 400 TooManyParameters`, async (t) => {
  const em = await testApp(t);
  const before = await settledDump(em);
  const many = (n: number) => Array.from({ length: n }, (_, i) => `X${i}=1`).join('&');
  // A query that cannot be read at all answers like malformed encoding: XML, or JSON for header style.
  const q = await em.app.inject({ method: 'GET', url: `/?Action=ListAggregators&MaxResults=10&Format=JSON&${many(MAX_PARAMETERS)}` });
  t.equal(q.statusCode, 400);
  t.equal(child(parseXml(q.body), 'Code')?.text, 'TooManyParameters', 'query');
  const qh = await em.app.inject({ method: 'GET', url: `/?MaxResults=10&${many(MAX_PARAMETERS)}`, headers: { 'x-acs-action': 'ListAggregators', 'x-acs-version': '2020-09-07' } });
  t.equal(JSON.parse(qh.body).Code, 'TooManyParameters', 'query, header style');
  const b = await em.app.inject({ method: 'POST', url: '/?Action=ListAggregators&MaxResults=10&Format=JSON', headers: FORM, payload: many(MAX_PARAMETERS + 1) });
  t.equal(b.statusCode, 400);
  t.equal(JSON.parse(b.body).Code, 'TooManyParameters', 'body, in the requested format');
  const xml = await em.app.inject({ method: 'POST', url: '/?Action=ListAggregators&MaxResults=10', headers: FORM, payload: many(MAX_PARAMETERS + 1) });
  t.equal(child(parseXml(xml.body), 'Code')?.text, 'TooManyParameters', 'XML too');
  const under = await em.app.inject({ method: 'POST', url: '/?Action=ListAggregators&MaxResults=10&Format=JSON', headers: FORM, payload: many(MAX_PARAMETERS - 10) });
  t.equal(JSON.parse(under.body).Code, 'InvalidParameter', 'under the bound the parameters are read (and refused as unknown)');
  t.equal(dumpStore(em), before, 'nothing changed');
});

t.test('parameter length: strings over their maxLength (default 4096) answer Invalid{Name}', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'a'.repeat(129), AggregatorType: 'RD' }, { status: 400, code: 'InvalidAggregatorName' }, { method: 'POST' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'ok', AggregatorType: 'RD', Description: 'd'.repeat(1025) }, { status: 400, code: 'InvalidDescription' }, { method: 'POST' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'ok', AggregatorType: 'RD', ClientToken: 't'.repeat(65) }, { status: 400, code: 'InvalidClientToken' }, { method: 'POST' });
  await expectError(t, em, 'GetAggregator', { AggregatorId: 'c'.repeat(DEFAULT_MAX_LENGTH + 1) }, { status: 400, code: 'InvalidAggregatorId' }, { method: 'POST' });
  // Every string parameter of every registered action refuses an over-long value (no maxLength is unbounded).
  let checked = 0;
  for (const action of ACTION_NAMES) {
    for (const name of acceptsOf(action)) {
      const before = await settledDump(em);
      const res = await call(em, action, { [name]: 'x'.repeat(MAX_JSON_LENGTH + 1) }, { method: 'POST' });
      checkRpcAnswer({ status: res.status, contentType: String(res.headers['content-type']), body: res.body }, 'JSON');
      if (res.status === 200) t.fail(`${action}.${name} accepted a ${MAX_JSON_LENGTH + 1}-character value`);
      t.equal(dumpStore(em), before, `${action}.${name}: over-long value refused (${res.json.Code}), store unchanged`);
      checked++;
    }
  }
  t.comment(`${checked} parameters of ${ACTION_NAMES.length} actions refuse over-long values`);
});

t.test('JSON-string parameters: bounded length and depth, flattened depth too', async (t) => {
  const em = await testApp(t);
  const base = { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'p' };
  const long = JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited', Description: 'd'.repeat(MAX_JSON_LENGTH) }]);
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: long }, { status: 400, code: 'Invalid.ConfigRules.Value' }, { method: 'POST' });
  const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: deep }, { status: 400, code: 'Invalid.ConfigRules.Value' }, { method: 'POST' });
  const veryDeep = '['.repeat(100_000) + ']'.repeat(100_000);
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: veryDeep }, { status: 400, code: 'Invalid.ConfigRules.Value' }, { method: 'POST' });
  // Flattened keys deeper than the JSON limit: once a stack overflow (500), now the parameter's error.
  for (const depth of [MAX_JSON_DEPTH + 1, 10_000, 200_000]) {
    const before = await settledDump(em);
    const res = await em.app.inject({
      method: 'POST', url: '/?Action=CreateAggregateCompliancePack&Format=JSON', headers: FORM,
      payload: `AggregatorId=${DEMO.aggregatorId}&CompliancePackName=p&ConfigRules${'.1'.repeat(depth)}=x`,
    });
    t.equal(res.statusCode, 400, `flattened depth ${depth}`);
    t.equal(JSON.parse(res.body).Code, 'Invalid.ConfigRules.Value');
    t.equal(dumpStore(em), before);
  }
  const tags = await em.app.inject({ method: 'POST', url: '/?Action=ListAggregators&MaxResults=10&Format=JSON', headers: FORM, payload: `Tag${'.1'.repeat(50_000)}=x` });
  t.equal(JSON.parse(tags.body).Code, 'Invalid.Tag.Value', 'the action\'s own error for its structured parameter');
});

t.test('page sizes: bounded on every registered action that pages', async (t) => {
  const em = await testApp(t);
  t.equal(PAGE.maxSize, 100);
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageSize: 0 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
  await expectError(t, em, 'ListAggregators', { MaxResults: 101 }, { status: 400, code: 'InvalidMaxResults' });
  const far = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageNumber: 2 ** 31 - 1, PageSize: 100 });
  t.equal(far.status, 200, 'the last possible page is an empty page, not an error');
  t.same(far.json.CompliancePacksResult.CompliancePacks, []);
  let paging = 0;
  for (const action of ACTION_NAMES) {
    for (const name of acceptsOf(action).filter((n) => n === 'PageSize' || n === 'MaxResults')) {
      for (const bad of ['1001', '0', '-1', '2147483648']) {
        const res = await call(em, action, { [name]: bad, AggregatorId: DEMO.aggregatorId }, { method: 'POST' });
        t.equal(res.status, 400, `${action} ${name}=${bad} is refused`);
      }
      paging++;
    }
  }
  t.ok(paging >= 2, `${paging} paging parameters checked`);
});

t.test('per-account resource counts answer the documented limit errors', async (t) => {
  const em = await testApp(t);
  for (let i = 0; i < LIMITS.aggregatorsPerAccount; i++) {
    const r = await call(em, 'CreateAggregator', { AggregatorName: `n-${i}`, AggregatorType: 'RD', AccessKeyId: 'LTAI5tEmulatorTomKey' }, { method: 'POST' });
    t.equal(r.status, 200);
  }
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'one-too-many', AggregatorType: 'RD', AccessKeyId: 'LTAI5tEmulatorTomKey' }, { status: 400, code: 'AggregatorExceedMaxCount' }, { method: 'POST' });
  const members = JSON.stringify(Array.from({ length: LIMITS.membersPerAggregator + 1 }, (_, i) => ({ AccountId: 100000 + i, AccountType: 'ResourceDirectory' })));
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'big', AggregatorAccounts: members }, { status: 400, code: 'Invalid.AggregatorAccounts.Value' }, { method: 'POST' });
  const rules = JSON.stringify(Array.from({ length: PACK_LIMITS.rulesPerPack + 1 }, () => ({ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' })));
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'big', ConfigRules: rules }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
  const tags = JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })));
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'tagged', AggregatorType: 'RD', Tag: tags }, { status: 400, code: 'Invalid.Tag.Value' }, { method: 'POST' });
});

t.test('real HTTP: oversized headers and request lines are refused by the server and it keeps serving', async (t) => {
  const em = await testApp(t);
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = em.app.server.address() as AddressInfo;
  const raw = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let data = '';
      sock.setEncoding('latin1');
      sock.on('data', (c) => (data += c));
      sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(data) : reject(e)));
      sock.on('end', () => resolve(data));
      sock.end(text);
    });
  const bigHeader = await raw(`GET /?Action=ListAggregators&MaxResults=10 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
  t.match(bigHeader, /^HTTP\/1\.1 431 /, '20 KB header: 431');
  const bigLine = await raw(`GET /?Action=ListAggregators&MaxResults=10&X=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.match(bigLine, /^HTTP\/1\.1 431 /, '20 KB request line: 431 (send large requests as POST bodies)');
  const garbage = await raw('\u0000\u0001 NOT HTTP AT ALL\r\n\r\n');
  t.match(garbage, /^(HTTP\/1\.1 400 |$)/, 'garbage: 400 or closed');
  const ok = await fetch(`http://127.0.0.1:${port}/?Action=ListAggregators&MaxResults=10&Format=JSON`);
  t.equal(ok.status, 200, 'still serving');
});
