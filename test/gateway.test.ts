/**
 * The RPC gateway: parameters from query and form, Action/Version/Format from parameters or x-acs-*
 * headers, the error envelope in JSON and XML, and the gateway's own errors.
 */
import { request } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import t from 'tap';
import { call, DEMO, dumpStore, testApp } from './helpers.js';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
const report = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };

t.test('Format decides JSON or XML, case-insensitively; classic requests default to XML', async (t) => {
  const em = await testApp(t);
  for (const format of ['JSON', 'json', 'Json'] as const) {
    const res = await em.app.inject({ method: 'GET', url: `/?Action=GetAggregateCompliancePackReport&AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}&Format=${format}` });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-type'], 'application/json;charset=utf-8');
    t.match(JSON.parse(res.body).RequestId, REQUEST_ID);
  }
  const xml = await call(em, 'GetAggregateCompliancePackReport', report, { format: null });
  // Successes: the API page's example type (errors keep text/xml;charset=utf-8, below).
  t.equal(xml.headers['content-type'], 'application/xml;charset=utf-8');
  t.match(xml.body, /^<\?xml version="1\.0" encoding="utf-8"\?><GetAggregateCompliancePackReportResponse><RequestId>/);
  const lower = await call(em, 'GetAggregateCompliancePackReport', report, { format: 'xml' as 'XML' });
  t.equal(lower.headers['content-type'], 'application/xml;charset=utf-8');
});

t.test('current-SDK requests (x-acs-action header, no Format) get JSON', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({
    method: 'GET',
    url: `/?AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}`,
    headers: { 'x-acs-action': 'GetAggregateCompliancePackReport', 'x-acs-version': '2020-09-07', accept: 'application/json' },
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json;charset=utf-8');
  t.equal(JSON.parse(res.body).CompliancePackReport.ReportStatus, 'COMPLETE');
});

t.test('parameters merge from query and form body; POST works', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({
    method: 'POST',
    url: `/?Action=GetAggregateCompliancePackReport&Format=JSON&Version=2020-09-07`,
    payload: `AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(res.statusCode, 200);
  t.equal(JSON.parse(res.body).CompliancePackReport.CompliancePackId, DEMO.compliancePackId);
});

t.test('error envelope: JSON and XML, with RequestId, HostId, Code, Message, Recommend', async (t) => {
  const em = await testApp(t);
  const json = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: 'ca-0000000000000000dead', CompliancePackId: DEMO.compliancePackId });
  t.equal(json.status, 400);
  t.equal(json.headers['content-type'], 'application/json;charset=utf-8');
  t.same(Object.keys(json.json), ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
  t.match(json.json, {
    HostId: 'config.cn-shanghai.aliyuncs.com',
    Code: 'Invalid.AggregatorId.Value',
    Message: 'The specified AggregatorId is invalid.',
    Recommend: `https://api.aliyun.com/troubleshoot?q=Invalid.AggregatorId.Value&product=Config&requestId=${json.json.RequestId}`,
  });
  const xml = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: 'ca-0000000000000000dead', CompliancePackId: DEMO.compliancePackId }, { format: 'XML' });
  t.equal(xml.status, 400);
  t.equal(xml.headers['content-type'], 'text/xml;charset=utf-8');
  t.match(
    xml.body,
    /^<\?xml version='1\.0' encoding='UTF-8'\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>config\.cn-shanghai\.aliyuncs\.com<\/HostId><Code>Invalid\.AggregatorId\.Value<\/Code><Message>The specified AggregatorId is invalid\.<\/Message><Recommend><!\[CDATA\[https:\/\/api\.aliyun\.com\/troubleshoot\?q=Invalid\.AggregatorId\.Value&product=Config&requestId=[0-9A-F-]{36}\]\]><\/Recommend><\/Error>$/,
  );
});

t.test('gateway errors', async (t) => {
  const em = await testApp(t);
  const before = dumpStore(em);
  const cases: { name: string; url: string; headers?: Record<string, string>; status: number; code: string; message: string; type: string }[] = [
    { name: 'missing Action', url: '/?Format=JSON', status: 400, code: 'MissingAction', message: 'Action is mandatory for this action.', type: 'json' },
    { name: 'missing Action, XML by default', url: '/', status: 400, code: 'MissingAction', message: 'Action is mandatory for this action.', type: 'xml' },
    { name: 'unknown action', url: '/?Action=NoSuchThing&Format=JSON', status: 404, code: 'InvalidAction.NotFound', message: 'Specified api is not found, please check your url and method.', type: 'json' },
    { name: 'real action not emulated', url: '/?Action=ListDiscoveredResources&Format=JSON', status: 501, code: 'NotImplemented', message: 'The action ListDiscoveredResources exists in Config 2020-09-07 but is not implemented by alicloud-config-emulator.', type: 'json' },
    { name: 'wrong Version', url: '/?Action=ListAggregators&MaxResults=10&Version=2019-01-08&Format=JSON', status: 400, code: 'InvalidVersion', message: 'Specified parameter Version is not valid.', type: 'json' },
    { name: 'wrong x-acs-version', url: '/?MaxResults=10', headers: { 'x-acs-action': 'ListAggregators', 'x-acs-version': '2019-01-08' }, status: 400, code: 'InvalidVersion', message: 'Specified parameter Version is not valid.', type: 'json' },
    { name: 'bad Format', url: '/?Action=ListAggregators&MaxResults=10&Format=YAML', status: 400, code: 'InvalidParameter.Format', message: 'Specified parameter format is not valid.', type: 'xml' },
    { name: 'missing required parameter', url: '/?Action=GetAggregateCompliancePackReport&AggregatorId=x&Format=JSON', status: 400, code: 'MissingCompliancePackId', message: 'CompliancePackId is mandatory for this action.', type: 'json' },
    { name: 'invalid integer', url: '/?Action=ListAggregators&MaxResults=ten&Format=JSON', status: 400, code: 'InvalidMaxResults', message: 'Specified parameter MaxResults is not valid.', type: 'json' },
    { name: 'integer out of range', url: '/?Action=ListAggregators&MaxResults=101&Format=JSON', status: 400, code: 'InvalidMaxResults', message: 'Specified parameter MaxResults is not valid.', type: 'json' },
    { name: 'invalid enum', url: '/?Action=ListAggregateCompliancePacks&AggregatorId=ca-f632626622af0079a1b2&Status=BROKEN&Format=JSON', status: 400, code: 'InvalidStatus', message: 'Specified parameter Status is not valid.', type: 'json' },
    { name: 'malformed percent-encoding', url: '/?Action=ListAggregators&MaxResults=%zz&Format=JSON', status: 400, code: 'RequestParameterMalformed', message: 'Request parameters has malformed encoded characters.', type: 'xml' },
    { name: 'unknown parameter', url: '/?Action=ListAggregators&MaxResults=10&Bogus=1&Format=JSON', status: 400, code: 'InvalidParameter', message: 'The parameter Bogus is not supported by ListAggregators.', type: 'json' },
  ];
  for (const c of cases) {
    const res = await em.app.inject({ method: 'GET', url: c.url, headers: c.headers });
    t.equal(res.statusCode, c.status, `${c.name}: status`);
    if (c.type === 'json') {
      t.equal(res.headers['content-type'], 'application/json;charset=utf-8', `${c.name}: JSON`);
      const body = JSON.parse(res.body);
      t.equal(body.Code, c.code, `${c.name}: code`);
      t.equal(body.Message, c.message, `${c.name}: message`);
    } else {
      t.equal(res.headers['content-type'], 'text/xml;charset=utf-8', `${c.name}: XML`);
      t.match(res.body, `<Code>${c.code}</Code><Message>${c.message}</Message>`, `${c.name}: code and message`);
    }
  }
  t.equal(dumpStore(em), before, 'no gateway error changed the store');
});

t.test('a request without Version gets the only version there is', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: `/?Action=GetAggregateCompliancePackReport&AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}&Format=JSON` });
  t.equal(res.statusCode, 200);
});

t.test('bodies: non-form content types are ignored, oversized bodies get the API error shape', async (t) => {
  const em = await testApp(t);
  const json = await em.app.inject({
    method: 'POST',
    url: `/?Action=GetAggregateCompliancePackReport&Format=JSON&AggregatorId=${DEMO.aggregatorId}&CompliancePackId=${DEMO.compliancePackId}`,
    payload: '{"not": "a form"}',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(json.statusCode, 200);
  const big = await em.app.inject({
    method: 'POST',
    url: '/?Action=ListAggregators&Format=JSON',
    payload: 'MaxResults=10&Pad=' + 'x'.repeat(2 * 1024 * 1024),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(big.statusCode, 413);
  t.equal(JSON.parse(big.body).Code, 'RequestBodyTooLarge');
  const badForm = await em.app.inject({
    method: 'POST',
    url: '/?Action=ListAggregators&Format=JSON',
    payload: 'MaxResults=%E0%A4%A',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(badForm.statusCode, 400);
  t.equal(JSON.parse(badForm.body).Code, 'RequestParameterMalformed');
});

t.test('unknown paths answer the API not-found error, never a stack trace', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: '/some/where' });
  t.equal(res.statusCode, 404);
  t.match(res.body, '<Code>InvalidAction.NotFound</Code>');
  const json = await em.app.inject({ method: 'PUT', url: '/some/where?Format=JSON' });
  t.equal(json.statusCode, 404);
  t.equal(JSON.parse(json.body).Code, 'InvalidAction.NotFound', 'in the format asked for');
});

t.test('only GET and POST run an action: HEAD, PUT, DELETE and PATCH get UnsupportedHTTPMethod and change nothing', async (t) => {
  const em = await testApp(t);
  const before = dumpStore(em);
  const create = `/?Action=CreateAggregator&AggregatorName=viaHead&AggregatorType=RD&Version=2020-09-07`;
  const head = await em.app.inject({ method: 'HEAD', url: create });
  t.equal(head.statusCode, 400, 'HEAD is not GET');
  t.equal(head.body, '');
  for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
    const xml = await em.app.inject({ method, url: create });
    t.equal(xml.statusCode, 400, method);
    t.match(xml.body, '<Code>UnsupportedHTTPMethod</Code>');
    t.equal(xml.headers['content-type'], 'text/xml;charset=utf-8');
    const json = await em.app.inject({ method, url: `${create}&Format=JSON` });
    t.match(JSON.parse(json.body), { Code: 'UnsupportedHTTPMethod', Message: 'Specified HTTP method is not supported.' });
    const sdk = await em.app.inject({ method, url: '/', headers: { 'x-acs-action': 'ListAggregators', 'x-acs-version': '2020-09-07' } });
    t.equal(JSON.parse(sdk.body).Code, 'UnsupportedHTTPMethod', 'JSON for a header-style request');
  }
  t.equal(dumpStore(em), before, 'nothing was created');
});

t.test('XML escapes reflected input', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: `/?Action=ListAggregators&MaxResults=10&${encodeURIComponent('<x>&"')}=1` });
  t.equal(res.statusCode, 400);
  t.match(res.body, '<Message>The parameter &lt;x&gt;&amp;" is not supported by ListAggregators.</Message>');
});

/** A GET with the request target sent exactly as given (fetch and inject drop a '#' fragment). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test("the query starts at the first '?', even after a '#' in the request target (API and download routes)", async (t) => {
  const em = await testApp(t);
  await em.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (em.app.server.address() as AddressInfo).port;
  const api = await rawGet(port, '/#x?Action=ListAggregators&MaxResults=10&Format=JSON');
  t.equal(api.status, 200, api.body);
  t.ok(Array.isArray(JSON.parse(api.body).AggregatorsResult.Aggregators));
  const get = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  const link = new URL(get.json.CompliancePackReport.ReportUrl);
  const download = await rawGet(port, `${link.pathname}#x${link.search}`);
  t.equal(download.status, 403);
  t.match(download.body, /<Code>SignatureDoesNotMatch<\/Code>/, 'the signed parameters were read (without them: AccessDenied); the key with "#x" is another object, so the signature does not match');
});

/** Sends raw bytes to a listening emulator; resolves with everything it wrote before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (out += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

t.test("requests node's HTTP parser refuses get the gateway's XML envelope, not fastify's JSON", async (t) => {
  const em = await testApp(t);
  await em.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = em.app.server.address() as AddressInfo;
  const before = dumpStore(em);
  const long = await rawExchange(port, `GET /?Action=CreateAggregator&Format=JSON&AggregatorName=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
  t.match(long, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  t.match(long, /\r\nContent-Type: text\/xml;charset=utf-8\r\n/);
  t.match(long, /\r\nConnection: close\r\n/);
  const body = long.slice(long.indexOf('\r\n\r\n') + 4);
  t.match(body, /^<\?xml version='1\.0' encoding='UTF-8'\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>config\.cn-shanghai\.aliyuncs\.com<\/HostId><Code>RequestHeaderFieldsTooLarge<\/Code>/);
  t.equal(Number(/Content-Length: (\d+)/.exec(long)?.[1]), Buffer.byteLength(body), 'Content-Length is the body');
  const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
  t.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.match(garbage, /<Code>MalformedRequest<\/Code><Message>The request is not well-formed HTTP\.<\/Message>/);
  t.equal(dumpStore(em), before, 'nothing ran');
  // Pipelined behind a write still waiting for its commit: no error is written into that answer's
  // place; the connection is closed instead (as node does once an answer is under way).
  const create = 'Action=CreateAggregator&Format=JSON&AggregatorName=pipelined&AggregatorType=RD';
  const pipelined = await rawExchange(port, `POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${create.length}\r\n\r\n${create}NOT HTTP\r\n\r\n`);
  t.notMatch(pipelined, /MalformedRequest/, 'no error answer written over the pending one');
  t.notMatch(pipelined, /HTTP\/1\.1 400/);
});
