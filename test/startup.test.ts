/**
 * Start-up does only what the first answers need (docs/performance.md, "Start-up"): heavy modules
 * stay unloaded until used, fixture reports are built by their first download, and what was made
 * lazy still works when it is needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import t from 'tap';
import { call, DEMO, testApp } from './helpers.js';
import { isPending } from '../src/reports/service.js';

/** Whether a file under node_modules/<path> is loaded (CommonJS cache: all these packages are CommonJS). */
const loaded = (path: string) => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes(`/node_modules/${path}`));

t.test('a started emulator has loaded none of the modules only some requests need', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(res.status, 200);
  // ajv itself: the generated fixtures validator needs only ajv/dist/runtime/ucs2length.js.
  for (const pkg of ['ajv/dist/core.js', '@fastify/ajv-compiler/', '@fastify/fast-json-stringify-compiler/', 'exceljs/', 'fflate/', 'xmlbuilder2/']) t.notOk(loaded(pkg), `${pkg} not loaded`);
});

t.test('no source file imports those modules statically', async (t) => {
  const src = new URL('../src/', import.meta.url);
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 50, `${files.length} files`);
  for (const f of files) {
    const text = readFileSync(new URL(f, src), 'utf8');
    const m = /^import (?!type )[^;]*from '(ajv|exceljs|fflate|xmlbuilder2)(\/[^']*)?';/m.exec(text);
    t.notOk(m, `${f}${m ? `: ${m[0]}` : ''}`);
  }
});

t.test('fixture reports are built by their first download', async (t) => {
  const em = await testApp(t);
  const [report] = em.services.store.reports.all();
  t.ok(report, 'the demo has a report');
  t.ok(isPending(em.services.store.reports.file(report.objectKey)!), 'still the snapshot after start-up');
  await new Promise((r) => setTimeout(r, 50));
  t.ok(isPending(em.services.store.reports.file(report.objectKey)!), 'no background build was scheduled');
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  const url = new URL(res.json.CompliancePackReport.ReportUrl as string);
  const file = await em.app.inject({ method: 'GET', url: url.pathname + url.search });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'application/zip');
  t.equal(file.rawPayload.subarray(0, 2).toString('latin1'), 'PK', 'a zip');
  t.notOk(isPending(em.services.store.reports.file(report.objectKey)!), 'stored once built');
});

t.test('a route that declares a fastify schema still gets fastify\'s compilers', async (t) => {
  const em = await testApp(t);
  em.app.get('/_test/schema', {
    schema: {
      querystring: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
      response: { 200: { type: 'object', properties: { twice: { type: 'integer' } } } },
    },
  }, async (req) => ({ twice: (req.query as { n: number }).n * 2, dropped: true }));
  const ok = await em.app.inject({ method: 'GET', url: '/_test/schema?n=21' });
  t.equal(ok.statusCode, 200);
  t.same(JSON.parse(ok.body), { twice: 42 }, 'validated, coerced and serialized by the schema');
  const bad = await em.app.inject({ method: 'GET', url: '/_test/schema?n=x' });
  t.equal(bad.statusCode, 400, 'refused by the validator');
  t.ok(loaded('@fastify/ajv-compiler/') && loaded('@fastify/fast-json-stringify-compiler/'), 'loaded on use');
});
