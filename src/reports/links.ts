/**
 * Report objects and their OSS V1 pre-signed links (report-format.md §2-3).
 *
 * Object keys look like the real bucket's:
 *   CompliancePackReports/{accountId}/{packId}/{accountId}-{packId}-report-{yyyyMMddHHmm}.zip
 * with the time in UTC+8. Links carry Expires, OSSAccessKeyId and Signature, where
 *   Signature = base64(HMAC-SHA1(secret, "GET\n\n\n{Expires}\n/{bucket}/{key}")).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const REPORT_BUCKET = 'cloud-config-compliance-report';
/** The emulator's own OSS credentials for signing report links (not a tenant's key). */
export const OSS_ACCESS_KEY_ID = 'LTAI5tEmulatorOssSigner';
export const OSS_ACCESS_KEY_SECRET = 'EmulatorOssSignerSecret000000000';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A time in UTC+8 (China Standard Time, no daylight saving), the zone of the report names and
 * their contents: read the UTC fields (getUTCHours ...) of the Date it gives.
 */
export const utc8 = (ms: number): Date => new Date(ms + 8 * 3600_000);

/** yyyyMMddHHmm in UTC+8, as the real report names are stamped. */
export function reportStamp(ms: number): string {
  const d = utc8(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

export function packReportKey(accountId: number, packId: string, createdAt: number, extension: 'zip' | 'xlsx' | 'xls'): string {
  return `CompliancePackReports/${accountId}/${packId}/${accountId}-${packId}-report-${reportStamp(createdAt)}.${extension}`;
}

/** The V1 string to sign of a plain pre-signed GET: no Content-MD5, no Content-Type, no x-oss-* headers. */
/**
 * Rules-report keys (reference examples: `ConfigRuleReports/{acct}/rules/{acct}-rules-report-{stamp}.zip`).
 * Account-group reports carry the aggregator id instead of `rules` so that two groups of one account
 * never share a key; single-account reports are a bare workbook (.xls), as for packs.
 */
export function rulesReportKey(accountId: number, aggregatorId: string, createdAt: number): string {
  return aggregatorId
    ? `ConfigRuleReports/${accountId}/${aggregatorId}/${accountId}-${aggregatorId}-rules-report-${reportStamp(createdAt)}.zip`
    : `ConfigRuleReports/${accountId}/rules/${accountId}-rules-report-${reportStamp(createdAt)}.xls`;
}

export function stringToSign(expires: number, objectKey: string, bucket: string = REPORT_BUCKET): string {
  return `GET\n\n\n${expires}\n/${bucket}/${objectKey}`;
}

export function ossSignature(secret: string, expires: number, objectKey: string, bucket: string = REPORT_BUCKET): string {
  return createHmac('sha1', secret).update(stringToSign(expires, objectKey, bucket)).digest('base64');
}

/** Encodes each path segment of an object key, keeping the slashes. */
export function encodeKey(objectKey: string): string {
  return objectKey.split('/').map(encodeURIComponent).join('/');
}

// A link only changes when its Expires second does: clients polling a report within one second
// get the same link, so it is signed once per second and object instead of once per request
// (the HMAC was ~7% of a GetAggregateCompliancePackReport in the profile). Kept by object key (the
// report row's own string, whose hash V8 keeps) with the base URL it was made for, compared as is:
// a combined key string would be built and hashed anew on every call.
const LINK_MEMO_MAX = 256;
const linkMemo = new Map<string, { baseUrl: string; url: string }>();
let linkMemoExpires = -1;

export function signedReportUrl(baseUrl: string, objectKey: string, nowMs: number, ttlSeconds: number): string {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  if (expires !== linkMemoExpires) {
    linkMemo.clear();
    linkMemoExpires = expires;
  }
  const known = linkMemo.get(objectKey);
  if (known !== undefined && known.baseUrl === baseUrl) return known.url;
  const signature = ossSignature(OSS_ACCESS_KEY_SECRET, expires, objectKey);
  const url = `${baseUrl}/${encodeKey(objectKey)}?Expires=${expires}&OSSAccessKeyId=${OSS_ACCESS_KEY_ID}&Signature=${encodeURIComponent(signature)}`;
  // The same object under another base URL takes the place (the last one asked for is kept).
  if (known !== undefined || linkMemo.size < LINK_MEMO_MAX) linkMemo.set(objectKey, { baseUrl, url });
  return url;
}

export function signatureMatches(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}
