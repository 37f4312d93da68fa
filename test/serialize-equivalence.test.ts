/**
 * The XML answers are written as strings (src/protocol/serialize.ts, for speed); xmlbuilder2 is the
 * reference. Success and error documents must be the same bytes as the builder's, for any result:
 * nested objects and lists, numbers, booleans, empty values, and text with markup, references,
 * invalid characters and non-ASCII.
 */
import fc from 'fast-check';
import t from 'tap';
import { ApiError } from '../src/errors.js';
import { errorReply, errorXmlWithBuilder, successJson, successXml, successXmlWithBuilder } from '../src/protocol/serialize.js';
import { reusableResult } from '../src/reusable.js';
import { fcParams } from './fuzz/harness.js';

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('&', '&amp;', '&foo;', '&#12;', '&#x41;', '<a>', ']]>', 'a > b', '\u0000\u0008', '\uFFFE', '规则 & 资源', '"quoted" \'x\''),
);
const name = fc.oneof(fc.constantFrom('ConfigRuleId', 'Tags', 'TagKey', 'A', 'x.y', 'a-b', '_z'), fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(1624330246640)),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('list'), tie('object')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(name, tie('node'), { maxKeys: 5 }),
})).node;
const result = fc.dictionary(name, value, { maxKeys: 6 }) as fc.Arbitrary<Record<string, unknown>>;
const requestId = fc.uuid().map((u) => u.toUpperCase());

t.test('success XML: the string writer gives the builder\'s bytes', async (t) => {
  const out = fc.check(
    fc.property(result, requestId, (r, id) => successXml('GetAggregateCompliancePackReport', id, r) === successXmlWithBuilder('GetAggregateCompliancePackReport', id, r)),
    fcParams(t, 2000),
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same bytes');
});

t.test('error XML: the string writer gives the builder\'s bytes', async (t) => {
  const out = fc.check(
    fc.property(text, text, requestId, (code, message, id) => {
      const err = new ApiError(code, message, 400);
      return errorReply(err, id, 'XML').body === errorXmlWithBuilder(err, id);
    }),
    fcParams(t, 2000),
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same bytes');
});

t.test('success JSON: RequestId written in front of the result is JSON.stringify of both', async (t) => {
  const out = fc.check(
    fc.property(fc.dictionary(fc.string(), value, { maxKeys: 6 }), requestId, (r, id) => successJson(id, r) === JSON.stringify({ RequestId: id, ...r })),
    fcParams(t, 2000),
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same bytes');
});

t.test('reused results (rendered once, kept with the object) give the same bytes on every call', async (t) => {
  const out = fc.check(
    fc.property(fc.dictionary(fc.string(), value, { maxKeys: 6 }), requestId, requestId, (r, id1, id2) => {
      const expected = (id: string) => JSON.stringify({ RequestId: id, ...r });
      const kept = reusableResult(structuredClone(r));
      if (!Object.isFrozen(kept)) return false;
      return successJson(id1, kept) === expected(id1) && successJson(id2, kept) === expected(id2) && successJson(id1, kept) === expected(id1);
    }),
    fcParams(t, 1000),
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same bytes');
  const outXml = fc.check(
    fc.property(result, requestId, requestId, (r, id1, id2) => {
      const kept = reusableResult(structuredClone(r));
      return ['GetAggregateCompliancePackReport', 'GetCompliancePackReport'].every((action) =>
        [id1, id2, id1].every((id) => successXml(action, id, kept) === successXmlWithBuilder(action, id, r)),
      );
    }),
    fcParams(t, 500),
  );
  t.notOk(outXml.failed, outXml.failed ? `counterexample: ${JSON.stringify(outXml.counterexample)}` : 'same bytes');
});

t.test('a reused result is rendered once per format, whatever the RequestId or the action', async (t) => {
  let reads = 0;
  const inner = {};
  Object.defineProperty(inner, 'Value', { enumerable: true, get: () => (reads++, 'x') });
  const kept = reusableResult({ Report: inner });
  reads = 0; // freezing walked it
  t.equal(successJson('A', kept), '{"RequestId":"A","Report":{"Value":"x"}}');
  t.equal(successJson('B', kept), '{"RequestId":"B","Report":{"Value":"x"}}');
  t.equal(reads, 1, 'JSON rendered once');
  t.match(successXml('GetAggregateCompliancePackReport', 'A', kept), '<Report><Value>x</Value></Report>');
  t.match(successXml('GetCompliancePackReport', 'B', kept), '<GetCompliancePackReportResponse><RequestId>B</RequestId><Report><Value>x</Value></Report>');
  t.equal(reads, 2, 'XML rendered once, for both actions');
  const fresh = { Report: inner };
  successJson('C', fresh);
  successJson('C', fresh);
  t.equal(reads, 4, 'a result not marked reusable is rendered every time');
});
