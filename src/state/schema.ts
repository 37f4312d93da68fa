/**
 * The fixtures JSON Schema (fixtures/fixtures.schema.json): editors use it through "$schema", and
 * the loader checks every document against it before the cross-references (accounts, packs,
 * managed rules) are checked in fixtures.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Options } from 'ajv';
import { PACKAGE_ROOT } from '../config.js';

export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'fixtures', 'fixtures.schema.json');

// ajv is CommonJS; under ESM its class is the module's default export.
type AjvClass = new (opts: Options) => { compile(schema: object): ValidateFunction };
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as unknown as AjvClass;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  compiled = new Ajv({ allErrors: false, strict: false }).compile(schema);
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
