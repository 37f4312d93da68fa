import { Ajv } from 'ajv';
import t from 'tap';
import { CONTROL_OPENAPI } from '../src/control/openapi.js';
import { call, DEMO, dumpStore, testApp } from './helpers.js';
import { ctl } from './control-helpers.js';

t.test('health answers liveness; ready is 503 until the fixtures are loaded, then 200', async (t) => {
  const em = await testApp(t);
  const health = await ctl(em, 'GET', '/_emulator/health');
  t.equal(health.status, 200);
  t.same(health.json, { status: 'ok' });
  const ready = await ctl(em, 'GET', '/_emulator/ready');
  t.equal(ready.status, 200);
  t.equal(ready.json.status, 'ready');
  t.match(ready.json.fixtures, { accounts: 3, aggregators: 1, compliancePacks: 1, configRules: 9, reports: 1 });
  em.state.ready = false; // what a caller sees while fixtures load
  const starting = await ctl(em, 'GET', '/_emulator/ready');
  t.equal(starting.status, 503);
  t.equal(starting.json.status, 'starting');
});

t.test('the control plane is JSON and never answers as an Action', async (t) => {
  const em = await testApp(t);
  const unknown = await ctl(em, 'GET', '/_emulator/nope?Action=ListAggregators');
  t.equal(unknown.status, 404);
  t.match(unknown.headers['content-type'], /application\/json/);
  t.equal(unknown.json.error.code, 'NotFound');
  t.notMatch(unknown.body, /InvalidAction|RequestId/);
  const index = await ctl(em, 'GET', '/_emulator');
  t.equal(index.status, 200);
  t.ok(index.json.routes.includes('/faults'));
  const badJson = await ctl(em, 'POST', '/_emulator/faults', '{not json');
  t.equal(badJson.status, 400);
  t.equal(badJson.json.error.code, 'InvalidJson');
  // An RPC call that names a control route is still just an API call.
  const api = await call(em, '_emulator/reset');
  t.equal(api.status, 404);
  t.equal(api.json.Code, 'InvalidAction.NotFound');
});

t.test('a JSON body works without a content type (curl -d sends a form type)', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({
    method: 'POST',
    url: '/_emulator/clock',
    payload: '{"advanceMs": 1000}',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(res.statusCode, 200);
  t.equal(JSON.parse(res.body).now, '2026-12-01T00:00:01.000Z');
});

t.test('with an admin token, every route but health and ready needs the bearer token', async (t) => {
  const em = await testApp(t, { config: { adminToken: 's3cret-token' } });
  t.equal((await ctl(em, 'GET', '/_emulator/health')).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/ready')).status, 200);
  for (const [method, url] of [
    ['GET', '/_emulator/state'], ['POST', '/_emulator/reset'], ['GET', '/_emulator/requests'], ['DELETE', '/_emulator/faults'],
    ['GET', '/_emulator/clock'], ['GET', '/_emulator/ui'], ['GET', '/_emulator/openapi.json'], ['GET', '/_emulator/nope'],
  ] as const) {
    const res = await ctl(em, method, url);
    t.equal(res.status, 401, `${method} ${url} without a token`);
    t.equal(res.json.error.code, 'Unauthorized');
    t.equal((await ctl(em, method, url, undefined, { authorization: 'Bearer wrong' })).status, 401, `${method} ${url} with a wrong token`);
  }
  const ok = await ctl(em, 'GET', '/_emulator/clock', undefined, { authorization: 'Bearer s3cret-token' });
  t.equal(ok.status, 200);
  const reset = await ctl(em, 'POST', '/_emulator/reset', undefined, { authorization: 'bearer s3cret-token' });
  t.equal(reset.status, 200);
  // The console also takes ?token= (a browser cannot send the header); no other route does.
  t.equal((await ctl(em, 'GET', '/_emulator/ui?token=s3cret-token')).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/state?token=s3cret-token')).status, 401);
  // The API itself is not affected.
  t.equal((await call(em, 'ListAggregators', { MaxResults: 10 })).status, 200);
});

t.test('the OpenAPI document describes every control-plane route', async (t) => {
  const em = await testApp(t);
  const res = await ctl(em, 'GET', '/_emulator/openapi.json');
  t.equal(res.status, 200);
  t.equal(res.json.openapi, '3.0.3');
  const described = new Set<string>();
  for (const [path, ops] of Object.entries(res.json.paths as Record<string, Record<string, unknown>>)) {
    for (const m of Object.keys(ops)) described.add(`${m.toUpperCase()} /_emulator${path.replace('{id}', ':id')}`);
  }
  const routes = em.app.printRoutes({ commonPrefix: false });
  for (const r of ['GET /_emulator/', 'GET /_emulator/health', 'GET /_emulator/ready', 'POST /_emulator/reset', 'GET /_emulator/state', 'POST /_emulator/state',
    'GET /_emulator/requests', 'DELETE /_emulator/requests', 'GET /_emulator/faults', 'POST /_emulator/faults', 'DELETE /_emulator/faults',
    'DELETE /_emulator/faults/:id', 'GET /_emulator/lifecycle', 'POST /_emulator/lifecycle', 'GET /_emulator/clock', 'POST /_emulator/clock',
    'GET /_emulator/ui', 'GET /_emulator/openapi.json']) {
    t.ok(described.has(r), `${r} is described`);
  }
  t.ok(routes.length > 0);
  t.same(Object.keys(res.json.paths), Object.keys(CONTROL_OPENAPI.paths));
  // Every $ref resolves.
  const refs = [...JSON.stringify(res.json).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]);
  for (const r of new Set(refs)) t.ok(res.json.components.schemas[r], `schema ${r} exists`);
  // OpenAPI 3.0 schema objects have no `const`; and every component schema compiles.
  t.notMatch(JSON.stringify(res.json), /"const":/);
  const ajv = new Ajv({ strict: false });
  for (const [name, schema] of Object.entries(res.json.components.schemas as Record<string, object>)) {
    t.doesNotThrow(() => ajv.compile(schema), `schema ${name} compiles`);
  }
});

t.test('every route the OpenAPI document gives accountId also takes its alias account, with the same answer', async (t) => {
  const em = await testApp(t);
  const doc = (await ctl(em, 'GET', '/_emulator/openapi.json')).json as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };
  const withAccount: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const names = (op.parameters ?? []).map((p) => p.name);
      if (!names.includes('accountId')) continue;
      withAccount.push(`${method.toUpperCase()} ${path}`);
      t.ok(names.includes('account'), `${method.toUpperCase()} ${path} describes the alias`);
    }
  }
  t.same(withAccount.sort(), ['GET /requests', 'GET /state', 'POST /reset']);
  await call(em, 'ListAggregators', { MaxResults: '10', AccessKeyId: DEMO.aliceKey.id });
  await call(em, 'ListAggregators', { MaxResults: '10' });
  for (const path of ['/_emulator/state', '/_emulator/requests']) {
    const byId = await ctl(em, 'GET', `${path}?accountId=${DEMO.aliceAccountId}`);
    const byAlias = await ctl(em, 'GET', `${path}?account=${DEMO.aliceAccountId}`);
    t.equal(byAlias.status, 200, path);
    t.same(byAlias.json, byId.json, `${path}: the alias filters the same way`);
    t.ok(JSON.stringify(byId.json).includes(String(DEMO.aliceAccountId)), `${path}: alice's part is there`);
    t.not(JSON.stringify(byId.json), JSON.stringify((await ctl(em, 'GET', path)).json), `${path}: and it does filter`);
  }
  const reset = await ctl(em, 'POST', `/_emulator/reset?account=${DEMO.aliceAccountId}`);
  t.equal(reset.json.reset, DEMO.aliceAccountId, 'POST /reset?account= resets that account only');
  t.equal((await ctl(em, 'GET', '/_emulator/state?account=x')).status, 400, 'a bad alias is refused like a bad accountId');
});

t.test('a control-plane body over 16 MB answers 413 PayloadTooLarge, JSON', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'POST', url: '/_emulator/state', payload: 'x'.repeat(16 * 1024 * 1024 + 1) });
  t.equal(res.statusCode, 413);
  t.equal(JSON.parse(res.body).error.code, 'PayloadTooLarge');
});

t.test('without an admin token, pages of another origin cannot read or drive the control plane', async (t) => {
  const em = await testApp(t);
  const before = dumpStore(em);
  const evil = { origin: 'http://evil.example', 'content-type': 'text/plain' };
  const read = await ctl(em, 'GET', '/_emulator/state', undefined, { origin: 'http://evil.example' });
  t.equal(read.status, 403);
  t.equal(read.json.error.code, 'CrossOriginRefused');
  t.equal(read.headers['access-control-allow-origin'], undefined, 'nothing a page could read');
  const write = await ctl(em, 'POST', '/_emulator/faults', JSON.stringify({ action: '*', error: 'ServiceUnavailable' }), evil);
  t.equal(write.status, 403, 'a text/plain POST (no preflight) is refused');
  t.equal(dumpStore(em), before);
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults, [], 'no fault was added');
  // A DNS-rebinding page names itself in Host too: the Host header is not trusted.
  t.equal((await ctl(em, 'POST', '/_emulator/faults', JSON.stringify({ action: '*', error: 'ServiceUnavailable' }), { ...evil, origin: 'http://rebind.evil:8080', host: 'rebind.evil:8080' })).status, 403);
  // Loopback pages (the console's own origin), no Origin (curl, SDKs), the probes and the API description are served.
  t.equal((await ctl(em, 'GET', '/_emulator/state', undefined, { origin: 'http://localhost:8080' })).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/state', undefined, { origin: 'http://[::1]:8080' })).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/state')).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/health', undefined, { origin: 'http://evil.example' })).status, 200);
  t.equal((await ctl(em, 'GET', '/_emulator/openapi.json', undefined, { origin: 'http://evil.example' })).status, 200);
  // Origins named by --public-url or --cors are pages of the user's own.
  const named = await testApp(t, { config: { cors: 'http://demo.local', publicUrl: 'https://emu.example.com' } });
  t.equal((await ctl(named, 'GET', '/_emulator/state', undefined, { origin: 'http://demo.local' })).status, 200);
  t.equal((await ctl(named, 'GET', '/_emulator/state', undefined, { origin: 'https://emu.example.com' })).status, 200);
  t.equal((await ctl(named, 'GET', '/_emulator/state', undefined, { origin: 'http://evil.example' })).status, 403);
  // The API itself keeps its CORS (browser demos of the API).
  const api = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&MaxResults=1&Format=JSON', headers: { origin: 'http://evil.example' } });
  t.equal(api.statusCode, 200);
  t.equal(api.headers['access-control-allow-origin'], 'http://evil.example');
});
