/**
 * Strict application/x-www-form-urlencoded decoding for query strings and form bodies.
 *
 * Unlike URLSearchParams it refuses malformed percent-encoding (the gateway answers
 * RequestParameterMalformed), and it keeps the first value of a repeated key, as OSS does. (A key
 * in both the query and a form body takes the body's value: the RPC route merges them.)
 */
import { Errors } from '../errors.js';

export type Params = Record<string, string>;

/**
 * At most this many parameters in a query string, and as many in a form body (TooManyParameters).
 * Enough for the largest flattened request (1000 aggregator members x 3 fields), small enough that
 * a 1 MiB body of `a=&b=&...` cannot keep the server busy.
 */
export const MAX_PARAMETERS = 5000;

function decode(s: string): string {
  if (s.indexOf('+') !== -1) s = s.replace(/\+/g, ' ');
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw Errors.malformedParameters();
  }
}

/**
 * The prototype of every parameter object: empty, frozen and without a prototype of its own. For
 * `in`, for…in, Object.keys and JSON such an object acts like a null-prototype one (nothing
 * inherited; "__proto__" and "toString" are plain keys), but V8 keeps it in fast mode, where a
 * null-prototype object is a hash table from the start (slower to fill, to read and to walk:
 * docs/performance.md).
 */
const PARAMS_PROTO: object = Object.freeze(Object.create(null));

/** A new, empty parameter object. */
export function emptyParams(): Params {
  return Object.create(PARAMS_PROTO) as Params;
}

/**
 * The parameter names the emulator knows (common parameters, every action's), each mapped to
 * itself. A key cut out of the text is a new string each time; V8 has to hash it and look it up in
 * its string table for every property access. Swapped for the known name (one Map lookup), the key
 * is the source's own string, which V8 has interned already: the store into the parameter object
 * and every later read take the fast path (~1k instructions less per parameter).
 */
const KNOWN_NAMES = new Map<string, string>();

/** Adds parameter names to those parseForm swaps for its own copies (at module load). */
export function knowParameterNames(names: Iterable<string>): void {
  for (const name of names) KNOWN_NAMES.set(name, name);
}

export function parseForm(raw: string, into: Params = emptyParams()): Params {
  const n = raw.length;
  let count = 0;
  let start = 0;
  // Where the next '%' or '+' is (from `start` on; -1: none left): only pieces that hold one are decoded.
  let escape = -2;
  // Pairs are cut at '&' with indexOf (no array of pieces); empty pairs are skipped.
  while (start < n) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = n;
    if (end > start) {
      if (++count > MAX_PARAMETERS) throw Errors.tooManyParameters(MAX_PARAMETERS);
      if (escape !== -1 && escape < start) escape = nextEscape(raw, start);
      const eq = raw.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const keyEnd = hasValue ? eq : end;
      let key = raw.slice(start, keyEnd);
      if (escape !== -1 && escape < keyEnd) key = decode(key);
      else key = KNOWN_NAMES.get(key) ?? key;
      // Decoded even when the key is ignored: a malformed value is refused wherever it is.
      let value = hasValue ? raw.slice(eq + 1, end) : '';
      if (hasValue && escape !== -1 && escape < end) value = decode(value);
      if (key.length !== 0 && !(key in into)) into[key] = value;
    }
    start = end + 1;
  }
  return into;
}

function nextEscape(raw: string, from: number): number {
  const pct = raw.indexOf('%', from);
  const plus = raw.indexOf('+', from);
  return pct === -1 ? plus : plus === -1 ? pct : Math.min(pct, plus);
}

/** Where `parseQuery` leaves the error of a query string that did not parse. */
export const QUERY_ERROR: unique symbol = Symbol('query error');
export type ParsedQuery = Params & { [QUERY_ERROR]?: unknown };

/**
 * The router's query-string parser (fastify `querystringParser`): the same strict decoding as
 * parseForm, parsed once per request and shared by every route. A query that does not parse
 * gives no parameters and carries its error under QUERY_ERROR, for the route to answer it in its
 * own shape (the RPC route: RequestParameterMalformed in the requested format).
 */
export function parseQuery(raw: string): ParsedQuery {
  try {
    return parseForm(raw);
  } catch (err) {
    const empty = emptyParams() as ParsedQuery;
    empty[QUERY_ERROR] = err;
    return empty;
  }
}

/**
 * A request's parameters from its query string: what the router parsed already (`parseQuery`,
 * `routerQuery` = fastify's `req.query`). The router also cuts at '#', which a request target never
 * carries; if one does, the query is taken from the first '?' as everywhere else.
 */
export function requestQuery(url: string, routerQuery: unknown): ParsedQuery {
  return url.includes('#') ? parseQuery(rawQuery(url)) : (routerQuery as ParsedQuery);
}

/** The query string of a request URL, without the leading '?', or ''. */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/**
 * The parameters of a request: its query's, and its form body's over them (a name in both takes the
 * body's value: openapi-client signs V1 over `{ ...query, ...body }`). The RPC route and the
 * request journal both read a request this way.
 */
export function mergeParams(query: Params, body: Params | undefined): Params {
  if (body === undefined) return query;
  for (const _ in query) return Object.assign(emptyParams(), query, body);
  return body; // no query (all in the body): the body's object as it is
}

/** Parsed form body kept together with its raw text (V3 signatures hash the raw bytes). */
export class FormBody {
  fields: Params = emptyParams();
  /** Set when the body is malformed; the RPC route reports it in the requested format. */
  error: unknown;
  constructor(readonly raw: string) {
    try {
      this.fields = parseForm(raw);
    } catch (err) {
      this.error = err;
    }
  }
}

/**
 * A body that is not a form (JSON, text, bytes): the RPC route reads no parameters from it, but
 * keeps its bytes, which a V3 signature hashes all the same.
 */
export class OpaqueBody {
  constructor(readonly raw: Buffer) {}
}

/** A request body as received (what V3 hashes): a form's text, another type's bytes, '' for none. */
export function bodyBytes(body: unknown): string | Buffer {
  return body instanceof FormBody || body instanceof OpaqueBody ? body.raw : '';
}

// RFC 3986 unreserved characters: percentEncode leaves such a string as it is.
const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;
// What encodeURIComponent leaves but RFC 3986 encodes.
const SUB_DELIMS = /[!'()*]/;

/** RFC 3986 percent-encoding as Alibaba Cloud signatures use it. */
export function percentEncode(s: string): string {
  if (UNRESERVED.test(s)) return s;
  const encoded = encodeURIComponent(s);
  return SUB_DELIMS.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) : encoded;
}
