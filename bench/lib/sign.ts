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

  /** The nonce of this signer's request number `n`. */
  private nonceOf(n: number): string {
    return this.noncePrefix + n.toString(16).padStart(16, '0');
  }

  /** The signed headers of one request (all but Authorization). */
  private unsigned(dateText: string, nonce: string): Record<string, string> {
    const h: Record<string, string> = {
      host: this.req.host,
      'x-acs-action': this.req.action,
      'x-acs-content-sha256': this.payloadHash,
      'x-acs-date': dateText,
      'x-acs-signature-nonce': nonce,
      'x-acs-version': this.req.version,
    };
    if (this.req.contentType) h['content-type'] = this.req.contentType;
    return h;
  }

  /** The HMAC-SHA256 signature of headers `h`, as a Buffer, and the SignedHeaders text. */
  private sign(h: Record<string, string>): { signedHeaders: string; signature: Buffer } {
    const names = Object.keys(h).sort();
    const canonicalHeaders = names.map((n) => `${n}:${h[n].trim()}\n`).join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = `${this.req.method}\n/\n${this.canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${this.payloadHash}`;
    const stringToSign = `${ALG}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    return { signedHeaders, signature: createHmac('sha256', this.creds.secret).update(stringToSign).digest() };
  }

  private authorization(signedHeaders: string, signatureHex: string): string {
    return `${ALG} Credential=${this.creds.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signatureHex}`;
  }

  /** Headers of one signed request, for `date` (seconds precision, UTC) and a unique nonce. */
  headers(date = new Date()): Record<string, string> {
    const h = this.unsigned(dateText(date), this.nonceOf(this.counter++));
    const { signedHeaders, signature } = this.sign(h);
    h.authorization = this.authorization(signedHeaders, signature.toString('hex'));
    return h;
  }

  /**
   * `count` requests signed ahead, all with `date`, kept compactly: one date text, nonces numbered
   * from a start, the 32-byte signatures in one Buffer. `headersAt(i)` builds request i's headers.
   * (A pool of header objects held ~500 bytes per request in the load generator: 150 000 of them
   * made its old generation large and its collections long, pauses that showed as server latency.)
   */
  pool(count: number, date = new Date()): { size: number; headersAt(i: number): Record<string, string> } {
    const text = dateText(date);
    const first = this.counter;
    this.counter += count;
    const signatures = Buffer.alloc(32 * count);
    let signedHeaders = '';
    for (let i = 0; i < count; i++) {
      const s = this.sign(this.unsigned(text, this.nonceOf(first + i)));
      signedHeaders = s.signedHeaders;
      s.signature.copy(signatures, 32 * i);
    }
    return {
      size: count,
      headersAt: (i) => {
        const h = this.unsigned(text, this.nonceOf(first + i));
        h.authorization = this.authorization(signedHeaders, signatures.toString('hex', 32 * i, 32 * i + 32));
        return h;
      },
    };
  }
}

/** `yyyy-MM-ddTHH:mm:ssZ` */
function dateText(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
