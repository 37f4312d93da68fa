/**
 * Signature V1 (RPC, HMAC-SHA1), as pop-core, the aliyun CLI and openapi-client with
 * `signatureAlgorithm: 'v2'` send it (clients.md §3.2, §3.3, §4.1; protocol.md §2b).
 *
 *   P             = every parameter (query ∪ form body), percent-decoded, minus Signature
 *   canonical     = sorted keys, pctEncode(k) + '=' + pctEncode(v), joined with '&'
 *   StringToSign  = METHOD + '&' + pctEncode('/') + '&' + pctEncode(canonical)
 *   Signature     = base64(HMAC-SHA1(secret + '&', StringToSign))
 *
 * The scheme is "mine" when the request carries a Signature or an AccessKeyId parameter.
 * Checks, in order: required parts, SignatureMethod/Version, Timestamp format and window,
 * access key, signature, nonce replay (recorded only once the signature is good).
 */
import { createHmac } from 'node:crypto';
import { Errors } from '../errors.js';
import { percentEncode, type Params } from '../protocol/form.js';
import { checkTimestamp, safeEqualAscii, type AuthRequest, type Verdict, type Verifier, type VerifyContext } from './common.js';

export function v1CanonicalQuery(params: Params): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
}

export function v1StringToSign(method: string, params: Params): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(v1CanonicalQuery(params))}`;
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

export class V1Verifier implements Verifier {
  verify(req: AuthRequest, ctx: VerifyContext): Verdict | null {
    const p = req.params;
    const present = (v: string | undefined): v is string => v !== undefined && v !== '';
    if (!present(p.Signature) && !present(p.AccessKeyId)) return null;
    const accessKeyId = present(p.AccessKeyId) ? p.AccessKeyId : undefined;
    const fail = (error: Verdict['error'], detail?: Verdict['detail']): Verdict => ({ scheme: 'V1', accessKeyId, error, detail });

    if (accessKeyId === undefined) return fail(Errors.missingParameter('AccessKeyId'));
    if (!present(p.Signature)) return fail(Errors.missingParameter('Signature'));
    if (!present(p.SignatureMethod)) return fail(Errors.missingParameter('SignatureMethod'));
    if (p.SignatureMethod !== 'HMAC-SHA1') return fail(Errors.invalidSignatureMethod());
    if (present(p.SignatureVersion) && p.SignatureVersion !== '1.0') return fail(Errors.invalidParameter('SignatureVersion'));
    if (!present(p.SignatureVersion)) return fail(Errors.missingParameter('SignatureVersion'));
    const rawTs = present(p.Timestamp) ? p.Timestamp : p.TimeStamp;
    if (!present(rawTs)) return fail(Errors.missingParameter('Timestamp'));
    const ts = checkTimestamp(rawTs, ctx.now);
    if ('error' in ts) return fail(ts.error);
    if (!present(p.SignatureNonce)) return fail(Errors.missingParameter('SignatureNonce'));

    const secret = ctx.secretOf(accessKeyId);
    if (secret === undefined) return fail(Errors.accessKeyNotFound());
    const stringToSign = v1StringToSign(req.method, p);
    if (!safeEqualAscii(v1Signature(secret, stringToSign), p.Signature)) return fail(Errors.signatureMismatch(stringToSign), { stringToSign });
    if (!ctx.useNonce(accessKeyId, p.SignatureNonce, ts.at)) return fail(Errors.nonceUsed());
    return { scheme: 'V1', accessKeyId };
  }
}
