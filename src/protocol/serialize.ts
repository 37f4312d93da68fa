/**
 * The one serializer: successes and errors, JSON and XML (protocol.md §4-5).
 *
 * JSON: the action's object with RequestId first. XML: root <{Action}Response>, arrays as repeated
 * elements named after the field with no wrapper, an XML declaration, content type exactly
 * text/xml;charset=utf-8 (the V3 SDK only parses XML errors with that exact type).
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ApiError } from '../errors.js';

export const REPLY_FORMATS = ['JSON', 'XML'] as const;
export type ReplyFormat = (typeof REPLY_FORMATS)[number];

export const CONTENT_TYPE = {
  JSON: 'application/json;charset=utf-8',
  XML: 'text/xml;charset=utf-8',
} as const;

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** Host written into error envelopes, as the real endpoint would. */
export const HOST_ID = 'config.cn-shanghai.aliyuncs.com';

// XML 1.0 forbids most control characters even when escaped; strip them from reflected input.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * Text for xmlbuilder2's txt(). It escapes < and >, but leaves an `&` that looks like the start of
 * an entity (`&amp;`, `&foo;`, `&#0;`) as it is, so user input like `&foo;` would come out as an
 * undefined entity (malformed XML) and `&amp;` would read back as `&`. Escaping every `&` first
 * makes each one `&amp;`, which it then keeps.
 */
export function xmlText(v: unknown): string {
  return String(v).replace(XML_INVALID, '\uFFFD').replace(/&/g, '&amp;');
}

/**
 * An element name for a result key. Keys are wire names, but some objects carry user-chosen keys
 * (a rule's InputParameters); one that is not an XML name would make xmlbuilder2 throw (a 500), so
 * its other characters become '_' and a leading non-letter gets a '_' in front.
 */
export function xmlName(key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) return key;
  const cleaned = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function appendValue(parent: XMLBuilder, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) appendValue(parent, name, item);
    return;
  }
  const el = parent.ele(xmlName(name));
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) appendValue(el, k, v);
  } else {
    el.txt(xmlText(value));
  }
}

export function successReply(action: string, requestId: string, result: Record<string, unknown>, format: ReplyFormat): Reply {
  if (format === 'JSON') {
    return { status: 200, contentType: CONTENT_TYPE.JSON, body: JSON.stringify({ RequestId: requestId, ...result }) };
  }
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(`${action}Response`);
  root.ele('RequestId').txt(requestId);
  for (const [k, v] of Object.entries(result)) appendValue(root, k, v);
  return { status: 200, contentType: CONTENT_TYPE.XML, body: doc.end({ prettyPrint: false }) };
}

export function recommendUrl(code: string, requestId: string): string {
  return `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Config&requestId=${requestId}`;
}

export function errorReply(err: ApiError, requestId: string, format: ReplyFormat): Reply {
  const recommend = recommendUrl(err.code, requestId);
  if (format === 'JSON') {
    const body = JSON.stringify({ RequestId: requestId, HostId: HOST_ID, Code: err.code, Message: err.message, Recommend: recommend });
    return { status: err.httpStatus, contentType: CONTENT_TYPE.JSON, body };
  }
  const doc = create().ele('Error');
  doc.ele('RequestId').txt(requestId);
  doc.ele('HostId').txt(HOST_ID);
  doc.ele('Code').txt(xmlText(err.code));
  doc.ele('Message').txt(xmlText(err.message));
  doc.ele('Recommend').dat(recommend);
  const body = `<?xml version='1.0' encoding='UTF-8'?>` + doc.end({ headless: true, prettyPrint: false });
  return { status: err.httpStatus, contentType: CONTENT_TYPE.XML, body };
}
