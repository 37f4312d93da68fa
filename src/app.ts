/**
 * buildApp(config) -> a fastify instance with everything registered, not yet listening.
 *
 * Tiers, in order: external resources (the SQLite store), app services (catalog, clock, ids,
 * authenticator, fixtures), then routes (RPC, OSS downloads, control plane). Resources close in
 * onClose. Tests build an app on ':memory:' with a fixed clock and ids and use inject().
 */
import type FormbodyPlugin from '@fastify/formbody';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Services } from './actions/define.js';
import { Authenticator } from './auth/index.js';
import { loadConfiguredKeys, parseAccessKeys } from './auth/keys.js';
import { bundledCatalog, type Catalog } from './catalog.js';
import { createControlPlane, type ControlPlane } from './control/index.js';
import { rpcHooks } from './control/hooks.js';
import { holdsState, type FixtureDoc } from './control/state.js';
import { createIds, EmulatorClock, type IdGenerator } from './clock.js';
import { ConfigError, resolveConfig, type Config } from './config.js';
import { Errors, type ApiError } from './errors.js';
import { FormBody, OpaqueBody, parseQuery } from './protocol/form.js';
import { emulatorRoutes } from './routes/emulator.js';
import { isReportPath, ossRoutes, sendInvalidUri } from './routes/oss.js';
import { registerCors } from './routes/cors.js';
import { handleClientError, rpcRoutes, sendGatewayError } from './routes/rpc.js';
import { lazySchemaCompilers } from './routes/schema-compilers.js';
import { ensureDefaultKey, loadFixtures, readFixtures, type LoadSummary } from './state/fixtures.js';
import { Store } from './store/index.js';

// CommonJS packages are require()d, not imported: an ESM import of one goes through the ESM loader,
// which also lexes its source for named exports (cjs-module-lexer, run cold). For these three that
// was about 15% of the emulator's start-up (docs/performance.md, "Start-up"). require() gives
// module.exports, as the default imports did.
const requireCjs = createRequire(import.meta.url);
const { fastify: Fastify, LogController } = requireCjs('fastify') as typeof import('fastify');
const formbody = requireCjs('@fastify/formbody') as typeof FormbodyPlugin;
const { pino } = requireCjs('pino') as typeof import('pino');

export interface AppOptions {
  config?: Partial<Config>;
  /** Injected time source; the clock can still be frozen/advanced on top of it. */
  clock?: EmulatorClock;
  ids?: IdGenerator;
  catalog?: Catalog;
  /** fastify's logger options (pino options, with `stream` or `file`), true for the defaults, false for none. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The emulator's logger, built from fastify-style logger options as fastify builds it (pino, level
 * info unless told, the `stream` or `file` option as its destination), or none.
 *
 * It is not handed to fastify: with a logger of its own, fastify adds 'finish' listeners, two
 * timestamps and a child logger (or a check of ours) to every request, whose lines the emulator
 * never writes (its one line per call comes from the RPC route). The routes log through this one.
 */
export function createLogger(options: AppOptions['logger']): FastifyBaseLogger | undefined {
  if (!options) return undefined;
  if (options === true) return pino({ level: 'info' });
  const { stream, file, ...rest } = options as LoggerOptions & { stream?: DestinationStream; file?: string };
  if (stream && file) throw new ConfigError('logger: give a stream or a file, not both');
  return pino({ level: 'info', ...rest }, stream ?? (file ? pino.destination(file) : undefined));
}

/** Mutable facts about the running emulator, shared with the control plane. */
export interface EmulatorState {
  ready: boolean;
  loaded: LoadSummary | null;
  /** The database file already held state at start: it was kept, and no fixtures were loaded. */
  kept?: boolean;
}

export interface Emulator {
  app: FastifyInstance;
  services: Services;
  state: EmulatorState;
  /** The control plane's services: journal, faults, lifecycle, clock, loaded fixture documents. */
  control: ControlPlane;
  /** The emulator's logger (createLogger), undefined when it logs nothing. */
  log: FastifyBaseLogger | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    emulator: Emulator;
  }
}

export const BODY_LIMIT = 1024 * 1024;

/** The configured fixture documents, parsed once at start; reset reloads them from memory. */
export function readConfiguredFixtures(config: Config): FixtureDoc[] {
  return config.fixtures === 'none' ? [] : readFixtures(config.fixtures);
}

/** Loads the configured fixtures (or none) into an empty store. */
export function loadConfiguredFixtures(services: Services, docs: FixtureDoc[] = readConfiguredFixtures(services.config)): LoadSummary | null {
  const { config, store, catalog } = services;
  let summary: LoadSummary | null = null;
  if (config.fixtures === 'none') store.transaction(() => ensureDefaultKey(store));
  else summary = loadFixtures(store, docs, { catalog, now: services.clock.now() });
  // Access keys from --access-keys / CONFIG_EMULATOR_ACCESS_KEYS come after the fixtures (they win
  // over same-id fixture keys; their unknown accounts are created with Config enabled).
  loadConfiguredKeys(store, config);
  return summary;
}

export async function buildApp(options: AppOptions = {}): Promise<Emulator> {
  const config = resolveConfig({}, options.config);
  parseAccessKeys(config.accessKeys); // fail fast (ConfigError) before opening anything
  // Fixture documents are read (and JSON-checked) before anything opens; reset reuses them.
  const fixtureDocs = readConfiguredFixtures(config);
  const clock = options.clock ?? new EmulatorClock();
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) throw new ConfigError('--tls-cert and --tls-key go together');
  const https = config.tlsCert ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : null;
  const log = createLogger(options.logger);
  const store = Store.open(config.db, { onCheckpointerError: (message) => log?.warn(message) });
  const services: Services = {
    config,
    store,
    clock,
    ids: options.ids ?? createIds(config.seed),
    catalog: options.catalog ?? bundledCatalog(),
  };
  const state: EmulatorState = { ready: false, loaded: null };

  const app = Fastify({
    https,
    // The routes log through the emulator's own logger (createLogger): fastify gets none.
    logger: false,
    logController: new LogController({ disableRequestLogging: true }),
    // One strict query parser for every route (first value of a repeated key wins, malformed
    // percent-encoding is reported by the route); the RPC route uses its result as is.
    routerOptions: { querystringParser: parseQuery },
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    return503OnClosing: true,
    // No route declares a fastify schema: fastify's compilers (ajv, fast-json-stringify) load on first use.
    schemaController: { compilersFactory: lazySchemaCompilers },
    // A request node's parser refused (headers over its limit, not HTTP): the gateway's envelope,
    // not fastify's JSON (src/routes/rpc.ts).
    clientErrorHandler: (err, socket) => handleClientError(err, socket, () => services.ids.uuid()),
    // A URL the router cannot decode (bad percent-encoding in the path) still gets an API- or
    // OSS-shaped error rather than fastify's own JSON.
    frameworkErrors: (_err, req, res) => {
      const reply = res as unknown as FastifyReply;
      if (isReportPath(req.url)) return sendInvalidUri(reply, req.method, services.ids.hex(24).toUpperCase(), services.clock.now());
      return sendGatewayError(req, reply, Errors.malformedParameters(), services.ids.uuid());
    },
  });
  const control = createControlPlane(config, clock, fixtureDocs);
  const emulator: Emulator = { app, services, state, control, log };
  app.decorate('emulator', emulator);
  app.addHook('onClose', async () => store.close());

  // CORS for browser demos (on by default; --cors off disables it).
  registerCors(app, config.cors);

  // Bodies: forms keep their raw text (V3 signatures hash it); any other type gives no parameters,
  // only its bytes, for the V3 hashed payload.
  await app.register(formbody, { bodyLimit: BODY_LIMIT, parser: (raw: string) => new FormBody(raw) as never });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, new OpaqueBody(body as Buffer)));

  // Errors fastify raises before a route runs (body too large, bad content) still get the API shape.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let apiError: ApiError;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') apiError = Errors.bodyTooLarge();
    else if (err.statusCode && err.statusCode < 500) apiError = Errors.malformedParameters();
    else {
      log?.error({ err, method: req.method, url: req.url }, 'unhandled error');
      apiError = Errors.internalError();
    }
    return sendGatewayError(req, reply, apiError, services.ids.uuid());
  });
  app.setNotFoundHandler((req, reply) => sendGatewayError(req, reply, Errors.actionNotFound(), services.ids.uuid()));

  try {
    // Fixtures seed a new (empty) database; one that holds state already keeps it across restarts
    // (reset puts the fixtures back). Access keys from the configuration are loaded either way.
    if (holdsState(services)) {
      state.kept = true;
      loadConfiguredKeys(store, config);
    } else state.loaded = loadConfiguredFixtures(services, fixtureDocs);
  } catch (err) {
    store.close();
    throw err;
  }
  state.ready = true;

  await app.register(rpcRoutes, { services, auth: new Authenticator(store, config.auth, services.clock), hooks: rpcHooks(control, services), log });
  await app.register(ossRoutes, { services });
  // The control plane, under its own prefix: its own JSON errors and 404s, never an API answer.
  await app.register(emulatorRoutes, { prefix: '/_emulator', state, services, control, log });


  return emulator;
}
