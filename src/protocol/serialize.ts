/**
 * The one serializer: successes and errors, JSON and XML (protocol.md §4-5).
 *
 * JSON: the action's object with RequestId first. XML: root <{Action}Response>, arrays as repeated
 * elements named after the field with no wrapper, the declaration of the doc examples
 * (`<?xml version="1.0" encoding="utf-8"?>`), content type application/xml (the API page's
 * example). XML errors: root <Error>, content type exactly text/xml;charset=utf-8 (the V3 SDK
 * only parses XML errors with that exact type).
 */
import { keptTextOf } from '../reusable.js';
import { create } from './xml-builder.js';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ApiError } from '../errors.js';

export const REPLY_FORMATS = ['JSON', 'XML'] as const;
export type ReplyFormat = (typeof REPLY_FORMATS)[number];

export const CONTENT_TYPE = {
  JSON: 'application/json;charset=utf-8',
  XML: 'application/xml;charset=utf-8',
  XML_ERROR: 'text/xml;charset=utf-8',
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

/** The DOM-building serializer: the reference for the fast path below, and its fallback. */
function builderXml(action: string, requestId: string, result: Record<string, unknown>): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele(`${action}Response`);
  root.ele('RequestId').txt(requestId);
  for (const [k, v] of Object.entries(result)) appendValue(root, k, v);
  return doc.end({ prettyPrint: false });
}

// ---- fast path --------------------------------------------------------------------------------
// The same bytes as builderXml, written as one string without building a DOM (the profile showed
// xmlbuilder2 costing about half of an XML answer). Element names that are not plain ASCII names
// fall back to the builder, which owns the rules for everything unusual.

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const TEXT_SPECIAL = /[&<>]/;
// xmlbuilder2 leaves '&' alone when it starts something shaped like a reference (&name; or &#12;).
const NON_ENTITY_AMPERSAND = /&(?![A-Za-z]+;|#\d+;)/g;
const NEEDS_BUILDER = Symbol('needs-builder');

/** Markup escaping of a text node, as xmlbuilder2's txt() writes it. */
function escapeMarkup(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(NON_ENTITY_AMPERSAND, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text content of a value: invalid characters replaced, then & < > escaped. */
function escapeText(v: unknown): string {
  return escapeMarkup(xmlText(v));
}

function fastValue(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += fastValue(name, item);
    return out;
  }
  if (!PLAIN_NAME.test(name)) throw NEEDS_BUILDER;
  if (typeof value === 'object') {
    let inner = '';
    for (const k of Object.keys(value)) inner += fastValue(k, (value as Record<string, unknown>)[k]);
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeText(value)}</${name}>`;
}

/** A success document in XML; exported for the equivalence check against the builder. */
export function successXml(action: string, requestId: string, result: Record<string, unknown>): string {
  const root = `${action}Response`;
  if (!PLAIN_NAME.test(root)) return builderXml(action, requestId, result);
  try {
    // The members do not depend on the action (the root element is put around them).
    const known = keptTextOf(result);
    let members = known?.xml;
    if (members === undefined) {
      members = '';
      for (const k of Object.keys(result)) members += fastValue(k, result[k]);
      if (known) known.xml = members;
    }
    return `${XML_DECLARATION}<${root}><RequestId>${escapeMarkup(requestId)}</RequestId>${members}</${root}>`;
  } catch (err) {
    if (err === NEEDS_BUILDER) return builderXml(action, requestId, result);
    throw err;
  }
}

/** The DOM-builder rendering of the same document (kept for checks and unusual names). */
export const successXmlWithBuilder = builderXml;

/**
 * `JSON.stringify({ RequestId, ...result })` without copying the result into a new object: the
 * RequestId member is written in front of the result's own serialization (same bytes).
 */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
export function successJson(requestId: string, result: Record<string, unknown>): string {
  const known = keptTextOf(result);
  let rest: string | null | undefined = known?.json;
  if (rest === undefined) {
    rest = jsonAfterRequestId(result);
    if (known) known.json = rest;
  }
  if (rest === null) return JSON.stringify({ RequestId: requestId, ...result });
  const head = `{"RequestId":${JSON.stringify(requestId)}`;
  return rest === '' ? `${head}}` : `${head},${rest}`;
}

/**
 * What follows the RequestId member: the result's own JSON without its '{' ('' for an empty
 * object), or null when the result's members must be copied after RequestId instead.
 */
function jsonAfterRequestId(result: Record<string, unknown>): string | null {
  // Objects put integer-like keys first, so those (and a RequestId or toJSON member) take the copy.
  let plain = !Object.prototype.hasOwnProperty.call(result, 'RequestId') && typeof (result as { toJSON?: unknown }).toJSON !== 'function';
  for (const k in result) if (plain && INDEX_KEY.test(k) && Number(k) < 4294967295) plain = false;
  if (!plain) return null;
  const rest = JSON.stringify(result);
  return rest === '{}' ? '' : rest.slice(1);
}

export function successReply(action: string, requestId: string, result: Record<string, unknown>, format: ReplyFormat): Reply {
  if (format === 'JSON') return { status: 200, contentType: CONTENT_TYPE.JSON, body: successJson(requestId, result) };
  return { status: 200, contentType: CONTENT_TYPE.XML, body: successXml(action, requestId, result) };
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
  return { status: err.httpStatus, contentType: CONTENT_TYPE.XML_ERROR, body: errorXml(err, requestId, recommend) };
}

/** The error document, written directly (same bytes as errorXmlWithBuilder). */
function errorXml(err: ApiError, requestId: string, recommend: string): string {
  if (recommend.includes(']]>')) return errorXmlWithBuilder(err, requestId, recommend);
  return (
    `<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>${escapeMarkup(requestId)}</RequestId><HostId>${HOST_ID}</HostId>` +
    `<Code>${escapeText(err.code)}</Code><Message>${escapeText(err.message)}</Message><Recommend><![CDATA[${recommend}]]></Recommend></Error>`
  );
}

/** The builder rendering of the error document: the reference for errorXml. */
export function errorXmlWithBuilder(err: ApiError, requestId: string, recommend = recommendUrl(err.code, requestId)): string {
  const doc = create().ele('Error');
  doc.ele('RequestId').txt(requestId);
  doc.ele('HostId').txt(HOST_ID);
  doc.ele('Code').txt(xmlText(err.code));
  doc.ele('Message').txt(xmlText(err.message));
  doc.ele('Recommend').dat(recommend);
  return `<?xml version='1.0' encoding='UTF-8'?>` + doc.end({ headless: true, prettyPrint: false });
}
