/**
 * The OSS-like download route for report files: GET|HEAD /{objectKey}?Expires&OSSAccessKeyId&Signature.
 *
 * Checks in OSS's order: the three query parameters, then expiry, then the signature, then the
 * object. Errors are OSS's own XML bodies (report-format.md §4). Objects live in the database, never
 * on disk, so no path can reach a file.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { create } from '../protocol/xml-builder.js';
import type { Services } from '../actions/define.js';
import { QUERY_ERROR, requestQuery } from '../protocol/form.js';
import { xmlText } from '../protocol/serialize.js';
import { OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, REPORT_BUCKET, ossSignature, signatureMatches, stringToSign } from '../reports/links.js';
import { ensureReportFile } from '../reports/service.js';

export const REPORT_PREFIXES = ['CompliancePackReports', 'ConfigRuleReports', 'ConfigRulesReports'] as const;
const OSS_HOST = `${REPORT_BUCKET}.oss-cn-shanghai.aliyuncs.com`;

interface OssError {
  status: number;
  code: string;
  message: string;
  ec?: string;
  extra?: Record<string, string>;
}

function ossErrorBody(e: OssError, requestId: string): string {
  // Extra fields reflect the request (key, signature): xmlText keeps them well-formed.
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('Error');
  root.ele('Code').txt(e.code);
  root.ele('Message').txt(e.message);
  root.ele('RequestId').txt(requestId);
  root.ele('HostId').txt(OSS_HOST);
  for (const [k, v] of Object.entries(e.extra ?? {})) root.ele(k).txt(xmlText(v));
  if (e.ec) {
    root.ele('EC').txt(e.ec);
    root.ele('RecommendDoc').txt(`https://api.aliyun.com/troubleshoot?q=${e.ec}`);
  }
  return root.end({ prettyPrint: true });
}

/** Whether a URL is a report download (so its errors are OSS-shaped). */
export function isReportPath(url: string): boolean {
  return REPORT_PREFIXES.some((p) => url.startsWith(`/${p}/`));
}

/** `Date` from the emulator's clock (`now`), like the expiry check and an expired link's ServerTime: node would write the host's time. */
const ossDate = (reply: FastifyReply, now: number) => reply.header('date', new Date(now).toUTCString());

/** An OSS error answer (no body for HEAD); `now`: the emulator's time. */
function sendOssError(reply: FastifyReply, method: string, e: OssError, requestId: string, now: number): FastifyReply {
  ossDate(reply, now).code(e.status).header('x-oss-request-id', requestId).type('application/xml');
  if (e.ec) reply.header('x-oss-ec', e.ec);
  return reply.send(method === 'HEAD' ? undefined : ossErrorBody(e, requestId));
}

const INVALID_URI: OssError = { status: 400, code: 'InvalidURI', message: 'Could not parse the specified URI.' };

/** The OSS answer to a URL the router could not even decode (fastify's FST_ERR_BAD_URL); `now`: the emulator's time. */
export function sendInvalidUri(reply: FastifyReply, method: string, requestId: string, now: number): FastifyReply {
  return sendOssError(reply, method, INVALID_URI, requestId, now);
}

/**
 * The byte range a `Range` header asks of an object of `size` bytes, as OSS reads it: one range of
 * `bytes=a-b`, `bytes=a-` or `bytes=-n`. By default OSS ignores a range it cannot serve whole
 * (malformed, several ranges, start or end past the object) and sends the object (200). With
 * `x-oss-range-behavior: standard` an end past the object is cut to its last byte, and a start past
 * it is 416 InvalidRange.
 */
export function byteRange(header: string | undefined, size: number, standard: boolean): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]); // the last n bytes
    if (n === 0 || size === 0) return standard ? 'unsatisfiable' : undefined;
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  let end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return undefined;
  if (start >= size) return standard ? 'unsatisfiable' : undefined;
  if (end >= size) {
    if (!standard) return undefined;
    end = size - 1;
  }
  return { start, end };
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase().match(/../g)?.join(' ') ?? '';

export async function ossRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = services.ids.hex(24).toUpperCase();
    const now = services.clock.now();
    ossDate(reply, now);
    const fail = (e: OssError) => sendOssError(reply, req.method, e, requestId, now);
    let objectKey: string;
    const q = requestQuery(req.url, req.query);
    try {
      if (q[QUERY_ERROR] !== undefined) throw q[QUERY_ERROR];
      const path = req.url.split('?')[0];
      objectKey = decodeURIComponent(path.slice(1));
    } catch {
      return fail(INVALID_URI);
    }
    if (objectKey.length > 1023 || objectKey.includes('\0')) {
      return fail({ status: 400, code: 'InvalidObjectName', message: 'The Length of Object name must be less than 1024 and can not contain null characters.' });
    }
    const { Expires: expires, OSSAccessKeyId: keyId, Signature: signature } = q;
    if (expires === undefined || keyId === undefined || signature === undefined) {
      return fail({ status: 403, code: 'AccessDenied', message: 'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters.', ec: '0002-00000001' });
    }
    if (!/^\d{1,12}$/.test(expires)) {
      return fail({ status: 403, code: 'AccessDenied', message: 'Invalid date (should be seconds since epoch).', ec: '0002-00000002' });
    }
    if (Number(expires) * 1000 < now) {
      return fail({
        status: 403, code: 'AccessDenied', message: 'Request has expired.', ec: '0002-00000069',
        extra: { Expires: new Date(Number(expires) * 1000).toISOString(), ServerTime: new Date(now).toISOString() },
      });
    }
    if (keyId !== OSS_ACCESS_KEY_ID) {
      return fail({ status: 403, code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.', ec: '0002-00000004', extra: { OSSAccessKeyId: keyId } });
    }
    const expected = ossSignature(OSS_ACCESS_KEY_SECRET, Number(expires), objectKey);
    if (!signatureMatches(expected, signature)) {
      const sts = stringToSign(Number(expires), objectKey);
      return fail({
        status: 403, code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        ec: '0002-00000040',
        extra: { OSSAccessKeyId: keyId, SignatureProvided: signature, StringToSign: sts, StringToSignBytes: hex(sts) },
      });
    }
    const noSuchKey = () => fail({ status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', ec: '0026-00000001', extra: { Key: objectKey } });
    const meta = services.store.reports.file(objectKey);
    if (!meta || meta.readyAt > now) return noSuchKey();
    // The workbook may still be building in the background: wait for it rather than serve a partial
    // object; a build that cannot complete leaves the key missing.
    let file;
    try {
      file = await ensureReportFile(services.store, objectKey);
    } catch {
      file = undefined;
    }
    if (!file || file.etag === '') return noSuchKey();
    const etag = `"${file.etag}"`;
    const size = file.content.length;
    // If-None-Match is decided before Range; an unsatisfiable range is an error, without the object's headers.
    const notModified = req.headers['if-none-match'] === etag;
    const range = notModified ? undefined : byteRange(req.headers.range, size, req.headers['x-oss-range-behavior'] === 'standard');
    if (range === 'unsatisfiable') {
      return fail({ status: 416, code: 'InvalidRange', message: 'The requested range cannot be satisfied', extra: { RangeRequested: String(req.headers.range), ActualObjectSize: String(size) } });
    }
    reply
      .code(200)
      .header('x-oss-request-id', requestId)
      .header('etag', etag)
      .header('last-modified', new Date(file.createdAt).toUTCString())
      .header('accept-ranges', 'bytes')
      .header('content-disposition', `attachment; filename="${objectKey.slice(objectKey.lastIndexOf('/') + 1)}"`)
      .type(file.contentType);
    if (notModified) return reply.code(304).send();
    let body = file.content;
    if (range) {
      body = body.subarray(range.start, range.end + 1);
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`);
    }
    if (req.method === 'HEAD') return reply.header('content-length', String(body.length)).send();
    return reply.send(body);
  };

  for (const prefix of REPORT_PREFIXES) {
    app.route({ method: ['GET', 'HEAD'], url: `/${prefix}/*`, handler: handle, exposeHeadRoute: false });
  }
}
