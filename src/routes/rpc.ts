/**
 * The RPC route: GET|POST / — the whole request pipeline in order.
 *
 *   1. parameters  query merged with the form body (first occurrence of a key wins)
 *   2. format      Format=JSON|XML, or the default for the request's style; from here errors
 *                  are rendered in the right format
 *   3. common      Action and Version, from parameters or x-acs-* headers
 *   4. auth        the caller's account (and, with signatures, verification)
 *   5. dispatch    the action by exact wire name (unknown -> 404, real-but-unemulated -> 501)
 *   5b. control    control-plane hook (src/control/hooks.ts): injected faults, lifecycle modes
 *   6. run         validate parameters against the action's schema, run the handler
 *                  (writes in one transaction; ClientToken idempotency)
 *   7. serialize   one serializer for successes and errors, JSON or XML
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { lookupAction, runAction } from '../actions/index.js';
import type { Services } from '../actions/define.js';
import { AUTH_WARNING_HEADER, type Authenticator } from '../auth/index.js';
import { ApiError, asApiError, Errors } from '../errors.js';
import { API_VERSION, readCommon } from '../protocol/common.js';
import { FormBody, parseForm, rawQuery, type Params } from '../protocol/form.js';
import { errorReply, successReply, type Reply, type ReplyFormat } from '../protocol/serialize.js';
import { replyFormat } from '../protocol/common.js';
import type { RpcHooks } from '../control/hooks.js';

export interface RpcOptions {
  services: Services;
  auth: Authenticator;
  /** Control-plane hook points (journal, faults, lifecycle); absent = none. */
  hooks?: RpcHooks;
}

/** What the journal and the logs learn about each API call. */
export interface CallRecord {
  action: string | undefined;
  accountId: number | undefined;
  requestId: string;
  status: number;
  errorCode: string | undefined;
  params: Params;
}

declare module 'fastify' {
  interface FastifyRequest {
    configCall?: CallRecord;
  }
}

/** The base URL a client used to reach us, for links it must be able to follow. */
export function baseUrlOf(req: FastifyRequest, publicUrl: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = req.headers.host ?? `${req.hostname}`;
  return `${req.protocol}://${host}`;
}

function send(reply: FastifyReply, r: Reply, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(r.status).headers(headers).type(r.contentType).send(r.body);
}

export async function rpcRoutes(app: FastifyInstance, opts: RpcOptions): Promise<void> {
  const { services, auth, hooks } = opts;

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = services.ids.uuid();
    let format: ReplyFormat = 'XML';
    const record: CallRecord = { action: undefined, accountId: undefined, requestId, status: 200, errorCode: undefined, params: {} };
    req.configCall = record;
    const extraHeaders: Record<string, string> = {};
    try {
      // 1. parameters
      const body = req.body instanceof FormBody ? req.body : undefined;
      let params: Params;
      try {
        params = parseForm(rawQuery(req.url));
      } catch (err) {
        params = {};
        format = req.headers['x-acs-action'] ? 'JSON' : 'XML';
        throw err;
      }
      if (body) {
        for (const k in body.fields) if (!(k in params)) params[k] = body.fields[k];
      }
      record.params = params;
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
      // 4. auth
      const caller = auth.authenticate({ method: req.method, params, headers: req.headers, rawQuery: rawQuery(req.url), rawBody: body?.raw ?? '' });
      record.accountId = caller.accountId;
      if (caller.warning) {
        extraHeaders[AUTH_WARNING_HEADER] = caller.warning;
        req.log.warn({ requestId, auth: caller.warningDetail }, `auth check failed, served anyway (warn mode): ${caller.warningDetail?.code}`);
      }
      // 5. dispatch
      const action = lookupAction(common.action);
      // 5b. control plane: a matching fault rule may wait and/or throw a catalog error here; lifecycle
      //     read counters and the x-emulator-* lifecycle headers give this call's report delay
      const control = hooks ? await hooks.beforeRun(req, { action: action.name, accountId: caller.accountId, params }) : undefined;
      // 6. run
      const result = runAction(
        action,
        {
          ...services,
          action: action.name,
          requestId,
          accountId: caller.accountId,
          now: services.clock.now(),
          baseUrl: baseUrlOf(req, services.config.publicUrl),
          reportDelayMs: control ? control.reportDelayMs : services.config.reportDelayMs,
        },
        params,
        control?.due.length ? control.prelude : undefined,
      );
      // 6b. control plane: creation lifecycle modes of what the action created
      if (hooks && control) hooks.afterRun(control, result);
      // 7. serialize
      return send(reply, successReply(action.name, requestId, result, format), extraHeaders);
    } catch (err) {
      const apiError = asApiError(err);
      if (!(err instanceof ApiError)) req.log.error({ err, requestId }, 'unexpected error in RPC handler');
      record.status = apiError.httpStatus;
      record.errorCode = apiError.code;
      return send(reply, errorReply(apiError, requestId, format), { ...extraHeaders, ...apiError.headers });
    }
  };

  // Control plane: start time of each call, then one journal entry once it is answered.
  if (hooks) {
    app.addHook('onRequest', async (req) => hooks.started(req));
    app.addHook('onResponse', async (req, reply) => hooks.finished(req, reply));
  }

  app.get('/', handle);
  app.post('/', handle);
}
