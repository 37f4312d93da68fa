/**
 * CORS for browser demos (`--cors`): `*` (any origin, the default), `off`, or a comma-separated list
 * of origins.
 *
 * Only requests that carry an `Origin` header get CORS headers; browsers send one on every
 * cross-origin request, and SDKs, the CLI and curl do not, so their answers carry nothing extra:
 *   - an allowed origin is echoed in `Access-Control-Allow-Origin`, with the headers a page may read
 *     (`Access-Control-Expose-Headers`) and `Vary: Origin`;
 *   - any other origin gets `Vary: Origin` only (the browser refuses the answer);
 *   - a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered 204 with
 *     the allowed methods and the requested headers; an `OPTIONS` without them is refused with
 *     400 `Invalid Preflight Request`.
 *
 * This replaced @fastify/cors, whose hook copied its options and rebuilt the same headers for every
 * request, `Origin` or not: ~11k instructions of a ~140k-instruction Get (docs/performance.md).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CORS_METHODS = 'GET, HEAD, POST, DELETE';
export const CORS_EXPOSED_HEADERS = 'x-emulator-auth-warning, etag, x-oss-request-id';

/** Which origins `--cors` allows: a test per origin, or null when CORS is off. */
export function corsOrigins(setting: string): ((origin: string) => boolean) | null {
  const value = setting.trim();
  if (value === 'off') return null;
  if (value === '*') return () => true;
  const listed = listedOrigins(value);
  return (origin) => listed.has(origin);
}

/** The origins `--cors` names one by one (none for `*` or `off`). */
export function listedOrigins(setting: string): Set<string> {
  const value = setting.trim();
  if (value === '*' || value === 'off') return new Set();
  return new Set(value.split(',').map((o) => o.trim()).filter(Boolean));
}

function originHeaders(reply: FastifyReply, origin: string, allowed: boolean, vary = 'Origin'): void {
  reply.header('vary', vary);
  if (!allowed) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
}

/** Registers the CORS hook and the preflight route on the root instance (all routes). */
export function registerCors(app: FastifyInstance, setting: string): void {
  const allows = corsOrigins(setting);
  if (!allows) return;

  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const origin = req.headers.origin;
    if (origin !== undefined && req.method !== 'OPTIONS') originHeaders(reply, origin, allows(origin));
    done();
  });

  app.options('*', (req, reply) => {
    const origin = req.headers.origin;
    const method = req.headers['access-control-request-method'];
    if (origin === undefined || method === undefined) {
      return reply.code(400).type('text/plain; charset=utf-8').send('Invalid Preflight Request');
    }
    originHeaders(reply, origin, allows(origin), 'Origin, Access-Control-Request-Headers');
    reply.header('access-control-allow-methods', CORS_METHODS);
    const requested = req.headers['access-control-request-headers'];
    if (requested !== undefined) reply.header('access-control-allow-headers', requested);
    return reply.code(204).header('content-length', '0').send();
  });
}
