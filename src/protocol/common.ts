/**
 * Common parameters (protocol.md §2-3): where Action, Version and Format come from, and which reply
 * format a request gets.
 *
 * - Classic requests (V1 signature, pop-core, curl) carry Action/Version/Format as parameters.
 * - Current SDKs (ACS3 signature) carry `x-acs-action` / `x-acs-version` headers and never send
 *   Format; they always parse JSON, so they get JSON.
 * - Without Format a classic request gets XML, the real service's default.
 */
import { Errors } from '../errors.js';
import { knowParameterNames, parseForm, rawQuery, type Params } from './form.js';
import type { ReplyFormat } from './serialize.js';

export const API_VERSION = '2020-09-07';

/** Parameters that belong to the gateway, not to an action; never reported as unknown. */
export const COMMON_PARAMS = new Set([
  'Action', 'Version', 'Format', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce',
  'SignatureType', 'Timestamp', 'TimeStamp', 'SecurityToken', 'RegionId', 'BearerToken', 'ResourceOwnerAccount',
  'ResourceOwnerId', 'OwnerId', 'OwnerAccount', 'callerBid', 'ProductCode',
]);
knowParameterNames(COMMON_PARAMS);

export interface Headers {
  [name: string]: string | string[] | undefined;
}

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface CommonParams {
  action: string | undefined;
  version: string | undefined;
  /** True for requests shaped like the current SDKs (x-acs-action header, no Action parameter). */
  headerStyle: boolean;
}

export function readCommon(params: Params, headers: Headers): CommonParams {
  const paramAction = params.Action;
  const headerAction = header(headers, 'x-acs-action');
  return {
    action: paramAction ?? headerAction,
    version: params.Version ?? header(headers, 'x-acs-version'),
    headerStyle: paramAction === undefined && headerAction !== undefined,
  };
}

/**
 * The reply format. Returns the format plus an error to answer with when Format is not JSON/XML
 * (the error itself is rendered in the request's default format).
 */
export function replyFormat(params: Params, headerStyle: boolean): { format: ReplyFormat; error?: ReturnType<typeof Errors.invalidFormat> } {
  const fallback: ReplyFormat = headerStyle ? 'JSON' : 'XML';
  const raw = params.Format;
  if (raw === undefined || raw === '') return { format: fallback };
  const upper = raw.toUpperCase();
  if (upper === 'JSON' || upper === 'XML') return { format: upper };
  return { format: fallback, error: Errors.invalidFormat() };
}

/**
 * The reply format of a request that failed before the RPC route ran (body too large, bad content
 * type, undecodable path): the same rule as the route, read from the query string. A query that
 * does not parse gets what the route gives it too: JSON for header style, else XML.
 */
export function formatOfRawRequest(url: string, headers: Headers): ReplyFormat {
  let params: Params;
  try {
    params = parseForm(rawQuery(url));
  } catch {
    return header(headers, 'x-acs-action') !== undefined ? 'JSON' : 'XML';
  }
  return replyFormat(params, readCommon(params, headers).headerStyle).format;
}
