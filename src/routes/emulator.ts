/**
 * The emulator's control plane under /_emulator/ (registered with that prefix in app.ts). It is a
 * JSON API, not part of the cloud API: it never answers as an Action, its errors are
 * `{"error": {"code", "message", ...}}`, and unknown paths under /_emulator/ get its own 404.
 *
 *   GET    /health /ready                liveness; readiness (503 until fixtures are loaded)
 *   POST   /reset[?accountId=&to=]       back to the loaded fixtures (or empty), all or one account
 *   GET    /state[?accountId=]           the state as a fixtures document
 *   POST   /state[?mode=replace|merge]   load or merge such a document
 *   GET    /requests  DELETE /requests   the request journal (filters: action, accountId, status, code, limit)
 *   GET    /faults  POST /faults  DELETE /faults  DELETE /faults/:id
 *   GET    /lifecycle  POST /lifecycle   report / pack / aggregator readiness modes
 *   GET    /clock  POST /clock           {"advanceMs"}, {"set"}, {"freeze"}
 *   GET    /ui                           read-only web console (HTML)
 *   GET    /openapi.json                 this API as OpenAPI 3
 *
 * When config.adminToken is set, every route but health and ready needs `Authorization: Bearer
 * <token>` (the console and the API description it links to also take `?token=`, since a browser
 * cannot send the header).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../actions/define.js';
import type { EmulatorState } from '../app.js';
import { consoleHtml } from '../control/console.js';
import { FaultInputError } from '../control/faults.js';
import type { ControlPlane } from '../control/index.js';
import { LifecycleInputError } from '../control/lifecycle.js';
import { CONTROL_OPENAPI } from '../control/openapi.js';
import {
  accountKnown, importState, IMPORT_MODES, resetAccount, resetAll, RESET_TARGETS, type ImportMode, type ResetTarget,
} from '../control/state.js';
import { exportState } from '../state/export.js';
import { FixtureError } from '../state/fixtures.js';
import { baseUrlOf } from './rpc.js';
import { isCalendarDay, MAX_TIME_MS } from '../clock.js';
import { listedOrigins } from './cors.js';
import type { Config } from '../config.js';

export interface EmulatorRouteOptions {
  state: EmulatorState;
  services: Services;
  control: ControlPlane;
  /** The emulator's logger (app.ts createLogger), undefined when it logs nothing. */
  log: FastifyBaseLogger | undefined;
}

/** A control-plane error: HTTP status, a short code and a message, plus optional details. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const bad = (message: string, details: Record<string, unknown> = {}) => new ControlError(400, 'BadRequest', message, details);

/** The routes that stay open when an admin token is set (orchestrators probe them). */
const OPEN_PATHS = new Set(['/_emulator/health', '/_emulator/ready']);
/** Read by any page (nothing secret, no change): the probes, the index and the API description. */
const PUBLIC_READS = new Set([...OPEN_PATHS, '/_emulator', '/_emulator/openapi.json']);
/** A control-plane path without its query and trailing slashes. */
const pathOf = (url: string) => url.split('?')[0].replace(/\/+$/, '');

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

type Query = Record<string, string | undefined>;

function accountParam(q: Query): number | undefined {
  const raw = q.accountId ?? q.account;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) <= 0) throw bad(`accountId must be a positive integer account id, got "${raw}"`);
  return Number(raw);
}

function oneOf<T extends string>(name: string, raw: string | undefined, values: readonly T[], fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw bad(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function bodyObject(body: unknown, allowEmpty = false): Record<string, unknown> {
  if (body === undefined && allowEmpty) return {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Whether an ISO 8601 text starts with a date that exists (Date.parse takes 2026-02-30 as March 2). */
function calendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T/.exec(text);
  return m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/**
 * The pages that may use the control plane without a token: loopback, the host the emulator
 * listens on, its --public-url, and the origins --cors lists by name. Not the Host header: a proxy
 * rewrites it, and a DNS-rebinding page sets it to its own name.
 */
function pageOrigins(config: Config): (origin: string) => boolean {
  const named = listedOrigins(config.cors);
  if (config.publicUrl) {
    try {
      named.add(new URL(config.publicUrl).origin);
    } catch {
      // not a URL: report links fail on their own
    }
  }
  const listening = config.host.includes(':') ? `[${config.host}]` : config.host;
  return (origin) => {
    if (named.has(origin)) return true;
    try {
      const host = new URL(origin).hostname;
      return LOOPBACK_HOSTS.has(host) || (host === listening && config.host !== '0.0.0.0' && config.host !== '::');
    } catch {
      return false;
    }
  };
}

export async function emulatorRoutes(app: FastifyInstance, opts: EmulatorRouteOptions): Promise<void> {
  const { state, services, control } = opts;
  const { store } = services;

  // Bodies here are JSON whatever the content type says (curl -d sends a form type); empty = none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 * 1024 }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ControlError(400, 'InvalidJson', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof ControlError) return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...err.details } });
    if (err instanceof FixtureError) {
      return reply.code(400).send({ error: { code: 'InvalidFixtures', message: err.message, file: err.file, path: err.at, problem: err.problem } });
    }
    if (err instanceof FaultInputError || err instanceof LifecycleInputError) return reply.code(400).send({ error: { code: 'BadRequest', message: err.message } });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.log?.error({ err, method: req.method, url: req.url }, 'control plane error');
    const code = status === 500 ? 'InternalError' : status === 413 ? 'PayloadTooLarge' : 'BadRequest';
    return reply.code(status).send({ error: { code, message: err.message } });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'NotFound', message: `no control-plane route ${req.method} ${req.url.split('?')[0]}; see /_emulator/openapi.json` } }),
  );

  const token = services.config.adminToken;
  if (token === '') {
    // Without a token, a page of another origin must not drive or read the control plane (state
    // holds secrets; a form or text/plain POST needs no preflight). Browsers send Origin with such
    // requests; SDKs, the CLI and curl send none.
    const allowed = pageOrigins(services.config);
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const origin = req.headers.origin;
      if (origin === undefined || allowed(origin)) return;
      if (req.method === 'GET' && PUBLIC_READS.has(pathOf(req.url))) return;
      reply.removeHeader('access-control-allow-origin'); // set by the API's CORS hook: not here
      reply.removeHeader('access-control-expose-headers');
      return reply.code(403).send({ error: { code: 'CrossOriginRefused', message: `the control plane answers pages of loopback, --host, --public-url or --cors origins only, unless --admin-token is set (Origin: ${origin})` } });
    });
  } else {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const path = pathOf(req.url);
      if (OPEN_PATHS.has(path)) return;
      const auth = req.headers.authorization;
      const bearer = auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
      // Pages a browser opens (the console and the API description it links to) may carry it as ?token=.
      const fromQuery = path === '/_emulator/ui' || path === '/_emulator/openapi.json' ? (req.query as Query).token : undefined;
      if (tokenMatches(token, bearer) || tokenMatches(token, fromQuery)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="alicloud-config-emulator"')
        .send({ error: { code: 'Unauthorized', message: 'the control plane requires Authorization: Bearer <CONFIG_EMULATOR_ADMIN_TOKEN>' } });
    });
  }

  // ---- index, liveness, readiness --------------------------------------------------------------
  app.get('/', async () => ({
    name: 'alicloud-config-emulator control plane',
    openapi: '/_emulator/openapi.json',
    console: '/_emulator/ui',
    routes: Object.keys(CONTROL_OPENAPI.paths),
  }));
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    if (!state.ready) return reply.code(503).send({ status: 'starting' });
    return { status: 'ready', fixtures: state.loaded, ...(state.kept ? { kept: true } : {}) };
  });

  // ---- reset ----------------------------------------------------------------------------------
  app.post('/reset', async (req) => {
    const q = req.query as Query;
    const accountId = accountParam(q);
    const to = oneOf<ResetTarget>('to', q.to, RESET_TARGETS, 'fixtures');
    if (accountId === undefined) {
      state.ready = false;
      try {
        const loaded = resetAll(services, control.fixtureDocs, to);
        state.loaded = loaded;
        state.kept = false;
        control.faults.clear();
        control.lifecycle.clearPending();
        return { reset: 'all', to, loaded };
      } finally {
        state.ready = true;
      }
    }
    if (!accountKnown(services, control.fixtureDocs, accountId)) throw new ControlError(404, 'AccountNotFound', `account ${accountId} is neither in the store nor in the fixtures`);
    const loaded = resetAccount(services, control.fixtureDocs, accountId, to);
    control.faults.clear(accountId);
    control.lifecycle.clearPending(accountId);
    return { reset: accountId, to, loaded };
  });

  // ---- state ----------------------------------------------------------------------------------
  app.get('/state', async (req) => exportState(store, accountParam(req.query as Query)));
  app.post('/state', async (req) => {
    const q = req.query as Query;
    const mode = oneOf<ImportMode>('mode', q.mode, IMPORT_MODES, 'replace');
    if (req.body === undefined) throw bad('the body must be a fixtures document (see GET /_emulator/state)');
    const loaded = importState(services, req.body, mode, 'POST /_emulator/state body');
    if (mode === 'replace') control.lifecycle.clearPending();
    return { mode, loaded };
  });

  // ---- journal --------------------------------------------------------------------------------
  app.get('/requests', async (req) => {
    const q = req.query as Query;
    let limit: number | undefined;
    if (q.limit !== undefined) {
      if (!/^\d{1,7}$/.test(q.limit)) throw bad('limit must be a whole number');
      limit = Number(q.limit);
    }
    if (q.status !== undefined && !/^(\d{3}|[1-5]xx|error|ok)$/i.test(q.status)) throw bad('status must be a status code (503), a class (4xx) or error/ok');
    const requests = control.journal.list({
      action: q.action || undefined,
      accountId: accountParam(q),
      status: q.status || undefined,
      errorCode: q.code || undefined,
      limit,
    });
    return { size: control.journal.size, count: requests.length, requests };
  });
  app.delete('/requests', async () => {
    const cleared = control.journal.count();
    control.journal.clear();
    return { cleared };
  });

  // ---- faults ---------------------------------------------------------------------------------
  app.get('/faults', async () => ({ faults: control.faults.list(), errorCodes: control.faults.knownErrorCodes() }));
  app.post('/faults', async (req, reply) => {
    const rule = control.faults.add(bodyObject(req.body));
    return reply.code(201).send(rule);
  });
  app.delete('/faults', async () => ({ deleted: control.faults.clear() }));
  app.delete('/faults/:id', async (req) => {
    const { id } = req.params as { id: string };
    if (!control.faults.remove(id)) throw new ControlError(404, 'FaultNotFound', `no fault rule ${id}`);
    return { deleted: 1 };
  });

  // ---- lifecycle ------------------------------------------------------------------------------
  const lifecycleView = () => ({ ...control.lifecycle.settings(), pendingReads: control.lifecycle.pendingReads() });
  app.get('/lifecycle', async () => lifecycleView());
  app.post('/lifecycle', async (req) => {
    control.lifecycle.configure(bodyObject(req.body));
    return lifecycleView();
  });

  // ---- clock ----------------------------------------------------------------------------------
  const clockView = () => {
    const now = control.clock.now();
    return { now: new Date(now).toISOString(), nowMs: now, frozen: control.clock.frozen };
  };
  app.get('/clock', async () => clockView());
  app.post('/clock', async (req) => {
    const b = bodyObject(req.body);
    for (const k of Object.keys(b)) if (!['set', 'advanceMs', 'freeze'].includes(k)) throw bad(`unknown field "${k}" (known: set, advanceMs, freeze)`);
    let setTo: number | undefined;
    if (b.set !== undefined) {
      if (typeof b.set === 'number' && Number.isSafeInteger(b.set) && b.set >= 0) setTo = b.set;
      else if (typeof b.set === 'string' && calendarDate(b.set) && !Number.isNaN(Date.parse(b.set))) setTo = Date.parse(b.set);
      else throw bad('set must be an ISO 8601 time such as "2026-01-01T00:00:00Z" or epoch milliseconds');
    }
    if (b.advanceMs !== undefined && (typeof b.advanceMs !== 'number' || !Number.isSafeInteger(b.advanceMs))) throw bad('advanceMs must be a whole number of ms');
    if (b.freeze !== undefined && typeof b.freeze !== 'boolean') throw bad('freeze must be true or false');
    // Checked before anything moves: past year 9999 a time has no ISO 8601 text (the journal, the
    // console and every timestamp of an answer would fail), and before 1970 no epoch milliseconds.
    const target = (setTo ?? control.clock.now()) + (typeof b.advanceMs === 'number' ? b.advanceMs : 0);
    if (!(target >= 0 && target <= MAX_TIME_MS)) throw bad('the clock must stay between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');
    // Order: set, then advance, then freeze/unfreeze (a frozen clock stays where it was put).
    if (setTo !== undefined) control.clock.set(setTo);
    if (typeof b.advanceMs === 'number') control.clock.advance(b.advanceMs);
    if (typeof b.freeze === 'boolean') control.clock.freeze(b.freeze);
    return clockView();
  });

  // ---- console and API description ------------------------------------------------------------
  app.get('/ui', async (req, reply) => {
    const given = (req.query as Query).token;
    const html = consoleHtml(services, control, { baseUrl: baseUrlOf(req, services.config.publicUrl), token: typeof given === 'string' ? given : undefined });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
  app.get('/openapi.json', async () => CONTROL_OPENAPI);
}
