/**
 * parseForm: strict form/query decoding (first value of a repeated key wins, malformed
 * percent-encoding refused) into a parameter object that inherits nothing.
 */
import fc from 'fast-check';
import t from 'tap';
import { emptyParams, MAX_PARAMETERS, parseForm, percentEncode } from '../src/protocol/form.js';
import { ApiError } from '../src/errors.js';

/** The reference: URLSearchParams' decoding, first occurrence kept, empty keys dropped. */
function reference(raw: string): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(raw)) if (k !== '' && !out.has(k)) out.set(k, v);
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
  return undefined;
}

t.test('the same pairs as URLSearchParams, first value of a repeated key kept', async (t) => {
  const piece = fc.oneof(fc.constantFrom('a', 'Action', 'b%20c', 'x+y', '__proto__', 'toString', '', '%E8%A7%84', '='), fc.stringMatching(/^[A-Za-z0-9._~-]{0,6}$/));
  const pair = fc.oneof(fc.tuple(piece, piece).map(([k, v]) => `${k}=${v}`), piece);
  const differing: string[] = [];
  fc.assert(
    fc.property(fc.array(pair, { maxLength: 8 }), (pairs) => {
      const raw = pairs.join('&');
      // Sorted: an object lists integer-like keys first, whatever their order in the text.
      const got = Object.entries(parseForm(raw)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (JSON.stringify(got) !== JSON.stringify(reference(raw))) differing.push(raw);
    }),
    { numRuns: 300 },
  );
  t.same(differing, []);
});

t.test('keys are plain keys: nothing inherited, "__proto__" and "toString" are ordinary', async (t) => {
  const p = parseForm('__proto__=1&toString=2&constructor=3&a=4&a=5&&=6&b');
  t.same(Object.keys(p), ['__proto__', 'toString', 'constructor', 'a', 'b']);
  t.equal(p.a, '4');
  t.equal(p.b, '');
  t.equal(p['__proto__'], '1');
  t.notOk('hasOwnProperty' in p);
  t.notOk('valueOf' in emptyParams());
  t.same(Object.keys(emptyParams()), []);
  const seen: string[] = [];
  for (const k in p) seen.push(k);
  t.same(seen, Object.keys(p), 'for…in sees own keys only');
});

t.test('malformed percent-encoding is refused, in an ignored repeat or an empty key too', async (t) => {
  for (const raw of ['a=%zz', 'a=1&a=%E8', '=%zz', '%zz=1', 'a=1&%g']) {
    t.equal(codeOf(() => parseForm(raw)), 'RequestParameterMalformed', raw);
  }
});

t.test(`at most ${MAX_PARAMETERS} pairs; empty pairs do not count`, async (t) => {
  const full = Array.from({ length: MAX_PARAMETERS }, (_, i) => `k${i}=v`).join('&');
  t.equal(Object.keys(parseForm(`&&${full}&&`)).length, MAX_PARAMETERS);
  t.equal(codeOf(() => parseForm(`${full}&one=more`)), 'TooManyParameters');
});

t.test('into: fills a given object, keeping what it holds', async (t) => {
  const into = parseForm('a=1&b=2');
  parseForm('b=3&c=4', into);
  t.same({ ...into }, { a: '1', b: '2', c: '4' });
});

t.test('percentEncode: the unreserved shortcut gives what encodeURIComponent plus the sub-delims rule gives', async (t) => {
  const reference = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const safe = (f: (s: string) => string, s: string) => {
    try {
      return f(s);
    } catch (err) {
      return `threw ${(err as Error).name}`;
    }
  };
  const out = fc.check(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[A-Za-z0-9_.~!'()*-]*$/), fc.constantFrom('\ud800', 'a b', '')), (s) => safe(percentEncode, s) === safe(reference, s)),
    { numRuns: 3000 },
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same text');
});
