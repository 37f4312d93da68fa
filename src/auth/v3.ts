/**
 * Signature V3 (ACS3-HMAC-SHA256, and ACS3-HMAC-SM3 with Node's built-in sm3), as the current
 * SDKs send it (clients.md §3.1, §4.2; protocol.md §2a).
 *
 *   Authorization    = <ALG> Credential=<AccessKeyId>,SignedHeaders=<h1;h2;…>,Signature=<hex>
 *   HashedPayload    = hex(HASH(raw body bytes)); must equal x-acs-content-sha256 when sent
 *   CanonicalQuery   = decoded query, keys sorted, k + '=' + pctEncode(v), joined with '&'
 *                      (keys are not re-encoded, as openapi-util does)
 *   CanonicalHeaders = for each name in SignedHeaders (from the request): name:trim(value)\n
 *   CanonicalRequest = METHOD\n/\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload
 *   StringToSign     = ALG + '\n' + hex(HASH(CanonicalRequest))
 *   Signature        = hex(HMAC(secret, StringToSign))         (no '&' on the key)
 *
 * The scheme is "mine" when an `Authorization: ACS3-…` header is present. x-acs-date is the
 * timestamp and x-acs-signature-nonce the nonce; the Host header is used as received.
 */
import { hash } from 'node:crypto';
import { Errors } from '../errors.js';
import { parseForm, percentEncode, type Params } from '../protocol/form.js';
import { checkTimestamp, headerValue, safeEqualHexIgnoreCase, type AuthRequest, type Verdict, type Verifier, type VerifyContext } from './common.js';

/** Algorithm name -> Node hash name. */
export const V3_ALGORITHMS: Record<string, string> = {
  'ACS3-HMAC-SHA256': 'sha256',
  'ACS3-HMAC-SM3': 'sm3',
};

export interface V3Authorization {
  algorithm: string;
  credential: string | undefined;
  signedHeaders: string | undefined;
  signature: string | undefined;
}

/** JS `\s` for one UTF-16 unit: ASCII inline, the rest (rare in a header) by the regex itself. */
const SPACE = /^\s$/;
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0xa0 && SPACE.test(String.fromCharCode(c)));
}
/** [A-Za-z0-9-] */
function isAlgorithmChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

/**
 * Parses `ACS3-… Credential=..,SignedHeaders=..,Signature=..`; undefined if not ACS3.
 *
 * By hand, with exactly the answers of `/^\s*(ACS3-[A-Za-z0-9-]+)(?:\s+(.*))?$/s` followed by a
 * split on ',' where each `key=value` item is trimmed and the first item with a non-empty value
 * wins (test/auth/fast-paths.test.ts compares the two on random headers): the regex, its match
 * array and a dictionary of every item cost more than the rest of the parse.
 */
export function parseAuthorization(header: string | undefined): V3Authorization | undefined {
  if (header === undefined) return undefined;
  const n = header.length;
  let i = 0;
  while (i < n && isSpace(header.charCodeAt(i))) i++;
  if (!header.startsWith('ACS3-', i)) return undefined;
  let j = i + 5;
  while (j < n && isAlgorithmChar(header.charCodeAt(j))) j++;
  if (j === i + 5) return undefined;
  const out: V3Authorization = { algorithm: header.slice(i, j), credential: undefined, signedHeaders: undefined, signature: undefined };
  if (j === n) return out;
  if (!isSpace(header.charCodeAt(j))) return undefined;
  // The items: what follows the algorithm and its spaces, split on ','. Leading spaces are trimmed
  // off the first item anyway, so the scan may start right after the algorithm. Keys and values
  // are trimmed by index (isSpace is trim's set) and only a wanted key's value is cut out.
  let start = j;
  let eq = header.indexOf('=', start); // the next '=' at or after `start` (-1: none left)
  while (start <= n) {
    let end = header.indexOf(',', start);
    if (end === -1) end = n;
    if (eq !== -1 && eq < start) eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      let ks = start;
      let ke = eq;
      while (ks < ke && isSpace(header.charCodeAt(ks))) ks++;
      while (ke > ks && isSpace(header.charCodeAt(ke - 1))) ke--;
      const which = ke - ks === 10 && header.startsWith('Credential', ks) ? 1 : ke - ks === 13 && header.startsWith('SignedHeaders', ks) ? 2 : ke - ks === 9 && header.startsWith('Signature', ks) ? 3 : 0;
      if (which !== 0 && (which === 1 ? out.credential : which === 2 ? out.signedHeaders : out.signature) === undefined) {
        let vs = eq + 1;
        let ve = end;
        while (vs < ve && isSpace(header.charCodeAt(vs))) vs++;
        while (ve > vs && isSpace(header.charCodeAt(ve - 1))) ve--;
        if (ve > vs) {
          const v = header.slice(vs, ve);
          if (which === 1) out.credential = v;
          else if (which === 2) out.signedHeaders = v;
          else out.signature = v;
        }
      }
    }
    start = end + 1;
  }
  return out;
}

/** `query`: the decoded query when the caller has it already (it must be parseForm(rawQuery)). */
export function v3CanonicalQuery(rawQuery: string, query: Params = parseForm(rawQuery)): string {
  const keys = Object.keys(query);
  const n = keys.length;
  // The order of Array#sort (UTF-16 code units, keys are distinct); a query has a few keys, and an
  // insertion sort of a few strings costs a fraction of the general sort.
  if (n > 16) keys.sort();
  else {
    for (let i = 1; i < n; i++) {
      const k = keys[i];
      let j = i - 1;
      for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j];
      keys[j + 1] = k;
    }
  }
  let out = '';
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    out += (i === 0 ? k : '&' + k) + '=' + percentEncode(query[k]);
  }
  return out;
}

export function v3Hash(algorithm: string, data: string | Buffer): string {
  // One-shot hashing (no Hash object per call); strings are hashed as UTF-8.
  return hash(V3_ALGORITHMS[algorithm], data, 'hex');
}

/** The hash of an empty payload (every GET), per algorithm, computed once. */
const EMPTY_PAYLOAD_HASH: Record<string, string> = Object.fromEntries(Object.keys(V3_ALGORITHMS).map((a) => [a, v3Hash(a, '')]));

export interface V3Canonical {
  canonicalRequest: string;
  stringToSign: string;
  hashedPayload: string;
}

/** `signedHeadersText`: the names joined with ';', when the caller has it already. */
export function v3Canonical(
  algorithm: string,
  req: { method: string; rawQuery: string; query?: Params; rawBody: string | Buffer; headers: AuthRequest['headers'] },
  signedHeaders: readonly string[],
  signedHeadersText: string = signedHeaders.join(';'),
): V3Canonical {
  const hashedPayload = req.rawBody.length === 0 ? EMPTY_PAYLOAD_HASH[algorithm] : v3Hash(algorithm, req.rawBody);
  let canonicalHeaders = '';
  for (let i = 0; i < signedHeaders.length; i++) {
    const h = signedHeaders[i];
    canonicalHeaders += `${h}:${(headerValue(req.headers, h) ?? '').trim()}\n`;
  }
  // Node hands the method over in upper case already; the shortcut spares a string conversion.
  const method = req.method === 'GET' || req.method === 'POST' ? req.method : req.method.toUpperCase();
  const canonicalRequest = `${method}\n/\n${v3CanonicalQuery(req.rawQuery, req.query)}\n${canonicalHeaders}\n${signedHeadersText}\n${hashedPayload}`;
  const stringToSign = `${algorithm}\n${v3Hash(algorithm, canonicalRequest)}`;
  return { canonicalRequest, stringToSign, hashedPayload };
}

/** The SignedHeaders of an Authorization header: the names as they are looked up, and their text. */
export interface SignedHeaderList {
  /** Trimmed, lower-cased, empty names left out, in the order the request gave. */
  readonly names: readonly string[];
  /** `names` joined with ';' (what the canonical request carries). */
  readonly text: string;
  /** `names` as a set (the coverage check). */
  readonly has: ReadonlySet<string>;
}

/**
 * The same text as a property key (V8 internalizes keys): a lookup of a header by a name that is
 * not internalized makes V8 find it in its string table first, on every request.
 */
function internalized(name: string): string {
  return Object.keys({ [name]: true })[0];
}

/** Entries kept by `signedHeaderList`; past this the cache starts over. */
export const SIGNED_HEADER_CACHE_SIZE = 256;
/** Longer SignedHeaders texts are parsed every time, never kept. */
export const SIGNED_HEADER_CACHE_MAX_LENGTH = 1024;
const signedHeaderLists = new Map<string, SignedHeaderList>();
let lastSignedHeaders: { raw: string; list: SignedHeaderList } | undefined;

/**
 * Parses SignedHeaders (`host;x-acs-date;…`). A client sends the same text with every request, so
 * the answer is kept per text (a pure function of it: a kept answer is the one a fresh parse
 * gives); the names then also stay the same strings, which makes the header lookups cheaper.
 */
export function signedHeaderList(raw: string): SignedHeaderList {
  // Most requests come from one client: compare with the last text before hashing it for the map.
  if (lastSignedHeaders !== undefined && raw === lastSignedHeaders.raw) return lastSignedHeaders.list;
  let list = signedHeaderLists.get(raw);
  if (list === undefined) {
    const names = raw.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '').map(internalized);
    list = { names, text: names.join(';'), has: new Set(names) };
    if (raw.length > SIGNED_HEADER_CACHE_MAX_LENGTH) return list;
    if (signedHeaderLists.size >= SIGNED_HEADER_CACHE_SIZE) signedHeaderLists.clear();
    signedHeaderLists.set(raw, list);
  }
  lastSignedHeaders = { raw, list };
  return list;
}

/** How many SignedHeaders texts are kept (tests). */
export function signedHeaderCacheSize(): number {
  return signedHeaderLists.size;
}

/** Block size of both V3 hashes (SHA-256 and SM3 work on 64-byte blocks), the HMAC key block. */
const HMAC_BLOCK = 64;
/** Message bytes that fit after the key block (a string-to-sign is ~81); longer ones are copied. */
const HMAC_ROOM = 256;

/** One secret's HMAC key blocks, with room after each for what is hashed with it. */
interface HmacPads {
  /** key XOR 0x36…, then the message */
  inner: Buffer;
  /** key XOR 0x5c…, then the inner digest */
  outer: Buffer;
  /** The last view of `inner` hashed, and its length (a client's strings-to-sign are one length). */
  innerView: Buffer;
}

/** Entries kept by `hmacPads`, one per (hash, secret); past this the cache starts over. */
export const HMAC_PAD_CACHE_SIZE = 1000;
/** `${hashName}\n${secret}` -> its pads (the key is built only when `lastPads` misses). */
const hmacPadCache = new Map<string, HmacPads>();
// The pads used last: requests in a row mostly come with the same key (the secret is then the
// very same string, from the store's memo, so the comparison is cheap).
let lastPads: { hashName: string; secret: string; pads: HmacPads } | undefined;

function hmacPads(hashName: string, secret: string): HmacPads {
  if (lastPads !== undefined && lastPads.secret === secret && lastPads.hashName === hashName) return lastPads.pads;
  const cacheKey = `${hashName}\n${secret}`;
  let pads = hmacPadCache.get(cacheKey);
  if (pads === undefined) {
    let key = Buffer.from(secret, 'utf8');
    if (key.length > HMAC_BLOCK) key = hash(hashName, key, 'buffer'); // RFC 2104: long keys are hashed first
    const digestLength = hash(hashName, '', 'buffer').length;
    const inner = Buffer.alloc(HMAC_BLOCK + HMAC_ROOM);
    pads = { inner, outer: Buffer.alloc(HMAC_BLOCK + digestLength), innerView: inner.subarray(0, HMAC_BLOCK) };
    for (let i = 0; i < HMAC_BLOCK; i++) {
      const k = i < key.length ? key[i] : 0;
      pads.inner[i] = k ^ 0x36;
      pads.outer[i] = k ^ 0x5c;
    }
    if (hmacPadCache.size >= HMAC_PAD_CACHE_SIZE) hmacPadCache.clear();
    hmacPadCache.set(cacheKey, pads);
  }
  lastPads = { hashName, secret, pads };
  return pads;
}

/** How many (hash, secret) key blocks are kept (tests). */
export function hmacPadCacheSize(): number {
  return hmacPadCache.size;
}

/**
 * hex(HMAC(secret, message)) for a Node hash name whose block is 64 bytes (sha256, sm3), UTF-8
 * like createHmac: RFC 2104 spelled out as two one-shot hashes over key blocks prepared once per
 * secret. createHmac builds an Hmac object (a stream, a native handle, the key schedule) per call,
 * the largest single cost of verifying a V3 request. test/auth/fast-paths.test.ts holds it
 * against createHmac.
 */
export function hmacHex(hashName: string, secret: string, message: string): string {
  const pads = hmacPads(hashName, secret);
  let innerDigest: string;
  if (message.length * 3 <= HMAC_ROOM) {
    // At most 3 UTF-8 bytes per UTF-16 unit: it fits. Synchronous, so one buffer per secret will do.
    const end = HMAC_BLOCK + pads.inner.write(message, HMAC_BLOCK, 'utf8');
    if (pads.innerView.length !== end) pads.innerView = pads.inner.subarray(0, end);
    innerDigest = hash(hashName, pads.innerView, 'binary');
  } else {
    innerDigest = hash(hashName, Buffer.concat([pads.inner.subarray(0, HMAC_BLOCK), Buffer.from(message, 'utf8')]), 'binary');
  }
  // The digest's bytes as latin1 ('binary') text (one character per byte): no Buffer to allocate for it.
  pads.outer.write(innerDigest, HMAC_BLOCK, 'latin1');
  return hash(hashName, pads.outer, 'hex');
}

export function v3Signature(algorithm: string, secret: string, stringToSign: string): string {
  return hmacHex(V3_ALGORITHMS[algorithm], secret, stringToSign);
}

/**
 * The first header of the request that its signature must cover but SignedHeaders leaves out:
 * `host` and every `x-acs-*` header (protocol.md §2a: the clients sign all of them). Without this a
 * signature over `host` alone would let anyone change the action, the date or the nonce of a
 * request they saw and send it again.
 */
export function unsignedHeader(headers: AuthRequest['headers'], signed: ReadonlySet<string>): string | undefined {
  for (const name in headers) {
    if ((name === 'host' || name.startsWith('x-acs-')) && !signed.has(name)) return name;
  }
  return undefined;
}

function v3Fail(accessKeyId: string | undefined, error: Verdict['error'], detail?: Verdict['detail']): Verdict {
  return { scheme: 'V3', accessKeyId, error, detail };
}

export class V3Verifier implements Verifier {
  verify(req: AuthRequest, ctx: VerifyContext): Verdict | null {
    const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
    if (!auth) return null;
    const accessKeyId = auth.credential;

    if (!(auth.algorithm in V3_ALGORITHMS)) return v3Fail(accessKeyId, Errors.invalidSignatureMethod());
    if (auth.credential === undefined || auth.signedHeaders === undefined || auth.signature === undefined) {
      const missing = Object.entries({ Credential: auth.credential, SignedHeaders: auth.signedHeaders, Signature: auth.signature })
        .filter(([, v]) => v === undefined)
        .map(([k]) => k);
      return v3Fail(accessKeyId, Errors.incompleteSignature(`Authorization lacks ${missing.join(', ')}.`));
    }
    const rawDate = headerValue(req.headers, 'x-acs-date');
    if (rawDate === undefined || rawDate === '') return v3Fail(accessKeyId, Errors.missingParameter('Timestamp'));
    const ts = checkTimestamp(rawDate, ctx.now);
    if ('error' in ts) return v3Fail(accessKeyId, ts.error);
    const nonce = headerValue(req.headers, 'x-acs-signature-nonce');
    if (nonce === undefined || nonce === '') return v3Fail(accessKeyId, Errors.missingParameter('SignatureNonce'));

    const secret = ctx.secretOf(auth.credential);
    if (secret === undefined) return v3Fail(accessKeyId, Errors.accessKeyNotFound());
    const signed = signedHeaderList(auth.signedHeaders);
    const unsigned = unsignedHeader(req.headers, signed.has);
    if (unsigned !== undefined) return v3Fail(accessKeyId, Errors.incompleteSignature(`SignedHeaders lacks ${unsigned}.`), { problem: `the ${unsigned} header is not signed` });
    const c = v3Canonical(auth.algorithm, { method: req.method, rawQuery: req.rawQuery ?? '', query: req.query, rawBody: req.rawBody ?? '', headers: req.headers }, signed.names, signed.text);
    const sentHash = headerValue(req.headers, 'x-acs-content-sha256');
    // Both digests are compared in any case: hashes and signatures are lower-case hex here.
    const hashOk = sentHash === undefined || safeEqualHexIgnoreCase(c.hashedPayload, sentHash.trim());
    if (!hashOk || !safeEqualHexIgnoreCase(v3Signature(auth.algorithm, secret, c.stringToSign), auth.signature)) {
      const detail: Record<string, string> = { stringToSign: c.stringToSign, canonicalRequest: c.canonicalRequest };
      if (!hashOk) detail.problem = 'x-acs-content-sha256 is not the hash of the body';
      return v3Fail(accessKeyId, Errors.signatureMismatchV3(c.stringToSign), detail);
    }
    if (!ctx.useNonce(auth.credential, nonce, ts.at)) return v3Fail(accessKeyId, Errors.nonceUsed());
    return { scheme: 'V3', accessKeyId };
  }
}
