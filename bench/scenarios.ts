/**
 * The throughput scenarios of issue 8. Each names the server it needs (the compiled emulator with
 * some flags, or the bare fastify reference) and the request it sends; `preflight` checks one
 * answer before the load starts, so a scenario never measures error pages by accident.
 */
import type { Request } from 'autocannon';
import { V3Signer } from './lib/sign.js';
import { ACCOUNT_ID, TARGET_AGGREGATOR, TARGET_PACK } from './lib/seed.js';

export const API_VERSION = '2020-09-07';
export const DEFAULT_KEY = { accessKeyId: 'LTAI5tEmulatorDefaultKey', secret: 'EmulatorDefaultSecret00000000000' } as const;

export interface ServerSpec {
  kind: 'emulator' | 'bare';
  /** Emulator flags (besides --host/--port), e.g. ['--auth', 'off']. */
  args: string[];
}

export interface RequestShape {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: Request['setupRequest'];
}

export interface Scenario {
  name: string;
  title: string;
  server: ServerSpec;
  /**
   * The request, built once the port is known (signatures cover the Host header). `forLoad` is
   * false for the single preflight request (no pools to prepare).
   */
  request: (port: number, forLoad?: boolean) => RequestShape;
  /** Throws when one answer does not look right. */
  preflight: (status: number, body: string, headers: Record<string, string | string[] | undefined>) => void;
}

const qs = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function expectJson(field: string) {
  return (status: number, body: string) => {
    if (status !== 200) throw new Error(`status ${status}: ${body.slice(0, 300)}`);
    const doc = JSON.parse(body) as Record<string, unknown>;
    if (!(field in doc)) throw new Error(`no ${field} in ${body.slice(0, 300)}`);
  };
}

export const getQuery = (format: 'JSON' | 'XML', aggregatorId = TARGET_AGGREGATOR, packId = TARGET_PACK) =>
  `/?${qs({ Action: 'GetAggregateCompliancePackReport', Version: API_VERSION, Format: format, AggregatorId: aggregatorId, CompliancePackId: packId })}`;

export const listQuery = (aggregatorId = TARGET_AGGREGATOR) =>
  `/?${qs({ Action: 'ListAggregateCompliancePacks', Version: API_VERSION, Format: 'JSON', AggregatorId: aggregatorId, PageNumber: '1', PageSize: '10' })}`;

export const bare: Scenario = {
  name: 'bare',
  title: 'bare fastify route (canned Get JSON)',
  server: { kind: 'bare', args: [] },
  request: () => ({ method: 'GET', path: getQuery('JSON'), headers: {} }),
  preflight: expectJson('CompliancePackReport'),
};

export const getJson: Scenario = {
  name: 'get-json',
  title: 'GetAggregateCompliancePackReport JSON, --auth off',
  server: { kind: 'emulator', args: ['--auth', 'off'] },
  request: () => ({ method: 'GET', path: getQuery('JSON'), headers: {} }),
  preflight: expectJson('CompliancePackReport'),
};

/** The same with --log-level warn: what the per-call info log line costs (not a target). */
export const getJsonQuiet: Scenario = {
  ...getJson,
  name: 'get-json-quiet',
  title: 'GetAggregateCompliancePackReport JSON, --auth off --log-level warn (no per-call log line)',
  server: { kind: 'emulator', args: [...getJson.server.args, '--log-level', 'warn'] },
};

export const getXml: Scenario = {
  name: 'get-xml',
  title: 'GetAggregateCompliancePackReport XML, --auth off',
  server: { kind: 'emulator', args: ['--auth', 'off'] },
  request: () => ({ method: 'GET', path: getQuery('XML'), headers: {} }),
  preflight: (status, body) => {
    if (status !== 200 || !body.includes('<GetAggregateCompliancePackReportResponse>')) throw new Error(`status ${status}: ${body.slice(0, 300)}`);
  },
};

/**
 * V3 (ACS3-HMAC-SHA256), as the current SDK sends it, every request with its own date and nonce.
 * A pool is signed before the load starts (signing inside the load loop made the load generator,
 * not the server, the bottleneck); when the pool runs out requests are signed on the fly.
 */
export const V3_POOL = 200_000;
export const getV3Strict: Scenario = {
  name: 'get-v3-strict',
  title: 'GetAggregateCompliancePackReport, ACS3-HMAC-SHA256 signed, --auth strict',
  server: { kind: 'emulator', args: ['--auth', 'strict'] },
  request: (port, forLoad = false) => {
    const signer = new V3Signer(
      { method: 'GET', host: `127.0.0.1:${port}`, action: 'GetAggregateCompliancePackReport', version: API_VERSION, query: { AggregatorId: TARGET_AGGREGATOR, CompliancePackId: TARGET_PACK } },
      DEFAULT_KEY,
    );
    const pool = forLoad ? signer.pool(V3_POOL) : undefined;
    let next = 0;
    return {
      method: 'GET',
      path: signer.path,
      headers: signer.headers(),
      setupRequest: (req) => ({ ...req, headers: { ...(pool && next < pool.size ? pool.headersAt(next++) : signer.headers()), accept: 'application/json' } }),
    };
  },
  preflight: (status, body, headers) => {
    expectJson('CompliancePackReport')(status, body);
    if (headers['x-emulator-auth-warning']) throw new Error(`auth warning: ${String(headers['x-emulator-auth-warning'])}`);
  },
};

export const list10k: Scenario = {
  name: 'list-10k',
  title: 'ListAggregateCompliancePacks page 1 (10) of 10 000 packs, --auth off',
  server: { kind: 'emulator', args: ['--auth', 'off', '--fixtures', 'none'] }, // + --db <list10k.db> (run.ts)
  request: () => ({ method: 'GET', path: listQuery(), headers: {} }),
  preflight: (status, body) => {
    expectJson('CompliancePacksResult')(status, body);
    const r = (JSON.parse(body) as { CompliancePacksResult: { TotalCount: number; CompliancePacks: unknown[] } }).CompliancePacksResult;
    if (r.TotalCount !== 10_000 || r.CompliancePacks.length !== 10) throw new Error(`expected 10 of 10000 packs, got ${r.CompliancePacks.length} of ${r.TotalCount}`);
  },
};

/**
 * Writes: CreateAggregateCompliancePack with one managed rule and a unique name per request,
 * spread round-robin over many seeded aggregators so no owner nears the 500-pack limit.
 */
export function createScenario(aggregators: string[]): Scenario {
  let n = 0;
  const body = () => {
    const i = n++;
    return qs({
      Action: 'CreateAggregateCompliancePack', Version: API_VERSION, Format: 'JSON',
      AggregatorId: aggregators[i % aggregators.length], CompliancePackName: `bench-pack-${i}`, RiskLevel: '1',
      ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]),
    });
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  return {
    name: 'create',
    title: 'CreateAggregateCompliancePack (writes, file DB), --auth off',
    server: { kind: 'emulator', args: ['--auth', 'off', '--fixtures', 'none'] }, // + --db <create.db>
    request: () => ({ method: 'POST', path: '/', headers, body: body(), setupRequest: (req) => ({ ...req, body: body() }) }),
    preflight: expectJson('CompliancePackId'),
  };
}

export { ACCOUNT_ID };
