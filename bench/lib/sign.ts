/**
 * ACS3-HMAC-SHA256 request signing as the current SDKs do it (shared/reference/clients.md §4.2),
 * used by the load generator to sign every request with a fresh date and nonce.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const ALG = 'ACS3-HMAC-SHA256';
export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** RFC 3986 encoding used by both Alibaba Cloud signature recipes. */
export function pctEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export interface V3Request {
  method: 'GET' | 'POST';
  host: string;
  action: string;
  version: string;
  query: Record<string, string>;
  body?: string;
  contentType?: string;
}

export interface Credentials { accessKeyId: string; secret: string }

/** Signs requests of one fixed shape; only the date and the nonce change per request. */
export class V3Signer {
  private readonly canonicalQuery: string;
  readonly path: string;
  private readonly payloadHash: string;
  private readonly noncePrefix = randomBytes(8).toString('hex');
  private counter = 0;

  constructor(private readonly req: V3Request, private readonly creds: Credentials) {
    const keys = Object.keys(req.query).sort();
    this.canonicalQuery = keys.map((k) => `${k}=${pctEncode(req.query[k])}`).join('&');
    this.path = keys.length ? `/?${keys.map((k) => `${pctEncode(k)}=${pctEncode(req.query[k])}`).join('&')}` : '/';
    this.payloadHash = req.body ? createHash('sha256').update(req.body).digest('hex') : EMPTY_SHA256;
  }

  /** Headers of one signed request, for `date` (seconds precision, UTC) and a unique nonce. */
  headers(date = new Date()): Record<string, string> {
    const h: Record<string, string> = {
      host: this.req.host,
      'x-acs-action': this.req.action,
      'x-acs-content-sha256': this.payloadHash,
      'x-acs-date': date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': this.noncePrefix + (this.counter++).toString(16).padStart(16, '0'),
      'x-acs-version': this.req.version,
    };
    if (this.req.contentType) h['content-type'] = this.req.contentType;
    const names = Object.keys(h).sort();
    const canonicalHeaders = names.map((n) => `${n}:${h[n].trim()}\n`).join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = `${this.req.method}\n/\n${this.canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${this.payloadHash}`;
    const stringToSign = `${ALG}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.creds.secret).update(stringToSign).digest('hex');
    h.authorization = `${ALG} Credential=${this.creds.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
    return h;
  }
}
