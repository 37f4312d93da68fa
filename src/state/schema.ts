/**
 * The fixtures JSON Schema (fixtures/fixtures.schema.json): editors use it through "$schema", and
 * the loader checks every document against it before the cross-references (accounts, packs,
 * managed rules) are checked in fixtures.ts.
 *
 * The check runs the validator ajv generated from the schema ahead of time
 * (fixtures/fixtures.schema.validate.cjs, written by `npm run gen:validator`): compiling the schema at
 * start took about a fifth of the start-up time. The generated file carries the schema's fingerprint;
 * when the schema file no longer matches it (edited without regenerating), the schema is compiled with
 * ajv here instead, so a document is always checked against the schema file as it is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { PACKAGE_ROOT } from '../config.js';

export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'fixtures', 'fixtures.schema.json');
/** The schema compiled ahead of time (CommonJS; scripts/gen-fixtures-validator.mjs). */
export const GENERATED_VALIDATOR_FILE = path.join(PACKAGE_ROOT, 'fixtures', 'fixtures.schema.validate.cjs');
/** The ajv options of both validators; scripts/gen-fixtures-validator.mjs uses the same. */
export const AJV_OPTIONS: Options = { allErrors: false, strict: false };

/** SHA-256 of the schema's parsed and re-serialized JSON, as scripts/gen-fixtures-validator.mjs computes it. */
export function schemaFingerprint(schemaText: string): string {
  return createHash('sha256').update(JSON.stringify(JSON.parse(schemaText))).digest('hex');
}

const requireCjs = createRequire(import.meta.url);

/** The schema compiled by ajv now (ajv is CommonJS; loaded only on this path). */
export function compileSchemaNow(schema: object): ValidateFunction {
  const AjvModule = requireCjs('ajv') as { default: new (opts: Options) => { compile(schema: object): ValidateFunction } };
  return new AjvModule.default(AJV_OPTIONS).compile(schema);
}

let compiled: ValidateFunction | undefined;
/** How this process checks fixtures: 'generated' (ahead of time) or 'compiled' (generated file stale or missing). */
export let validatorSource: 'generated' | 'compiled' | undefined;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  let generated: (ValidateFunction & { SCHEMA_FINGERPRINT?: string }) | undefined;
  try {
    generated = requireCjs(GENERATED_VALIDATOR_FILE) as ValidateFunction & { SCHEMA_FINGERPRINT?: string };
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
  }
  if (generated && generated.SCHEMA_FINGERPRINT === schemaFingerprint(text)) {
    compiled = generated;
    validatorSource = 'generated';
  } else {
    compiled = compileSchemaNow(JSON.parse(text) as object);
    validatorSource = 'compiled';
  }
  return compiled;
}

/** `/accounts/0/accountId` -> `$.accounts[0].accountId` */
function jsonPath(pointer: string): string {
  return (
    '$' +
    pointer
      .split('/')
      .slice(1)
      .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`))
      .join('')
  );
}

function describe(e: ErrorObject): { at: string; problem: string } {
  const at = jsonPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { at: `${at}.${String(p.additionalProperty)}`, problem: at === '$' ? 'unknown section' : 'unknown field' };
    case 'required':
      return { at: `${at}.${String(p.missingProperty)}`, problem: 'is required' };
    case 'type': {
      const t = String(p.type);
      return { at, problem: `must be ${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}` };
    }
    case 'minLength':
      return { at, problem: p.limit === 1 ? 'must be a non-empty string' : `must be at least ${String(p.limit)} characters` };
    case 'pattern':
      return { at, problem: `must match ${String(p.pattern)}` };
    case 'minimum':
      return { at, problem: `must be at least ${String(p.limit)}` };
    case 'enum':
      return { at, problem: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { at, problem: e.message ?? 'is not valid' };
  }
}

/** The first schema violation of a document, or undefined when it conforms. */
export function schemaProblem(doc: unknown): { at: string; problem: string } | undefined {
  const validate = validator();
  if (validate(doc)) return undefined;
  return describe(validate.errors![0]);
}
