/**
 * OpenAPI 3 description of the control plane, served at /_emulator/openapi.json. Hand-written: keep
 * it in step with src/routes/emulator.ts (a test checks every route is described).
 */
const json = (schema: Record<string, unknown>, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => json(ref('Error'), description);
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
/** `accountId` and its short alias `account` (src/routes/emulator.ts accountParam). */
const accountParams = (description: string) => [
  q('accountId', description, { type: 'string', pattern: '^[0-9]{1,16}$' }),
  q('account', 'Same as accountId', { type: 'string', pattern: '^[0-9]{1,16}$' }),
];
const body = (schema: Record<string, unknown>, required = true) => ({ required, content: { 'application/json': { schema } } });

const readyMode = {
  oneOf: [
    { type: 'object', required: ['mode'], properties: { mode: { type: 'string', enum: ['immediate'] } } },
    { type: 'object', required: ['delayMs'], properties: { mode: { type: 'string', enum: ['delay'] }, delayMs: { type: 'integer', minimum: 0 } } },
    { type: 'object', required: ['reads'], properties: { mode: { type: 'string', enum: ['reads'] }, reads: { type: 'integer', minimum: 0 } } },
    { type: 'integer', minimum: 0, description: 'shorthand for {"mode":"delay","delayMs":N}' },
  ],
};

export const CONTROL_OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'alicloud-config-emulator control plane',
    version: '1',
    description:
      'Drives the emulator from tests and demos: readiness, reset, state export/import, request journal, fault injection, lifecycle modes, clock and a web console. Not part of the Alibaba Cloud Config API. When CONFIG_EMULATOR_ADMIN_TOKEN is set, every route except /health and /ready needs Authorization: Bearer <token>.',
  },
  servers: [{ url: '/_emulator' }],
  security: [{ bearer: [] }],
  paths: {
    '/': {
      get: {
        summary: 'Index: the name, where the console and this document are, and the routes',
        responses: { 200: json({ type: 'object', properties: { name: { type: 'string' }, openapi: { type: 'string' }, console: { type: 'string' }, routes: { type: 'array', items: { type: 'string' } } } }) },
      },
    },
    '/health': { get: { summary: 'Liveness', security: [], responses: { 200: json({ type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }) } } },
    '/ready': {
      get: {
        summary: 'Readiness: 503 until the fixtures are loaded',
        security: [],
        responses: { 200: json({ type: 'object', properties: { status: { type: 'string', enum: ['ready'] }, fixtures: { type: 'object', nullable: true } } }), 503: json({ type: 'object' }, 'Starting') },
      },
    },
    '/reset': {
      post: {
        summary: 'Reset everything or one account to the loaded fixtures (or to empty), without a restart',
        description: 'A full reset also removes every fault rule and the lifecycle read counters; an account reset removes that account\'s. The journal, the clock and the lifecycle modes are kept.',
        parameters: [...accountParams('Only this account'), q('to', 'fixtures (default) or empty', { type: 'string', enum: ['fixtures', 'empty'] })],
        responses: { 200: json({ type: 'object' }), 400: error('Bad parameter'), 404: error('Unknown account') },
      },
    },
    '/state': {
      get: { summary: 'Export the state as a fixtures document', parameters: accountParams('Only what this account owns'), responses: { 200: json(ref('Fixtures')) } },
      post: {
        summary: 'Load (replace) or merge a fixtures document; a bad document changes nothing',
        parameters: [q('mode', 'replace (default) or merge', { type: 'string', enum: ['replace', 'merge'] })],
        requestBody: body(ref('Fixtures')),
        responses: { 200: json({ type: 'object' }), 400: error('Invalid document: file, path and problem') },
      },
    },
    '/requests': {
      get: {
        summary: 'The request journal, newest first',
        parameters: [
          q('action', 'Action name or glob (List*)'),
          ...accountParams('Caller account'),
          q('status', 'Status (503), class (4xx) or error/ok'),
          q('code', 'Error code'),
          q('limit', 'At most this many entries', { type: 'integer', minimum: 0 }),
        ],
        responses: { 200: json({ type: 'object', properties: { size: { type: 'integer' }, count: { type: 'integer' }, requests: { type: 'array', items: ref('JournalEntry') } } }) },
      },
      delete: { summary: 'Clear the journal', responses: { 200: json({ type: 'object', properties: { cleared: { type: 'integer' } } }) } },
    },
    '/faults': {
      get: { summary: 'List fault rules and the error codes a rule may answer', responses: { 200: json({ type: 'object' }) } },
      post: { summary: 'Add a fault rule', requestBody: body(ref('FaultInput')), responses: { 201: json(ref('FaultRule')), 400: error('Bad rule (e.g. unknown error code)') } },
      delete: { summary: 'Delete every fault rule', responses: { 200: json({ type: 'object', properties: { deleted: { type: 'integer' } } }) } },
    },
    '/faults/{id}': {
      delete: {
        summary: 'Delete one fault rule',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: json({ type: 'object' }), 404: error('No such rule') },
      },
    },
    '/lifecycle': {
      get: { summary: 'Readiness modes of reports, compliance packs and aggregators, and pending read counters', responses: { 200: json({ type: 'object' }) } },
      post: {
        summary: 'Set readiness modes (immediate, delay, reads); {"reset": true} restores the defaults',
        requestBody: body({ type: 'object', properties: { reports: readyMode, compliancePacks: readyMode, aggregators: readyMode, reset: { type: 'boolean' } } }),
        responses: { 200: json({ type: 'object' }), 400: error('Bad mode') },
      },
    },
    '/clock': {
      get: { summary: 'Emulator time', responses: { 200: json(ref('Clock')) } },
      post: {
        summary: 'Set, advance, freeze or unfreeze emulator time (applied in that order)',
        requestBody: body({
          type: 'object',
          properties: {
            set: { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }] },
            advanceMs: { type: 'integer' },
            freeze: { type: 'boolean' },
          },
        }),
        responses: { 200: json(ref('Clock')), 400: error('Bad field') },
      },
    },
    '/ui': {
      get: {
        summary: 'Read-only web console (HTML); with an admin token, also accepts ?token= (as does this document)',
        parameters: [q('token', 'Admin token, for browsers')],
        responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document; with an admin token, also accepts ?token=', parameters: [q('token', 'Admin token, for browsers')], responses: { 200: json({ type: 'object' }) } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, file: { type: 'string' }, path: { type: 'string' }, problem: { type: 'string' } } } },
      },
      Clock: { type: 'object', properties: { now: { type: 'string', format: 'date-time' }, nowMs: { type: 'integer' }, frozen: { type: 'boolean' } } },
      Fixtures: {
        type: 'object',
        description: 'The fixtures format (src/state/fixtures.ts): accounts with accessKeys, aggregators with members, compliancePacks with configRules, reports.',
        properties: {
          accounts: { type: 'array', items: { type: 'object', required: ['accountId'] } },
          aggregators: { type: 'array', items: { type: 'object', required: ['aggregatorId', 'accountId', 'aggregatorName', 'createdAt', 'members'] } },
          compliancePacks: { type: 'array', items: { type: 'object', required: ['compliancePackId', 'accountId', 'compliancePackName', 'createdAt', 'configRules'] } },
          reports: { type: 'array', items: { type: 'object', required: ['compliancePackId', 'createdAt'] } },
        },
      },
      JournalEntry: {
        type: 'object',
        properties: {
          seq: { type: 'integer' }, time: { type: 'string', format: 'date-time' }, timeMs: { type: 'integer' }, requestId: { type: 'string' },
          method: { type: 'string' }, action: { type: 'string', nullable: true }, accountId: { type: 'integer', nullable: true },
          params: { type: 'object', additionalProperties: { type: 'string' }, description: 'Signature, SecurityToken, BearerToken and *Secret* values are "***"' },
          status: { type: 'integer' }, errorCode: { type: 'string', nullable: true }, durationMs: { type: 'number' },
          fault: { type: 'object', nullable: true, properties: { id: { type: 'string' }, latencyMs: { type: 'integer' }, error: { type: 'string', nullable: true } } },
        },
      },
      FaultInput: {
        type: 'object',
        properties: {
          action: { type: 'string', description: 'Action name or glob; default *' },
          accountId: { type: 'integer' },
          error: { type: 'string', description: 'A code of the API error catalog, e.g. ServiceUnavailable, Throttling.User, InternalError' },
          message: { type: 'string' },
          latencyMs: { type: 'integer', minimum: 0 },
          probability: { type: 'number', minimum: 0, maximum: 1, description: 'default 1' },
          seed: { type: 'integer', description: 'seed of the rule\'s PRNG, so runs repeat' },
          times: { type: 'integer', minimum: 1, description: 'fire at most this many times (1 = one-shot)' },
        },
      },
      FaultRule: { type: 'object', properties: { id: { type: 'string' }, remaining: { type: 'integer', nullable: true }, matched: { type: 'integer' }, fired: { type: 'integer' } } },
    },
  },
} as const;
