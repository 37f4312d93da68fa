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
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { Errors } from '../errors.js';
import { parseForm, percentEncode, type Params } from '../protocol/form.js';
import { checkTimestamp, headerValue, safeEqual, type AuthRequest, type Verdict, type Verifier, type VerifyContext } from './common.js';

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

/** Parses `ACS3-… Credential=..,SignedHeaders=..,Signature=..`; undefined if not ACS3. */
export function parseAuthorization(header: string | undefined): V3Authorization | undefined {
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

/** `query`: the decoded query when the caller has it already (it must be parseForm(rawQuery)). */
export function v3CanonicalQuery(rawQuery: string, query: Params = parseForm(rawQuery)): string {
  const keys = Object.keys(query).sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? '' : '&'}${keys[i]}=${percentEncode(query[keys[i]])}`;
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

export function v3Canonical(
  algorithm: string,
  req: { method: string; rawQuery: string; query?: Params; rawBody: string; headers: AuthRequest['headers'] },
  signedHeaders: string[],
): V3Canonical {
  const hashedPayload = req.rawBody === '' ? EMPTY_PAYLOAD_HASH[algorithm] : v3Hash(algorithm, Buffer.from(req.rawBody, 'utf8'));
  let canonicalHeaders = '';
  for (const h of signedHeaders) canonicalHeaders += `${h}:${(headerValue(req.headers, h) ?? '').trim()}\n`;
  const canonicalRequest = `${req.method.toUpperCase()}\n/\n${v3CanonicalQuery(req.rawQuery, req.query)}\n${canonicalHeaders}\n${signedHeaders.join(';')}\n${hashedPayload}`;
  const stringToSign = `${algorithm}\n${v3Hash(algorithm, canonicalRequest)}`;
  return { canonicalRequest, stringToSign, hashedPayload };
}

/**
 * HMAC keys prepared once per secret: a string key is converted for every createHmac, which showed
 * in the profile of signed calls. Secrets are few (one per access key); the map is bounded anyway.
 */
const hmacKeys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= 1000) hmacKeys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    hmacKeys.set(secret, key);
  }
  return key;
}

export function v3Signature(algorithm: string, secret: string, stringToSign: string): string {
  return createHmac(V3_ALGORITHMS[algorithm], hmacKey(secret)).update(stringToSign, 'utf8').digest('hex');
}

export class V3Verifier implements Verifier {
  verify(req: AuthRequest, ctx: VerifyContext): Verdict | null {
    const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
    if (!auth) return null;
    const accessKeyId = auth.credential;
    const fail = (error: Verdict['error'], detail?: Verdict['detail']): Verdict => ({ scheme: 'V3', accessKeyId, error, detail });

    if (!(auth.algorithm in V3_ALGORITHMS)) return fail(Errors.invalidSignatureMethod());
    if (auth.credential === undefined || auth.signedHeaders === undefined || auth.signature === undefined) {
      const missing = Object.entries({ Credential: auth.credential, SignedHeaders: auth.signedHeaders, Signature: auth.signature })
        .filter(([, v]) => v === undefined)
        .map(([k]) => k);
      return fail(Errors.incompleteSignature(`Authorization lacks ${missing.join(', ')}.`));
    }
    const rawDate = headerValue(req.headers, 'x-acs-date');
    if (rawDate === undefined || rawDate === '') return fail(Errors.missingParameter('Timestamp'));
    const ts = checkTimestamp(rawDate, ctx.now);
    if ('error' in ts) return fail(ts.error);
    const nonce = headerValue(req.headers, 'x-acs-signature-nonce');
    if (nonce === undefined || nonce === '') return fail(Errors.missingParameter('SignatureNonce'));

    const secret = ctx.secretOf(accessKeyId!);
    if (secret === undefined) return fail(Errors.accessKeyNotFound());
    const signedHeaders = auth.signedHeaders!.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    const c = v3Canonical(auth.algorithm, { method: req.method, rawQuery: req.rawQuery ?? '', query: req.query, rawBody: req.rawBody ?? '', headers: req.headers }, signedHeaders);
    const detail = { stringToSign: c.stringToSign, canonicalRequest: c.canonicalRequest };
    const sentHash = headerValue(req.headers, 'x-acs-content-sha256');
    const hashOk = sentHash === undefined || sentHash.trim().toLowerCase() === c.hashedPayload;
    if (!hashOk || !safeEqual(v3Signature(auth.algorithm, secret, c.stringToSign), auth.signature!.toLowerCase())) {
      return fail(Errors.signatureMismatchV3(c.stringToSign), hashOk ? detail : { ...detail, problem: 'x-acs-content-sha256 is not the hash of the body' });
    }
    if (!ctx.useNonce(accessKeyId!, nonce, ts.at)) return fail(Errors.nonceUsed());
    return { scheme: 'V3', accessKeyId };
  }
}
