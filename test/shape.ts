/**
 * Pins response shapes against the reference examples (test/fixtures/reference-responses.json, taken
 * from the API reference): every field of the example must be present with the same JSON type, and
 * the answer has no field the example lacks unless the test allows it.
 */
import { readFileSync } from 'node:fs';
import type { Test } from 'tap';

const EXAMPLES = (JSON.parse(readFileSync(new URL('./fixtures/reference-responses.json', import.meta.url), 'utf8')) as { examples: Record<string, unknown> }).examples;

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function compare(path: string, actual: unknown, example: unknown, problems: string[], opts: { extra: Set<string>; optional: Set<string> }): void {
  if (kind(actual) !== kind(example)) {
    problems.push(`${path}: ${kind(actual)} where the reference has ${kind(example)}`);
    return;
  }
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length > 0) for (const [i, item] of actual.entries()) compare(`${path}[${i}]`, item, example[0], problems, opts);
    return;
  }
  if (example && typeof example === 'object') {
    const a = actual as Record<string, unknown>;
    const e = example as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      const p = `${path}.${k}`;
      if (!(k in a)) {
        if (!opts.optional.has(p)) problems.push(`${p}: missing`);
        continue;
      }
      compare(p, a[k], e[k], problems, opts);
    }
    for (const k of Object.keys(a)) if (!(k in e) && !opts.extra.has(`${path}.${k}`)) problems.push(`${path}.${k}: not in the reference`);
  }
}

/** Asserts `body` has the reference example's shape for `action`. Paths look like `$.Aggregator.FolderName`. */
export function assertShape(t: Test, action: string, body: unknown, opts: { extra?: string[]; optional?: string[] } = {}): void {
  const example = EXAMPLES[action];
  if (!example) throw new Error(`no reference example for ${action}`);
  const problems: string[] = [];
  compare('$', body, example, problems, { extra: new Set(opts.extra), optional: new Set(opts.optional) });
  t.same(problems, [], `${action} answer has the reference shape`);
}
