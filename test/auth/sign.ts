/**
 * Test-side request signing with the official helpers (@alicloud/openapi-util), independent of the
 * emulator's verifiers: what a real client would send, as inject() options.
 */
import OpenApiUtilModule from '@alicloud/openapi-util';
import * as $tea from '@alicloud/tea-typescript';
import type { Emulator } from '../../src/app.js';

const OpenApiUtil = OpenApiUtilModule.default;

export interface Key { id: string; secret: string }

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

let counter = 0;
export const freshNonce = () => `nonce-${process.pid}-${++counter}`;

const qs = (p: Record<string, string>) => new URLSearchParams(p).toString().replace(/\+/g, '%20');

/** V1 parameters with Timestamp, nonce and Signature added (pop-core style). */
export function v1Params(
  action: string,
  params: Record<string, string>,
  key: Key,
  opts: { method?: string; now: number; nonce?: string; format?: string },
): Record<string, string> {
  const all: Record<string, string> = {
    AccessKeyId: key.id, Action: action, Format: opts.format ?? 'JSON', SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: opts.nonce ?? freshNonce(), SignatureVersion: '1.0', Timestamp: iso(opts.now), Version: '2020-09-07', ...params,
  };
  all.Signature = OpenApiUtil.getRPCSignature(all, opts.method ?? 'GET', key.secret);
  return all;
}

/** Sends a V1 request: GET with everything in the query, or POST with everything in the body. */
export async function v1Call(em: Emulator, action: string, params: Record<string, string>, key: Key, opts: { method?: 'GET' | 'POST'; now: number; nonce?: string; mutate?: (p: Record<string, string>) => void }) {
  const p = v1Params(action, params, key, opts);
  opts.mutate?.(p);
  const res =
    opts.method === 'POST'
      ? await em.app.inject({ method: 'POST', url: '/', payload: qs(p), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      : await em.app.inject({ method: 'GET', url: `/?${qs(p)}` });
  return { status: res.statusCode, headers: res.headers, body: res.body, json: JSON.parse(res.body) as Record<string, any> };
}

export interface V3Options {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  body?: Record<string, string>;
  /** A body that is not a form, sent and hashed as these bytes with this content-type. */
  rawBody?: { contentType: string; bytes: Buffer };
  now: number;
  nonce?: string;
  algorithm?: 'ACS3-HMAC-SHA256' | 'ACS3-HMAC-SM3';
  extraHeaders?: Record<string, string>;
  /** Headers left out before signing. */
  omitHeaders?: string[];
  /** Changes the request after signing (to break it on purpose). */
  tamper?: (r: { url: string; payload: string | Buffer; headers: Record<string, string> }) => void;
}

/** Sends a V3 (ACS3) request as the SDK does: x-acs-* headers, Authorization, form body. */
export async function v3Call(em: Emulator, action: string, key: Key, opts: V3Options) {
  const alg = opts.algorithm ?? 'ACS3-HMAC-SHA256';
  const method = opts.method ?? 'POST';
  const payload: string | Buffer = opts.rawBody ? opts.rawBody.bytes : opts.body ? qs(opts.body) : '';
  const headers: Record<string, string> = {
    host: '127.0.0.1:8080', 'x-acs-action': action, 'x-acs-version': '2020-09-07', 'x-acs-date': iso(opts.now),
    'x-acs-signature-nonce': opts.nonce ?? freshNonce(), accept: 'application/json',
    'x-acs-content-sha256': OpenApiUtil.hexEncode(OpenApiUtil.hash(Buffer.from(payload), alg)), ...opts.extraHeaders,
  };
  if (payload.length) headers['content-type'] = opts.rawBody ? opts.rawBody.contentType : 'application/x-www-form-urlencoded';
  const payloadHash = headers['x-acs-content-sha256'];
  for (const h of opts.omitHeaders ?? []) delete headers[h];
  const req = new $tea.Request();
  req.method = method;
  req.pathname = '/';
  req.query = opts.query ?? {};
  req.headers = headers;
  headers.Authorization = OpenApiUtil.getAuthorization(req, alg, payloadHash, key.id, key.secret);
  const r: { url: string; payload: string | Buffer; headers: Record<string, string> } = { url: opts.query && Object.keys(opts.query).length ? `/?${qs(opts.query)}` : '/', payload, headers };
  opts.tamper?.(r);
  const res = await em.app.inject({ method, url: r.url, payload: r.payload.length ? r.payload : undefined, headers: r.headers });
  return { status: res.statusCode, headers: res.headers, body: res.body, json: JSON.parse(res.body) as Record<string, any> };
}
