/**
 * The fixtures schema check runs ajv's ahead-of-time output (fixtures/fixtures.schema.validate.cjs,
 * written by scripts/gen-fixtures-validator.mjs). It must be up to date with the schema, be what the
 * server uses, and answer exactly like the schema compiled at run time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import t from 'tap';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileSchemaNow, GENERATED_VALIDATOR_FILE, SCHEMA_FILE, schemaProblem, validatorSource } from '../src/state/schema.js';
import { DEFAULT_FIXTURES } from '../src/config.js';

const script = new URL('../scripts/gen-fixtures-validator.mjs', import.meta.url).pathname;

t.test('the generated validator is up to date with fixtures.schema.json', async (t) => {
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, `${r.stdout}${r.stderr} (run npm run gen:validator)`);
  // Same ajv options on both sides.
  t.match(readFileSync(script, 'utf8'), "AJV_OPTIONS = { allErrors: false, strict: false }");
  t.match(readFileSync(new URL('../src/state/schema.ts', import.meta.url), 'utf8'), 'AJV_OPTIONS: Options = { allErrors: false, strict: false }');
});

t.test('the server checks fixtures with the generated validator', async (t) => {
  t.equal(schemaProblem(JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))), undefined, 'the demo conforms');
  t.equal(validatorSource, 'generated', 'no schema compilation at run time');
});

t.test('generated and run-time compiled validators give the same answers', async (t) => {
  const generated = createRequire(import.meta.url)(GENERATED_VALIDATOR_FILE) as ValidateFunction;
  const compiled = compileSchemaNow(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  const demo = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8')) as Record<string, any>;
  const clone = () => structuredClone(demo);
  const docs: [string, unknown][] = [
    ['demo', demo],
    ['empty', {}], // valid: every section is optional
    ['array', []],
    ['unknown section', { ...clone(), extra: 1 }],
    ['unknown account field', (() => { const d = clone(); d.accounts[0].nickname = 'x'; return d; })()],
    ['missing accountId', (() => { const d = clone(); delete d.accounts[0].accountId; return d; })()],
    ['accountId as string', (() => { const d = clone(); d.accounts[0].accountId = '1'; return d; })()],
    ['accountId zero', (() => { const d = clone(); d.accounts[0].accountId = 0; return d; })()],
    ['empty aggregator name', (() => { const d = clone(); d.aggregators[0].aggregatorName = ''; return d; })()],
    ['aggregator id pattern', (() => { const d = clone(); d.aggregators[0].aggregatorId = 'agg-1'; return d; })()],
    ['aggregator type enum', (() => { const d = clone(); d.aggregators[0].aggregatorType = 'NOPE'; return d; })()],
    ['pack risk level', (() => { const d = clone(); d.compliancePacks[0].riskLevel = 7; return d; })()],
    ['rule state enum', (() => { const d = clone(); d.compliancePacks[0].configRules[0].state = 'ON'; return d; })()],
    ['rule parameters not strings', (() => { const d = clone(); d.compliancePacks[0].configRules[0].inputParameters = { a: 1 }; return d; })()],
    ['resource type pattern', (() => { const d = clone(); d.resources[0].resourceType = 'bucket'; return d; })()],
    ['resource configuration array', (() => { const d = clone(); d.resources[0].configuration = []; return d; })()],
    ['resource tags not strings', (() => { const d = clone(); d.resources[0].tags = { a: 1 }; return d; })()],
    ['report without createdAt', (() => { const d = clone(); delete d.reports[0].createdAt; return d; })()],
    ['astral name (minLength counts code points)', (() => { const d = clone(); d.aggregators[0].aggregatorName = '\u{1F600}'; return d; })()],
    ['members not an array', (() => { const d = clone(); d.aggregators[0].members = {}; return d; })()],
  ];
  const first = (v: ValidateFunction) => {
    const e = v.errors?.[0] as ErrorObject | undefined;
    return e && { instancePath: e.instancePath, keyword: e.keyword, params: e.params, message: e.message };
  };
  for (const [name, doc] of docs) {
    const a = generated(doc);
    const b = compiled(doc);
    t.equal(a, b, `${name}: same verdict`);
    t.equal(a, name === 'demo' || name === 'empty' || name.startsWith('astral'), `${name}: ${a ? 'valid' : 'invalid'}`);
    t.same(first(generated), first(compiled), `${name}: same first error`);
  }
});
