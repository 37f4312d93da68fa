/**
 * The shared fuzz harness: budgets and seeds, request arbitraries built from the action registry,
 * and the invariants every answer must keep.
 *
 * Budget: FUZZ_RUNS (runs per property). Unset, `npm test` uses a small fixed budget with a fixed
 * seed, so failures reproduce; `npm run fuzz` sets FUZZ_RUNS and gets a random seed (printed; pass
 * it back with FUZZ_SEED=<n> to replay a failure).
 *
 * The arbitraries read src/actions/index.ts (ACTIONS and each action's `accepts`), so every action
 * merged later is fuzzed without touching this file.
 */
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import type { Test } from 'tap';
import { ACTIONS } from '../../src/actions/index.js';
import { ALL_ACTIONS } from '../../src/actions/all-actions.js';
import type { Emulator } from '../../src/app.js';
import { bundledCatalog } from '../../src/catalog.js';
import { reportBuildsSettled } from '../../src/reports/service.js';
import { dumpStore, DEMO } from '../helpers.js';

// ---- budget and seed --------------------------------------------------------------------------

/** Runs per property in `npm test` (each run is one or a few requests). */
export const DEFAULT_RUNS = 150;
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : DEFAULT_RUNS;
const FIXED_SEED = 20200907;

/** fast-check parameters: a fixed seed under `npm test`, a random one under `npm run fuzz`. */
export function fcParams(t: Test, runs = FUZZ_RUNS): { seed: number; numRuns: number; endOnFailure: boolean } {
  const fromEnv = Number(process.env.FUZZ_SEED);
  const seed = Number.isInteger(fromEnv) && process.env.FUZZ_SEED !== '' && process.env.FUZZ_SEED !== undefined
    ? fromEnv
    : process.env.FUZZ_RUNS
      ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
      : FIXED_SEED;
  t.comment(`fast-check seed=${seed} runs=${runs} (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${FUZZ_RUNS})`);
  return { seed, numRuns: runs, endOnFailure: true };
}

/**
 * Runs an async property with fast-check and reports a failure compactly (the counterexample is
 * cut to a readable size; the seed and path replay it).
 */
export async function runProperty<T>(t: Test, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, runs = FUZZ_RUNS): Promise<void> {
  const params = fcParams(t, runs);
  const out = await fc.check(fc.asyncProperty(arb, predicate), params);
  if (!out.failed) {
    t.pass(`${out.numRuns} runs kept every invariant`);
    return;
  }
  const cut = (s: string) => (s.length > 1500 ? s.slice(0, 1500) + `... (${s.length} chars)` : s);
  const err = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  t.fail(`property failed after ${out.numRuns} runs (seed=${params.seed} path=${out.counterexamplePath}): ${cut(err)}
  counterexample: ${cut(JSON.stringify(out.counterexample))}`);
}

/** Counts what the fuzzers sent, for docs/reliability.md. */
export const stats = { requests: 0, byStatus: new Map<number, number>(), codes: new Set<string>() };
export function statsLine(): string {
  const statuses = [...stats.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
  return `requests=${stats.requests} statuses={${statuses}} distinct error codes=${stats.codes.size}`;
}

// ---- the registry -----------------------------------------------------------------------------

export const ACTION_NAMES = [...ACTIONS.keys()].sort();
export const UNEMULATED = [...ALL_ACTIONS].filter((a) => !ACTIONS.has(a)).sort();
export const acceptsOf = (action: string): string[] => [...(ACTIONS.get(action)?.accepts ?? [])].sort();
export const isReadOnly = (action: string): boolean => ACTIONS.get(action)?.readOnly ?? true;

// ---- values -----------------------------------------------------------------------------------

export const KEYS = { default: DEMO.defaultKey.id, alice: DEMO.aliceKey.id, tom: 'LTAI5tEmulatorTomKey' } as const;

const SQL = [
  "' OR '1'='1", "'; DROP TABLE aggregators; --", '" OR ""="', '%', '_', '%_%', '\\', "ca-f632626622af0079a1b2' --",
  "cp-fdc8626622af00f9a1b2' OR 1=1 --", '1; DELETE FROM config_rules', "') UNION SELECT * FROM access_keys --", '*', '?', ':id', '@name', '$1',
];
const MARKUP = ['</Error><Code>x</Code>', ']]>', '<![CDATA[x]]>', '&amp;', '&#0;', '&#x1;', '<?xml version="1.0"?>', '<a b="c">', '"\'<>&', '{"Code":"x"}', '\\u0000', '</RequestId>'];
const WEIRD = [
  '', ' ', '\t', '\u0000', '\u0001\u0008\u000b\u000c\u001f', '\u007f', '\ud800', '\udfff', 'a\ud83d', '\ud83d\ude00', '\ufffe', '\uffff', '\u202e', '\u200b',
  'null', 'undefined', 'NaN', 'Infinity', '-0', '0x10', '1e309', '1.5', '-1', '0', '9'.repeat(40), 'true', 'TRUE', 'yes',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '[]', '{}', '[null]', '[[]]', '{"__proto__":{"polluted":1}}', '"str"',
  '..', '../../etc/passwd', 'C:\\Windows\\win.ini', '\r\n', '%00', '%zz', '+', '&', '=', '#',
];
const DEMO_IDS = [DEMO.aggregatorId, DEMO.compliancePackId, 'cr-a260626622af0005a1b2', 'ca-0000000000000000dead', 'cp-0000000000000000dead', 'cr-0000000000000000dead'];

const deepJson = fc.tuple(fc.constantFrom(13, 100, 5000, 20_000), fc.constantFrom('[', '{"a":')).map(([n, open]) =>
  open === '[' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n),
);
const hugeString = fc.tuple(fc.constantFrom(129, 1025, 4097, 70_000, 300_000), fc.constantFrom('a', 'é', '\ud83d\ude00', '<', '%')).map(([n, c]) => c.repeat(n));

/** Any string, weighted towards the nasty ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }) },
  { weight: 3, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 2, arbitrary: fc.constantFrom(...SQL) },
  { weight: 2, arbitrary: fc.constantFrom(...MARKUP) },
  { weight: 1, arbitrary: hugeString },
);

const int = fc.oneof(fc.integer({ min: -5, max: 120 }).map(String), fc.constantFrom('2147483648', '-2147483649', '9007199254740993', '1'.repeat(20), ' 5', '5 ', '05', '+5', '1e2', '0.0'));
const jsonValue = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.array(fc.record({ Key: anyString, Value: anyString }), { maxLength: 25 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.constantFrom('[', '{', '[1,]', '{"a":1,}', "{'a':1}", '[{"AccountId":"\u0000"}]', '[' + '1,'.repeat(50000) + '1]') },
);

const MANAGED = ['oss-bucket-public-read-prohibited', 'ecs-instance-no-public-ip', 'eip-bandwidth-limit', 'ram-user-mfa-check', 'no-such-managed-rule'];

/** Plausible values for the parameter names the API uses; anything else gets a random value. */
function valueFor(name: string): fc.Arbitrary<string> {
  const mixed = (good: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyString }, { weight: 1, arbitrary: jsonValue });
  if (/^(MaxResults|PageSize|PageNumber|RiskLevel|Limit)$/.test(name)) return mixed(int);
  if (/Ids?$/.test(name) && !/AccountIds?$/.test(name))
    return mixed(fc.oneof(fc.constantFrom(...DEMO_IDS), fc.constantFrom(...DEMO_IDS).map((id) => `${id},${DEMO_IDS[1]}`), fc.constantFrom(...SQL)));
  if (/AccountIds?$/.test(name)) return mixed(fc.constantFrom(String(DEMO.aliceAccountId), String(DEMO.managementAccountId), '0', '-1', '1e20'));
  if (name === 'AggregatorAccounts')
    return mixed(
      fc.array(fc.record({ AccountId: fc.oneof(fc.constantFrom(DEMO.aliceAccountId, DEMO.managementAccountId), fc.integer(), anyString), AccountType: fc.constantFrom('ResourceDirectory', 'x') }), { maxLength: 4 }).map((a) => JSON.stringify(a)),
    );
  if (name === 'ConfigRules')
    return mixed(
      fc.array(fc.record({ ManagedRuleIdentifier: fc.constantFrom(...MANAGED), ConfigRuleName: anyString, RiskLevel: fc.constantFrom(1, 2, 3, 4, '1') }, { requiredKeys: ['ManagedRuleIdentifier'] }), { maxLength: 3 }).map((a) => JSON.stringify(a)),
    );
  if (name === 'Tag' || /TagsScope$/.test(name)) return mixed(fc.array(fc.record({ Key: anyString, Value: anyString, TagKey: anyString, TagValue: anyString }, { requiredKeys: [] }), { maxLength: 3 }).map((a) => JSON.stringify(a)));
  if (/Name$/.test(name)) return mixed(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), anyString));
  if (/^(MultiFiles|DefaultEnable|.*Enabled?)$/.test(name)) return mixed(fc.constantFrom('true', 'false', 'True', '1', ''));
  if (name === 'ClientToken') return mixed(fc.string({ minLength: 1, maxLength: 70 }));
  if (name === 'NextToken') return mixed(fc.constantFrom('', 'eyJzIjoiYWdncmVnYXRvcnM6MSIsImEiOjB9', 'eyJhIjotMX0', '!!!'));
  return fc.oneof(anyString, jsonValue, int);
}

/** Keys a user may choose (rule parameter names) that are not XML names. */
const oddKey = fc.constantFrom('a b', '1x', '<x>', 'é', '-', 'ok_name');
const TEMPLATE_IDS = bundledCatalog().templateList().map((x) => x.CompliancePackTemplateId).slice(0, 3);
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/);

/** A value the API should accept for a parameter of this name (so requests get past validation). */
export function goodValue(param: string): fc.Arbitrary<string> {
  switch (param) {
    case 'AggregatorId':
      return fc.constant(DEMO.aggregatorId);
    case 'CompliancePackId':
      return fc.constant(DEMO.compliancePackId);
    case 'ConfigRuleId':
      return fc.constant('cr-a260626622af0005a1b2');
    case 'AggregatorIds':
      return fc.constant(DEMO.aggregatorId);
    case 'CompliancePackIds':
      return fc.constant(DEMO.compliancePackId);
    case 'ConfigRuleIds':
      return fc.constantFrom('cr-a260626622af0005a1b2', 'cr-a260626622af0005a1b2,cr-a260626622af0005a1b3');
    case 'AggregatorAccounts':
      return fc.constant(JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' }]));
    case 'AggregatorType':
      return fc.constantFrom('CUSTOM', 'RD');
    case 'ConfigRules':
      return fc
        .tuple(fc.constantFrom(...MANAGED.slice(0, 4)), fc.option(fc.tuple(oddKey, fc.string({ maxLength: 8 })), { nil: undefined }))
        .map(([m, p]) => JSON.stringify([{ ManagedRuleIdentifier: m, ...(p ? { ConfigRuleParameters: [{ ParameterName: p[0], ParameterValue: p[1] }] } : {}) }]));
    case 'MaxResults':
    case 'PageSize':
      return fc.integer({ min: 1, max: 100 }).map(String);
    case 'PageNumber':
      return fc.integer({ min: 1, max: 3 }).map(String);
    case 'RiskLevel':
      return fc.integer({ min: 1, max: 3 }).map(String);
    case 'Tag':
      return fc.constant(JSON.stringify([{ Key: 'env', Value: 'test' }]));
    case 'TagsScope':
    case 'ExcludeTagsScope':
      return fc.constant(JSON.stringify([{ TagKey: 'env', TagValue: 'test' }]));
    case 'Description':
      return fc.string({ unit: 'binary', maxLength: 30 });
    case 'MultiFiles':
    case 'DefaultEnable':
      return fc.constantFrom('true', 'false');
    case 'CompliancePackTemplateId':
      return fc.constantFrom(...(TEMPLATE_IDS.length ? TEMPLATE_IDS : ['ct-0000000000000000dead']));
    case 'InputParameters':
      return fc.constant('{}');
    case 'SourceIdentifier':
    case 'ManagedRuleIdentifier':
      return fc.constantFrom(...MANAGED.slice(0, 4));
    case 'SourceOwner':
      return fc.constant('ALIYUN');
    case 'ResourceTypesScope':
      return fc.constant('ACS::ECS::Instance');
    case 'ConfigRuleTriggerTypes':
      return fc.constant('ConfigurationItemChangeNotification');
    case 'RegionId':
    case 'RegionIdsScope':
      return fc.constant('cn-shanghai');
    case 'Status':
      return fc.constant('ACTIVE');
    case 'TemplateContent':
      return fc.option(fc.tuple(fc.constantFrom(...MANAGED.slice(0, 4)), oddKey), { nil: undefined, freq: 2 }).map((v) =>
        v ? JSON.stringify({ configRuleTemplates: [{ source: { identifier: v[0] }, inputParameters: { [v[1]]: 'x' } }] }) : '',
      );
    case 'NextToken':
      return fc.constant('');
    default:
      return /Name$/.test(param) ? name : fc.string({ maxLength: 12 });
  }
}

/**
 * Mostly valid requests with a few mutations (a value swapped for a nasty one, a parameter dropped,
 * an unknown one added): they reach the handlers and the store, where plain noise cannot.
 */
export const nearValidRequest: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...ACTION_NAMES).chain((action) => {
  const names = acceptsOf(action);
  return fc
    .record({
      method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
      header: fc.boolean(),
      format: fc.constantFrom<'JSON' | 'XML' | undefined>('JSON', 'XML', undefined),
      key: fc.constantFrom(KEYS.default, KEYS.default, KEYS.default, KEYS.alice),
      values: fc.tuple(...names.map((n) => fc.option(goodValue(n), { freq: 4, nil: undefined }))),
      mutations: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.oneof(anyString, jsonValue, int) }),
          fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('extra' as const), key: keyFor(action), value: anyString }),
        ),
        { maxLength: 2 },
      ),
    })
    .map((r) => {
      const pairs: { key: string; value: string }[] = [];
      names.forEach((n, i) => {
        const v = r.values[i];
        if (v !== undefined) pairs.push({ key: n, value: v });
      });
      for (const m of r.mutations) {
        if (m.kind === 'extra') pairs.push({ key: m.key, value: m.value });
        else if (pairs.length > 0) {
          const at = m.at % pairs.length;
          if (m.kind === 'drop') pairs.splice(at, 1);
          else pairs[at] = { key: pairs[at].key, value: m.value };
        }
      }
      const headers: Record<string, string> = {};
      const common: { key: string; value: string }[] = [{ key: 'AccessKeyId', value: r.key }];
      if (r.header) {
        headers['x-acs-action'] = action;
        headers['x-acs-version'] = '2020-09-07';
      } else common.push({ key: 'Action', value: action }, { key: 'Version', value: '2020-09-07' });
      if (r.format) common.push({ key: 'Format', value: r.format });
      const enc = (ps: { key: string; value: string }[]) => ps.map((p) => `${pct(p.key)}=${pct(p.value)}`).join('&');
      const req: FuzzRequest = { method: r.method, url: '/', headers, action, label: '' };
      if (r.method === 'GET') req.url = `/?${enc([...common, ...pairs])}`;
      else {
        req.url = `/?${enc(common)}`;
        headers['content-type'] = 'application/x-www-form-urlencoded';
        req.payload = enc(pairs);
      }
      if (!pairs.some((p) => p.key === 'Format' || p.key === 'Action')) req.expectFormat = r.format ?? (r.header ? 'JSON' : 'XML');
      req.label = `${req.method} ${req.url.slice(0, 300)} headers=${JSON.stringify(headers)} body=${String(req.payload ?? '').slice(0, 300)}`;
      return req;
    });
});

// ---- requests ---------------------------------------------------------------------------------

/** How a key or value is written on the wire. */
export type Encoding = 'ok' | 'raw' | 'bad';

export interface Pair {
  key: string;
  value: string;
  enc: Encoding;
  /** POST only: whether the pair goes in the body (else the query). */
  inBody: boolean;
}

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, as in Buffer.from). */
export function pct(s: string): string {
  const wellFormed = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return encodeURIComponent(wellFormed).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
const BAD_PCT = ['%', '%z', '%zz', '%E0%80', '%ED%A0%80', '%C0%AF', '%FF', '%F4%90%80%80', '%%', '%2', '%u0041'];
/** ASCII only, possibly with &, = and # that change the request's structure. */
const rawAscii = (s: string) => s.replace(/[^\x20-\x7e]/g, '');

function writePart(s: string, enc: Encoding, badIdx: number): string {
  if (enc === 'ok') return pct(s);
  if (enc === 'raw') return rawAscii(s).replace(/ /g, '+');
  const cut = Math.min(badIdx % (s.length + 1), s.length);
  return pct(s.slice(0, cut)) + BAD_PCT[badIdx % BAD_PCT.length] + pct(s.slice(cut));
}

export function encodePairs(pairs: { key: string; value: string; enc: Encoding }[]): string {
  return pairs.map((p, i) => `${writePart(p.key, p.enc === 'bad' && i % 2 === 0 ? 'bad' : p.enc === 'bad' ? 'ok' : p.enc, i * 7 + 3)}=${writePart(p.value, p.enc, i * 5 + 1)}`).join('&');
}

export interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** The format the answer must come in, when the request makes it knowable. */
  expectFormat?: 'JSON' | 'XML';
  action: string;
  label: string;
}

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded; charset=utf-16', 'application/x-www-form-urlencoded; charset=latin1',
  'application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=xyz', 'application/octet-stream', 'a/b/c;;=', ';', '',
];

/** ACS3 Authorization headers, well-formed to broken (signature verification lands with issue 4). */
const authorization: fc.Arbitrary<string> = fc
  .record({
    scheme: fc.constantFrom('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3', 'ACS3-', 'acs3-hmac-sha256', 'Bearer', 'ACS'),
    credential: fc.constantFrom(KEYS.default, KEYS.alice, '', 'LTAI-unknown', 'a,b', '=', '\\'),
    signedHeaders: fc.constantFrom('host;x-acs-action;x-acs-date', '', ';;;', 'host', 'x-acs-'.repeat(50), 'HOST;X-ACS-DATE'),
    signature: fc.constantFrom('', '0'.repeat(64), 'zz', 'f'.repeat(10_000)),
    order: fc.boolean(),
    sep: fc.constantFrom(',', ', ', ' ,', ',,', ' '),
  })
  .map((a) => {
    const parts = [`Credential=${a.credential}`, `SignedHeaders=${a.signedHeaders}`, `Signature=${a.signature}`];
    if (a.order) parts.reverse();
    return rawAscii(`${a.scheme} ${parts.join(a.sep)}`);
  });

const actionName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...ACTION_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...(UNEMULATED.length ? UNEMULATED : ['ListDiscoveredResources'])) },
  { weight: 1, arbitrary: fc.oneof(anyString, fc.constantFrom(...ACTION_NAMES).map((a) => a.toLowerCase()), fc.constantFrom(...ACTION_NAMES).map((a) => ` ${a} `)) },
);

/** Keys for an action: its own parameter names (plain and flattened), common ones and junk. */
function keyFor(action: string): fc.Arbitrary<string> {
  const own = acceptsOf(action);
  const ownArb = own.length ? fc.constantFrom(...own) : fc.constant('Foo');
  return fc.oneof(
    { weight: 10, arbitrary: ownArb },
    { weight: 3, arbitrary: fc.tuple(ownArb, fc.constantFrom('.1', '.1.Key', '.2.Value', '.0', '.10000', '.1.ManagedRuleIdentifier', '.1.ConfigRuleParameters.1.ParameterName', '.__proto__.x', '.constructor.prototype', '..', '.')).map(([k, s]) => k + s) },
    { weight: 1, arbitrary: fc.tuple(ownArb, fc.constantFrom(2, 13, 100, 30_000)).map(([k, n]) => k + '.1'.repeat(n)) },
    { weight: 2, arbitrary: fc.constantFrom('Format', 'Version', 'RegionId', 'AccessKeyId', 'Action', 'SignatureNonce', 'Timestamp', 'TimeStamp', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SecurityToken', 'SignatureType') },
    { weight: 2, arbitrary: fc.oneof(anyString, fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'Foo', '')) },
  );
}

/** One fuzzed RPC request against the registry, with everything the wire allows to go wrong. */
export const rpcRequest: fc.Arbitrary<FuzzRequest> = actionName.chain((action) =>
  fc
    .record({
      method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
      style: fc.constantFrom('classic', 'classic', 'header', 'both', 'none'),
      format: fc.constantFrom<string | undefined>('JSON', 'XML', 'json', 'xml', undefined, undefined, 'YAML', ''),
      version: fc.constantFrom<string | undefined>('2020-09-07', '2020-09-07', '2020-09-07', undefined, '2019-01-08', ''),
      key: fc.constantFrom<string | undefined>(KEYS.default, KEYS.default, KEYS.alice, undefined, 'LTAI-unknown'),
      pairs: fc.array(
        keyFor(action).chain((key) => fc.record({ key: fc.constant(key), value: valueFor(key.split('.')[0]), enc: fc.constantFrom<Encoding>('ok', 'ok', 'ok', 'ok', 'ok', 'raw', 'bad'), inBody: fc.boolean() })),
        { maxLength: 8 },
      ),
      duplicate: fc.boolean(),
      contentType: fc.constantFrom(...CONTENT_TYPES, 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'),
      bodyKind: fc.constantFrom('form', 'form', 'form', 'json', 'bytes', 'empty'),
      bytes: fc.uint8Array({ maxLength: 64 }),
      extraHeaders: fc.dictionary(
        fc.constantFrom('x-acs-action', 'x-acs-version', 'accept', 'x-acs-date', 'authorization', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-acs-security-token', 'x-acs-accesskey-id', 'host'),
        fc.oneof(fc.string({ maxLength: 20 }).map(rawAscii), authorization),
        { maxKeys: 3 },
      ),
    })
    .map((r) => {
      const common: Pair[] = [];
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.extraHeaders)) headers[k] = v;
      const actionOnWire = /^[\x21-\x7e]*$/.test(action) ? action : rawAscii(action);
      if (r.style === 'classic' || r.style === 'both') common.push({ key: 'Action', value: action, enc: 'ok', inBody: false });
      if (r.style === 'header' || r.style === 'both') headers['x-acs-action'] = actionOnWire;
      if (r.style === 'header' && r.version !== undefined) headers['x-acs-version'] = rawAscii(r.version);
      else if (r.version !== undefined) common.push({ key: 'Version', value: r.version, enc: 'ok', inBody: false });
      if (r.format !== undefined) common.push({ key: 'Format', value: r.format, enc: 'ok', inBody: false });
      if (r.key !== undefined) common.push({ key: 'AccessKeyId', value: r.key, enc: 'ok', inBody: false });
      let pairs = [...common, ...r.pairs];
      if (r.duplicate && pairs.length > 0) pairs = [...pairs, { ...pairs[pairs.length - 1], value: pairs[0].value }];
      const queryPairs = r.method === 'GET' ? pairs : pairs.filter((p) => !p.inBody);
      const bodyPairs = r.method === 'GET' ? [] : pairs.filter((p) => p.inBody);
      const qs = encodePairs(queryPairs);
      const req: FuzzRequest = { method: r.method, url: qs ? `/?${qs}` : '/', headers, action, label: '' };
      if (r.method === 'POST') {
        if (r.contentType !== '') headers['content-type'] = r.contentType;
        if (r.bodyKind === 'form') req.payload = encodePairs(bodyPairs);
        else if (r.bodyKind === 'json') req.payload = JSON.stringify(Object.fromEntries(bodyPairs.map((p) => [p.key, p.value])));
        else if (r.bodyKind === 'bytes') req.payload = Buffer.from(r.bytes);
      }
      // The answer's format is knowable when the query parses and no fuzzed pair can override
      // Format or Action: the asked-for format, else the default of the request's style.
      if (r.pairs.every((p) => p.enc === 'ok' && p.key !== 'Format' && p.key !== 'Action')) {
        const headerStyle = !common.some((p) => p.key === 'Action') && headers['x-acs-action'] !== undefined;
        const upper = r.format?.toUpperCase();
        req.expectFormat = upper === 'JSON' || upper === 'XML' ? upper : headerStyle ? 'JSON' : 'XML';
      }
      req.label = `${req.method} ${req.url.slice(0, 300)} headers=${JSON.stringify(headers).slice(0, 200)} body=${String(req.payload ?? '').slice(0, 200)}`;
      return req;
    }),
);

// ---- invariants -------------------------------------------------------------------------------

export const CODE = /^[A-Za-z][A-Za-z0-9.]*$/;
export const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

export interface XmlNode {
  name: string;
  text: string;
  children: XmlNode[];
}

/**
 * Strict XML 1.0 well-formedness (saxes: characters, names, entities, nesting, one root) and a
 * small tree of the document. Throws on anything malformed.
 */
export function parseXml(body: string): XmlNode {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const node: XmlNode = { name: tag.name, text: '', children: [] };
    if (stack.length) stack[stack.length - 1].children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (s) => {
    if (stack.length) stack[stack.length - 1].text += s;
  });
  parser.on('cdata', (s) => {
    if (stack.length) stack[stack.length - 1].text += s;
  });
  parser.write(body).close();
  if (error) throw error;
  if (!root) throw new Error('no root element');
  return root;
}

export const child = (n: XmlNode, name: string) => n.children.find((c) => c.name === name);

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export interface Checked {
  format: 'JSON' | 'XML';
  ok: boolean;
  code?: string;
  message?: string;
  json?: Record<string, unknown>;
  xml?: XmlNode;
}

/** Every RPC answer: never a 5xx (but 501 NotImplemented / 503 ServiceUnavailable), parseable, with a catalog-shaped error. */
export function checkRpcAnswer(res: Answer, expectFormat?: 'JSON' | 'XML', injected?: string): Checked {
  stats.requests++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  const fail = (why: string): never => {
    throw new Error(`${why}: HTTP ${res.status} ${res.contentType} ${res.body.slice(0, 500)}`);
  };
  // An injected fault (issue 6) may answer any status of its catalog error; nothing else may be a 5xx.
  const serverError = res.status >= 500 && res.status !== 501 && res.status !== 503;
  if (serverError && injected === undefined) fail('server error');
  let format: 'JSON' | 'XML';
  if (res.contentType === 'application/json;charset=utf-8') format = 'JSON';
  else if (res.contentType === (res.status === 200 ? 'application/xml;charset=utf-8' : 'text/xml;charset=utf-8')) format = 'XML';
  else return fail('unexpected content type');
  if (expectFormat && format !== expectFormat) fail(`asked for ${expectFormat}, got ${format}`);
  const ok = res.status === 200;
  const out: Checked = { format, ok };
  if (format === 'JSON') {
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch (e) {
      return fail(`malformed JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) fail('JSON answer is not an object');
    const o = json as Record<string, unknown>;
    if (typeof o.RequestId !== 'string' || !REQUEST_ID.test(o.RequestId)) fail('no RequestId');
    out.json = o;
    if (!ok) {
      if (typeof o.Code !== 'string' || !CODE.test(o.Code)) fail('bad Code');
      if (typeof o.Message !== 'string' || o.Message === '') fail('no Message');
      if (o.HostId !== 'config.cn-shanghai.aliyuncs.com') fail('no HostId');
      out.code = o.Code as string;
      out.message = o.Message as string;
    } else if ('Code' in o) fail('a success must not carry Code (pop-core reads it as an error)');
  } else {
    let root: XmlNode;
    try {
      root = parseXml(res.body);
    } catch (e) {
      return fail(`malformed XML (${(e as Error).message})`);
    }
    const rid = child(root, 'RequestId')?.text;
    if (!rid || !REQUEST_ID.test(rid)) fail('no RequestId');
    out.xml = root;
    if (!ok) {
      if (root.name !== 'Error') fail('error root is not <Error>');
      const code = child(root, 'Code')?.text ?? '';
      if (!CODE.test(code)) fail('bad Code');
      const message = child(root, 'Message')?.text ?? '';
      if (message === '') fail('no Message');
      out.code = code;
      out.message = message;
    } else if (!root.name.endsWith('Response')) fail('success root is not <{Action}Response>');
  }
  if (serverError && out.code !== injected) fail(`server error (not the injected ${injected})`);
  if (!ok) {
    if (res.status < 400) fail('error status below 400');
    if (res.status === 501 && out.code !== 'NotImplemented') fail('501 without NotImplemented');
    if (res.status === 503 && out.code !== 'ServiceUnavailable' && out.code !== injected) fail('503 without ServiceUnavailable');
    stats.codes.add(out.code!);
  }
  return out;
}

/** Which tables differ between two dumps, with the first differing row of each (to find the cause). */
function dumpDiff(before: string, after: string): string {
  const a = new Map(JSON.parse(before) as [string, unknown[]][]);
  const b = new Map(JSON.parse(after) as [string, unknown[]][]);
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(name) ?? []).map((r) => JSON.stringify(r));
    const y = (b.get(name) ?? []).map((r) => JSON.stringify(r));
    if (x.join('\n') === y.join('\n')) continue;
    const gone = x.filter((r) => !y.includes(r));
    const added = y.filter((r) => !x.includes(r));
    out.push(`${name}: -${gone.length} +${added.length} ${(gone[0] ?? '').slice(0, 200)} => ${(added[0] ?? '').slice(0, 200)}`);
  }
  return out.join('; ');
}

/**
 * Tracks the store across requests cheaply: `total_changes()` only moves when a statement wrote,
 * and only then is the full dump compared. A failed request must leave the dump byte-identical.
 */
export class StoreWatch {
  private snapshot: string;
  private changes: number;
  private readonly stmt;
  constructor(private readonly em: Emulator) {
    this.stmt = em.services.store.db.prepare('SELECT total_changes() AS n');
    this.snapshot = dumpStore(em);
    this.changes = this.total();
  }
  private total(): number {
    return (this.stmt.get() as { n: number }).n;
  }
  /**
   * Call before each request: waits for the report builds of earlier requests (the background writes
   * that turn a pending report row into its final bytes, src/reports/service.ts) and accepts their
   * changes, so they are never blamed on the next request.
   */
  async settle(): Promise<void> {
    await reportBuildsSettled(this.em.services.store);
    const n = this.total();
    if (n === this.changes) return;
    this.snapshot = dumpStore(this.em);
    this.changes = n;
  }
  /** Call after each request; throws when a failed request changed the store. */
  after(succeeded: boolean, label: string): void {
    const n = this.total();
    if (n === this.changes) return;
    const now = dumpStore(this.em);
    if (!succeeded && now !== this.snapshot) throw new Error(`a failed request changed the store (${dumpDiff(this.snapshot, now)}): ${label.slice(0, 400)}`);
    this.snapshot = now;
    this.changes = n;
  }
  get dump(): string {
    return this.snapshot;
  }
}

/** Sends a fuzzed request through inject and checks every invariant; returns the checked answer. */
export async function sendChecked(em: Emulator, watch: StoreWatch, req: FuzzRequest, injected?: string): Promise<Checked> {
  await watch.settle();
  const res = await em.app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload });
  let checked: Checked;
  try {
    checked = checkRpcAnswer({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body }, req.expectFormat, injected);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n  request: ${req.label}`);
  }
  watch.after(checked.ok, req.label);
  return checked;
}
