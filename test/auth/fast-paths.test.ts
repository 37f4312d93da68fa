/**
 * The cheaper V3 verification paths against what they replaced: the hand-written Authorization
 * parser against the regex, the two-hash HMAC against createHmac, the string comparison against
 * the Buffer one, the nonce set against the Map it was. And the caches (SignedHeaders lists, HMAC
 * key blocks, the per-call key lookup): bounded, and never accepting what a fresh computation
 * would refuse.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { safeEqualAscii, safeEqualHexIgnoreCase } from '../../src/auth/common.js';

import { NonceCache } from '../../src/auth/nonces.js';
import {
  HMAC_PAD_CACHE_SIZE, hmacHex, hmacPadCacheSize, parseAuthorization, SIGNED_HEADER_CACHE_MAX_LENGTH, SIGNED_HEADER_CACHE_SIZE,
  signedHeaderCacheSize, signedHeaderList, v3CanonicalQuery, v3Signature, type V3Authorization,
} from '../../src/auth/v3.js';
import { percentEncode } from '../../src/protocol/form.js';
import { DEMO, NOW, testApp } from '../helpers.js';
import { freshNonce, v3Call } from './sign.js';

/** The reference: constant-time equality of the UTF-8 bytes (what the verifiers used before). */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const DEFAULT = DEMO.defaultKey;
const strict = { config: { auth: 'strict' as const } };

/** The parser as it was: a regex, a split, a dictionary of items. */
function referenceParse(header: string | undefined): V3Authorization | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(ACS3-[A-Za-z0-9-]+)(?:\s+(.*))?$/s.exec(header);
  if (!m) return undefined;
  const parts: Record<string, string> = {};
  for (const item of (m[2] ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq === -1) continue;
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    if (k !== '' && v !== '' && !(k in parts)) parts[k] = v;
  }
  return { algorithm: m[1], credential: parts.Credential, signedHeaders: parts.SignedHeaders, signature: parts.Signature };
}

t.test('parseAuthorization gives what the regex parser gave, on random headers', async (t) => {
  // Pieces that matter to the grammar: every kind of JS whitespace (ASCII, Latin-1, Unicode, BOM,
  // line breaks; U+180E is not whitespace any more), the separators, the three keys and near misses.
  const piece = fc.constantFrom(
    'ACS3-', 'ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3', 'HMAC', '-', 'acs3-', 'x', '9', 'é', '日', '\ud800',
    ' ', '  ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2003', '\u2028', '\u202f', '\u3000', '\ufeff', '\u180e', '\u200b',
    ',', '=', ';', ',,', '==', 'Credential', 'SignedHeaders', 'Signature', 'credential', 'Signatures', 'Credential=ak',
    'SignedHeaders=host;x-acs-date', 'Signature=ff', 'Signature=', '__proto__', 'constructor', 'toString',
  );
  const header = fc.oneof(
    fc.array(piece, { maxLength: 24 }).map((a) => a.join('')),
    fc.tuple(fc.array(piece, { maxLength: 4 }), fc.array(piece, { maxLength: 20 })).map(([a, b]) => `${a.join('')}ACS3-HMAC-SHA256${b.join('')}`),
    fc.string(),
    fc.string({ unit: 'binary' }),
  );
  const out = fc.check(fc.property(header, (h) => JSON.stringify(parseAuthorization(h)) === JSON.stringify(referenceParse(h))), { numRuns: RUNS * 5 });
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same answers');
  for (const h of [
    'ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ff',
    ' \u00a0ACS3-HMAC-SHA256\u3000Credential = ak ,Credential=other, Signature=,Signature= ff \ufeff',
    'ACS3-HMAC-SHA256',
    'ACS3-HMAC-SHA256,Credential=ak',
    'ACS3-',
    'ACS3-HMAC-SHA256\u180eCredential=ak',
    'ACS3-X \n Credential=a\nb,SignedHeaders=,SignedHeaders=h',
  ]) {
    t.same(parseAuthorization(h), referenceParse(h), JSON.stringify(h));
  }
  t.equal(parseAuthorization(undefined), undefined);
});

t.test('hmacHex is HMAC: against createHmac, SHA-256 and SM3, every key and message size', async (t) => {
  const out = fc.check(
    fc.property(
      fc.constantFrom('sha256', 'sm3'),
      fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.constantFrom('', 'x'.repeat(64), 'y'.repeat(65), 'é'.repeat(32), 'é'.repeat(33))),
      fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', 'm'.repeat(85), 'm'.repeat(86), '\ud800'.repeat(85), '\ud800'.repeat(86))),
      (alg, secret, message) => hmacHex(alg, secret, message) === createHmac(alg, secret).update(message, 'utf8').digest('hex'),
    ),
    { numRuns: RUNS },
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same digests');
  // The same key blocks serve messages of different lengths one after the other.
  for (const message of ['a', 'a'.repeat(80), 'b', 'c'.repeat(300), 'd'.repeat(81)]) {
    t.equal(v3Signature('ACS3-HMAC-SHA256', 'k', message), createHmac('sha256', 'k').update(message).digest('hex'), `length ${message.length}`);
  }
});

t.test('the HMAC key blocks kept per secret are bounded, and still right after the cache starts over', async (t) => {
  let bad = 0;
  for (let i = 0; i < HMAC_PAD_CACHE_SIZE + 50; i++) {
    const secret = `secret-${i}`;
    if (hmacHex('sha256', secret, 'm') !== createHmac('sha256', secret).update('m').digest('hex')) bad++;
    if (hmacPadCacheSize() > HMAC_PAD_CACHE_SIZE) bad++;
  }
  t.equal(bad, 0, 'right digests, never more kept than the bound');
  t.ok(hmacPadCacheSize() > 0);
  t.equal(hmacHex('sha256', 'secret-0', 'm'), createHmac('sha256', 'secret-0').update('m').digest('hex'), 'an early secret again');
  t.equal(hmacHex('sm3', 'secret-0', 'm'), createHmac('sm3', 'secret-0').update('m').digest('hex'), 'another hash, same secret');
});

t.test('safeEqualAscii answers like safeEqual when the expected text is ASCII', async (t) => {
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 0, maxLength: 70 });
  const presented = (e: string) =>
    fc.oneof(
      fc.constant(e),
      fc.string({ maxLength: 70 }),
      fc.string({ unit: 'binary', maxLength: 70 }),
      fc.nat({ max: Math.max(0, e.length - 1) }).chain((i) => fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }).map((c) => e.slice(0, i) + c + e.slice(i + 1))),
    );
  const out = fc.check(fc.property(hex.chain((e) => fc.tuple(fc.constant(e), presented(e))), ([e, p]) => safeEqualAscii(e, p) === safeEqual(e, p)), { numRuns: RUNS * 5 });
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same answers');
  t.ok(safeEqualAscii('ab', 'ab'));
  t.notOk(safeEqualAscii('ab', 'aB'));
  t.notOk(safeEqualAscii('ab', 'a'));
  t.notOk(safeEqualAscii('a\u0130', 'a\u0130'.toLowerCase()), 'lengths differ');
});

t.test('safeEqualHexIgnoreCase answers like comparing with the lower-cased text, for hex digests', async (t) => {
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 0, maxLength: 70 });
  // Capitals, and characters whose lower case is special: İ (two units), the Kelvin sign (k), fullwidth Ａ.
  const odd = fc.constantFrom('A', 'F', 'G', 'Z', '\u0130', '\u212a', '\uff21', '\u00c0', 'a', '0', ' ');
  const presented = (e: string) =>
    fc.oneof(
      fc.constant(e),
      fc.constant(e.toUpperCase()),
      fc.array(fc.boolean(), { minLength: e.length, maxLength: e.length }).map((up) => [...e].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')),
      fc.string({ maxLength: 70 }),
      fc.nat({ max: Math.max(0, e.length - 1) }).chain((i) => odd.map((c) => e.slice(0, i) + c + e.slice(i + 1))),
    );
  const out = fc.check(
    fc.property(hex.chain((e) => fc.tuple(fc.constant(e), presented(e))), ([e, p]) => safeEqualHexIgnoreCase(e, p) === safeEqualAscii(e, p.toLowerCase())),
    { numRuns: RUNS * 5 },
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same answers');
  t.ok(safeEqualHexIgnoreCase('0af9', '0AF9'));
  t.notOk(safeEqualHexIgnoreCase('0af9', '0af'));
  t.notOk(safeEqualHexIgnoreCase('0af9', '0ag9'));
});

t.test('signedHeaderList: what a fresh parse gives, kept per text, bounded', async (t) => {
  const fresh = (raw: string) => raw.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const raw of ['host;x-acs-date', ' Host ; X-ACS-Date ;;', '', ';', 'a;A;a', '\u00a0x\u00a0;\u0130', 'x;10;2;__proto__;constructor;2']) {
    const a = signedHeaderList(raw);
    t.same(a.names, fresh(raw), JSON.stringify(raw));
    t.equal(a.text, fresh(raw).join(';'));
    t.equal(signedHeaderList(raw), a, 'the same answer object the second time');
  }
  let bad = 0;
  for (let i = 0; i < SIGNED_HEADER_CACHE_SIZE + 20; i++) {
    const raw = `host;x-h-${i}`;
    if (signedHeaderList(raw).text !== `host;x-h-${i}`) bad++;
    if (signedHeaderCacheSize() > SIGNED_HEADER_CACHE_SIZE) bad++;
  }
  t.equal(bad, 0, 'right lists, never more kept than the bound');
  const long = `host;${'x'.repeat(SIGNED_HEADER_CACHE_MAX_LENGTH)}`;
  const before = signedHeaderCacheSize();
  t.same(signedHeaderList(long).names, fresh(long));
  t.equal(signedHeaderCacheSize(), before, 'a long text is not kept');
  t.not(signedHeaderList(long), signedHeaderList(long), 'parsed each time');
});

t.test('v3CanonicalQuery sorts like Array#sort, small queries and large', async (t) => {
  const reference = (q: Record<string, string>) =>
    Object.keys(q)
      .sort()
      .map((k) => `${k}=${percentEncode(q[k])}`)
      .join('&');
  const key = fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('a', 'A', 'b', '_', '~', '0', '10', '2', 'é', '\ud800', '😀', 'Action'));
  const out = fc.check(
    fc.property(fc.dictionary(key, fc.string({ maxLength: 6 }), { maxKeys: 40 }), (d) => {
      const q = Object.assign(Object.create(null) as Record<string, string>, d);
      return v3CanonicalQuery('', q) === reference(q);
    }),
    { numRuns: RUNS },
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same text');
});

/** The nonce set as it was: one Map, iterated from the start for the oldest entries. */
class ReferenceNonces {
  private readonly seen = new Map<string, number>();
  constructor(readonly capacity: number, private readonly windowMs: number) {}
  get size() {
    return this.seen.size;
  }
  use(accessKeyId: string, nonce: string, timestamp: number, now: number): boolean {
    const key = `${accessKeyId}\n${nonce}`;
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry >= now) return false;
    if (expiry !== undefined) this.seen.delete(key);
    for (const [k, e] of this.seen) {
      if (e >= now) break;
      this.seen.delete(k);
    }
    while (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, Math.max(timestamp, now) + this.windowMs);
    return true;
  }
}

t.test('NonceCache answers like the Map it replaced, on random sequences', async (t) => {
  const op = fc.record({ key: fc.constantFrom('k1', 'k2', 'k\n3'), nonce: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '', 'k2\na'), dt: fc.constantFrom(0, 0, 1, 3, 10, 11, 25, 100), skew: fc.integer({ min: -15, max: 15 }) });
  const out = fc.check(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
      const mine = new NonceCache(capacity, 10);
      const ref = new ReferenceNonces(capacity, 10);
      let now = NOW;
      for (const o of ops) {
        now += o.dt;
        if (mine.use(o.key, o.nonce, now + o.skew, now) !== ref.use(o.key, o.nonce, now + o.skew, now) || mine.size !== ref.size) return false;
      }
      return true;
    }),
    { numRuns: RUNS },
  );
  t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same answers, same sizes');

  // Long runs: the queue is compacted many times over (capacity evictions, expiries, re-use).
  const mine = new NonceCache(50, 1000);
  const ref = new ReferenceNonces(50, 1000);
  let now = NOW;
  let same = true;
  for (let i = 0; i < 30_000 && same; i++) {
    now += i % 7;
    const nonce = `n${(i * 7919) % 120}`;
    same = mine.use(i % 3 ? 'k' : 'j', nonce, now - (i % 11) * 100, now) === ref.use(i % 3 ? 'k' : 'j', nonce, now - (i % 11) * 100, now) && mine.size === ref.size;
  }
  t.ok(same, 'same answers over 30 000 uses');
});

t.test('NonceCache: dead entries stay bounded when the oldest entry does not expire', async (t) => {
  const c = new NonceCache(10, 10);
  const ref = new ReferenceNonces(10, 10);
  // A timestamp far ahead keeps the oldest entry alive; 'n' is used again and again after expiring.
  t.ok(c.use('k', 'far', NOW + 1e9, NOW));
  ref.use('k', 'far', NOW + 1e9, NOW);
  let now = NOW;
  let same = true;
  for (let i = 0; i < 5000; i++) {
    now += 11;
    same &&= c.use('k', 'n', now, now) === ref.use('k', 'n', now, now) && c.size === ref.size;
  }
  t.ok(same, 'same answers');
  t.equal(c.size, 2);
  t.ok(c.slotsInUse <= 2 * 10 + 16, `the ring holds no more than its bound (${c.slotsInUse} slots)`);
  t.notOk(c.use('k', 'far', NOW + 1e9, now), 'the old entry is still there');
});

t.test('NonceCache tells pairs apart by fingerprint: no false replay among 300 000 nonces, every replay caught', async (t) => {
  const c = new NonceCache(100_000, 1e9);
  let now = NOW;
  let refused = 0;
  for (let i = 0; i < 300_000; i++) if (!c.use(i % 2 ? 'LTAI5tEmulatorDefaultKey' : 'LTAI5tEmulatorAliceKey', `${i.toString(36)}-nonce`, now, (now += 1))) refused++;
  t.equal(refused, 0, 'every new pair accepted');
  t.equal(c.size, 100_000, 'full, the oldest let go');
  let caught = 0;
  for (let i = 200_000; i < 300_000; i++) if (!c.use(i % 2 ? 'LTAI5tEmulatorDefaultKey' : 'LTAI5tEmulatorAliceKey', `${i.toString(36)}-nonce`, now, now)) caught++;
  t.equal(caught, 100_000, 'every kept pair is a replay');
  t.ok(c.use('LTAI5tEmulatorDefaultKey', `${(1).toString(36)}-nonce`, now, now), 'a pair let go of is new again');
  // Where the key ends and the nonce starts is part of the pair.
  const d = new NonceCache(10, 1000);
  t.ok(d.use('ab', 'c', NOW, NOW));
  t.ok(d.use('a', 'bc', NOW, NOW));
  t.ok(d.use('a\nb', 'c', NOW, NOW));
  t.ok(d.use('a', 'b\nc', NOW, NOW));
  t.notOk(d.use('ab', 'c', NOW, NOW));
});

t.test('NonceCache: a ring full of dead slots is compacted, live entries kept in order', async (t) => {
  const c = new NonceCache(4, 10);
  const ref = new ReferenceNonces(4, 10);
  let now = NOW;
  let same = true;
  // Three entries that never expire, and one nonce that expires and comes back, again and again.
  for (const n of ['x', 'y', 'z']) same &&= c.use('k', n, now + 1e9, now) === ref.use('k', n, now + 1e9, now);
  let most = 0;
  for (let i = 0; i < 500; i++) {
    now += 11;
    same &&= c.use('k', 'again', now, now) === ref.use('k', 'again', now, now) && c.size === ref.size;
    most = Math.max(most, c.slotsInUse);
  }
  t.ok(most <= 2 * 4 + 16, `the ring stays within its bound (${most} slots at most)`);
  same &&= c.use('k', 'new', now, now) === ref.use('k', 'new', now, now); // full: 'x' goes (oldest)
  same &&= c.use('k', 'x', now, now) === ref.use('k', 'x', now, now);
  same &&= c.use('k', 'z', now, now) === ref.use('k', 'z', now, now);
  t.ok(same, 'same answers as the reference');
  t.notOk(c.use('k', 'z', now, now), 'z is still kept');
});

t.test('through the app: a rotated secret, a tampered signed header and a replay are refused after the caches warmed up', async (t) => {
  const em = await testApp(t, strict);
  const q = { query: { MaxResults: '10' }, now: NOW };
  for (let i = 0; i < 3; i++) t.equal((await v3Call(em, 'ListAggregators', DEFAULT, q)).status, 200, `warm-up ${i}`);
  // Same SignedHeaders text as the warm-up requests, a signed header changed after signing.
  const changed = await v3Call(em, 'ListAggregators', DEFAULT, { ...q, tamper: (r) => (r.headers['x-acs-signature-nonce'] += '-changed') });
  t.equal(changed.json.Code, 'SignatureDoesNotMatch', 'a signed value changed');
  const host = await v3Call(em, 'ListAggregators', DEFAULT, { ...q, tamper: (r) => (r.headers.host = '127.0.0.1:8081') });
  t.equal(host.json.Code, 'SignatureDoesNotMatch', 'the Host changed');
  // The same key id with a new secret: the old secret's key blocks must not answer for it.
  em.services.store.accounts.upsertAccessKey({ accessKeyId: DEFAULT.id, secret: 'RotatedSecret', accountId: DEMO.managementAccountId });
  const old = await v3Call(em, 'ListAggregators', DEFAULT, q);
  t.equal(old.json.Code, 'SignatureDoesNotMatch', 'the old secret is refused');
  t.equal((await v3Call(em, 'ListAggregators', { id: DEFAULT.id, secret: 'RotatedSecret' }, q)).status, 200, 'the new secret passes');
  const nonce = freshNonce();
  t.equal((await v3Call(em, 'ListAggregators', { id: DEFAULT.id, secret: 'RotatedSecret' }, { ...q, nonce })).status, 200);
  t.equal((await v3Call(em, 'ListAggregators', { id: DEFAULT.id, secret: 'RotatedSecret' }, { ...q, nonce })).json.Code, 'SignatureNonceUsed');
});
