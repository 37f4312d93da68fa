/**
 * The RPC route: GET|POST / — the whole request pipeline in order.
 *
 *   1. parameters  query merged with the form body (within each, the first occurrence of a key
 *                  wins; a key in both takes the body's value, as the SDKs sign it)
 *   2. format      Format=JSON|XML, or the default for the request's style; from here errors
 *                  are rendered in the right format
 *   3. common      Action and Version, from parameters or x-acs-* headers
 *   4. auth        the caller's account (and, with signatures, verification)
 *   5. dispatch    the action by exact wire name (unknown -> 404, real-but-unemulated -> 501),
 *                  its parameters against its schema (the gateway's checks), then the account's
 *                  Config switch (AccountNotExisted, the service's)
 *   5b. control    control-plane hook (src/control/hooks.ts): injected faults, lifecycle modes
 *   6. run         the handler
 *                  (writes atomically, answered once committed: group commit; ClientToken idempotency)
 *   7. serialize   one serializer for successes and errors, JSON or XML
 *   8. after       one journal entry and one log line per call, once the answer is handed over
 *
 * This is the path every API call takes, so it stays lean: no async step unless a fault rule adds
 * latency or the call writes (it waits for its commit), no fastify hook of its own, work that can
 * be done once done at registration. The journal entry and the log line are written right after
 * the answer is handed to fastify (no onResponse hook: with one, or with a logger given to fastify,
 * fastify sets up 'finish' listeners and timers on every response).
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import { decodeParams, lookupAction, runAction } from '../actions/index.js';
import type { Services } from '../actions/define.js';
import { AUTH_WARNING_HEADER, type Authenticator } from '../auth/index.js';
import { ApiError, asApiError, Errors } from '../errors.js';
import { API_VERSION, formatOfRawRequest, readCommon, replyFormat } from '../protocol/common.js';
import { bodyBytes, FormBody, mergeParams, QUERY_ERROR, rawQuery, requestQuery } from '../protocol/form.js';
import { errorReply, successReply, type Reply, type ReplyFormat } from '../protocol/serialize.js';
import type { RpcHooks } from '../control/hooks.js';
import type { JournalFault } from '../control/journal.js';
import { writeCallLine } from './call-log.js';

export interface RpcOptions {
  services: Services;
  auth: Authenticator;
  /** Control-plane hook points (journal, faults, lifecycle). */
  hooks: RpcHooks;
  /** The emulator's logger (app.ts), undefined when it logs nothing. */
  log: FastifyBaseLogger | undefined;
}

/** What the journal and the logs learn about each API call. */
export interface CallRecord {
  action: string | undefined;
  accountId: number | undefined;
  requestId: string;
  status: number;
  errorCode: string | undefined;
  /**
   * The parameters as received: the query string and the form body (each '' when absent), set
   * once they parsed. The journal keeps these two strings rather than the parsed object and
   * decodes them when it is read (parseForm of each, merged as here: the same parameters).
   */
  rawParams: { query: string; body: string } | undefined;
  /** Emulator time at which the call arrived (the journal's time). */
  startedAt: number;
  /** The fault rule that fired on this call, if any. */
  fault?: JournalFault;
}

// The last base URL made, by its parts: calls come from one host:port, and a string built anew
// each call is hashed anew wherever it is a key.
let lastBase = { publicUrl: '', protocol: '', host: '', url: '' };

/** The base URL a client used to reach us, for links it must be able to follow. */
export function baseUrlOf(req: FastifyRequest, publicUrl: string): string {
  const protocol = req.protocol;
  const host = publicUrl ? '' : req.headers.host ?? `${req.hostname}`;
  const last = lastBase;
  if (last.url !== '' && last.publicUrl === publicUrl && last.protocol === protocol && last.host === host) return last.url;
  const url = publicUrl ? publicUrl.replace(/\/+$/, '') : `${protocol}://${host}`;
  lastBase = { publicUrl, protocol, host, url };
  return url;
}

/** Whether a logger writes info lines (pino answers; a logger without levels writes them all). */
function logsInfo(log: FastifyBaseLogger): boolean {
  const pinoLike = log as { isLevelEnabled?: (level: string) => boolean };
  return typeof pinoLike.isLevelEnabled !== 'function' || pinoLike.isLevelEnabled('info');
}

function send(reply: FastifyReply, r: Reply, headers?: Record<string, string>): FastifyReply {
  reply.code(r.status);
  if (headers) reply.headers(headers);
  return reply.type(r.contentType).send(r.body);
}

/**
 * An API error for a request the pipeline did not run (an unsupported method, no route, a body
 * fastify refused), in the format read from the raw request.
 */
export function sendGatewayError(req: Pick<FastifyRequest, 'url' | 'headers'>, reply: FastifyReply, error: ApiError, requestId: string): FastifyReply {
  return send(reply, errorReply(error, requestId, formatOfRawRequest(req.url, req.headers)));
}

/**
 * The raw answer to a connection node's HTTP parser gave up on: a request line and headers over
 * node's limit (`maxHeaderSize`, 16 KB unless --max-http-header-size), or bytes that are not HTTP.
 * No request exists to read a Format from, so the error is the gateway's envelope in XML (the
 * classic default), and the connection closes. Timeouts and resets get no answer.
 */
export function clientErrorAnswer(err: { code?: string }, requestId: string): string | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return undefined;
  const error = err.code === 'HPE_HEADER_OVERFLOW' ? Errors.headersTooLarge(maxHeaderSize) : Errors.malformedRequest();
  const r = errorReply(error, requestId, 'XML');
  const reason = error.httpStatus === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  return `HTTP/1.1 ${r.status} ${reason}\r\nContent-Type: ${r.contentType}\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\nConnection: close\r\n\r\n${r.body}`;
}

/**
 * fastify's clientErrorHandler: clientErrorAnswer, only on a connection with no answer in flight
 * (an earlier request of the connection may still wait for its commit, and writing there would
 * corrupt that answer); such a connection is closed instead, as node itself does once an answer
 * has started.
 */
export function handleClientError(err: Error & { code?: string }, socket: Socket, requestId: () => string): void {
  const inFlight = (socket as { _httpMessage?: unknown })._httpMessage;
  const answer = inFlight ? undefined : clientErrorAnswer(err, requestId());
  if (answer !== undefined && socket.writable) socket.end(answer);
  else socket.destroy(err);
}

export async function rpcRoutes(app: FastifyInstance, opts: RpcOptions): Promise<void> {
  const { services, auth, hooks, log } = opts;

  /**
   * After the answer: one journal entry (control plane) and one log line. The duration runs from
   * the route taking the call (the request and its body already read) to the answer handed over.
   */
  const finished = (call: CallRecord, method: string, status: number, startedMs: number): void => {
    const ms = performance.now() - startedMs;
    hooks.finished(call, method, ms);
    if (log !== undefined && logsInfo(log)) {
      writeCallLine(log, { action: call.action, status, account: call.accountId, requestId: call.requestId, ms: Math.round(ms), errorCode: call.errorCode });
    }
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const startedMs = performance.now();
    const requestId = services.ids.uuid();
    let format: ReplyFormat = 'XML';
    const record: CallRecord = { action: undefined, accountId: undefined, requestId, status: 200, errorCode: undefined, rawParams: undefined, startedAt: hooks.now() };
    let extraHeaders: Record<string, string> | undefined;
    try {
      // 1. parameters
      const body = req.body instanceof FormBody ? req.body : undefined;
      // Parsed once by the router (app.ts: querystringParser = parseQuery); this request's own object.
      const queryText = rawQuery(req.url);
      const query = requestQuery(req.url, req.query);
      if (query[QUERY_ERROR] !== undefined) {
        format = req.headers['x-acs-action'] ? 'JSON' : 'XML';
        throw query[QUERY_ERROR];
      }
      const params = mergeParams(query, body?.fields);
      record.rawParams = { query: queryText, body: body && body.error === undefined ? body.raw : '' };
      // 2. format
      const common = readCommon(params, req.headers);
      const f = replyFormat(params, common.headerStyle);
      format = f.format;
      if (body?.error) throw body.error;
      if (f.error) throw f.error;
      // 3. common parameters
      if (common.action === undefined || common.action === '') throw Errors.missingParameter('Action');
      record.action = common.action;
      // Only one version exists here, so a request without Version (a hand-typed curl) gets it.
      if (common.version !== undefined && common.version !== '' && common.version !== API_VERSION) throw Errors.invalidVersion();
      // 4. auth (first look at the store in this call: notice other processes' writes)
      services.store.sync();
      const caller = auth.authenticate({ method: req.method, params, headers: req.headers, rawQuery: queryText, query, rawBody: bodyBytes(req.body) });
      record.accountId = caller.accountId;
      if (caller.warning) {
        extraHeaders = { [AUTH_WARNING_HEADER]: caller.warning };
        log?.warn({ requestId, auth: caller.warningDetail }, `auth check failed, served anyway (warn mode): ${caller.warningDetail?.code}`);
      }
      // 5. dispatch, then the gateway's checks of the parameters, then the service's own of the account
      const action = lookupAction(common.action);
      const decoded = decodeParams(action, params);
      if (!caller.configEnabled) throw Errors.accountNotExisted();
      // 5b. control plane: a matching fault rule may wait and/or throw a catalog error here (a call
      //     the service would run); lifecycle read counters and the x-emulator-* lifecycle headers
      //     give this call's report delay
      let control = hooks.beforeRun(record, req.headers, action.name, caller.accountId, params);
      if (control instanceof Promise) {
        control = await control;
        // The store may have changed during the fault's wait (a reset, an import): the call runs
        // for the caller's account as it is now, or not at all.
        services.store.sync();
        if (!services.store.accounts.get(caller.accountId)?.configEnabled) throw Errors.accountNotExisted();
      }
      // 6. run
      let result = runAction(
        action,
        {
          config: services.config,
          store: services.store,
          clock: services.clock,
          ids: services.ids,
          catalog: services.catalog,
          action: action.name,
          requestId,
          accountId: caller.accountId,
          now: control.since,
          baseUrl: baseUrlOf(req, services.config.publicUrl),
          reportDelayMs: control.reportDelayMs,
          createReadyMs: control.createReadyMs,
        },
        decoded,
        control.due.length ? control.prelude : undefined,
      );
      // A write answers once its commit group has committed (Store.grouped).
      if (result instanceof Promise) result = await result;
      // 6b. control plane: creation lifecycle modes of what the action created
      hooks.afterRun(control, result);
      // 7. serialize
      send(reply, successReply(action.name, requestId, result, format), extraHeaders);
    } catch (err) {
      const apiError = asApiError(err);
      if (!(err instanceof ApiError)) log?.error({ err, requestId }, 'unexpected error in RPC handler');
      record.status = apiError.httpStatus;
      record.errorCode = apiError.code;
      send(reply, errorReply(apiError, requestId, format), { ...extraHeaders, ...apiError.headers });
    } finally {
      // 8. after (whatever happened above: every call that reached the route is recorded once)
      finished(record, req.method, reply.sent ? reply.statusCode : record.status, startedMs);
    }
    return reply;
  };

  // GET and POST only (clients.md). fastify would otherwise answer HEAD through the GET route, and
  // run the action; HEAD and the other methods get the gateway's UnsupportedHTTPMethod instead
  // (OPTIONS stays with the CORS preflight, src/routes/cors.ts). Nothing runs, nothing is journaled.
  app.get('/', { exposeHeadRoute: false }, handle);
  app.post('/', handle);
  app.route({
    method: ['HEAD', 'PUT', 'DELETE', 'PATCH'],
    url: '/',
    handler: (req, reply) => sendGatewayError(req, reply, Errors.unsupportedMethod(), services.ids.uuid()),
  });
}
