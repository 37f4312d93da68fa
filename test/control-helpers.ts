/** Helpers for the control-plane tests: JSON calls to /_emulator/*. */
import type { Emulator } from '../src/app.js';
import { call } from './helpers.js';

export async function ctl(
  em: Emulator,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; body: string; headers: Record<string, unknown> }> {
  const res = await em.app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
    ...(body === undefined ? { headers } : {}),
  });
  let json: any;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, body: res.body, headers: res.headers };
}

/** The answer without its RequestId, to compare two emulators' answers. */
export function withoutRequestId(json: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!json) return json;
  const { RequestId: _r, ...rest } = json;
  return rest;
}


/** Creates a CUSTOM aggregator over the demo accounts as the given key's account; returns its id. */
export async function createAggregator(em: Emulator, name: string, opts: { key?: string; headers?: Record<string, string>; tags?: Record<string, string> } = {}): Promise<string> {
  const params: Record<string, string> = {
    AggregatorName: name,
    // An RD group: CUSTOM groups may not repeat another CUSTOM group's member list.
    AggregatorType: 'RD',
    Description: `aggregator ${name}`,
  };
  if (opts.key) params.AccessKeyId = opts.key;
  if (opts.tags) params.Tag = JSON.stringify(Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })));
  const res = await call(em, 'CreateAggregator', params, { headers: opts.headers });
  if (res.status !== 200) throw new Error(`CreateAggregator failed: ${res.body}`);
  return res.json.AggregatorId as string;
}

/** Creates an aggregate compliance pack with two managed rules; returns its id. */
export async function createPack(em: Emulator, aggregatorId: string, name: string, opts: { key?: string; headers?: Record<string, string> } = {}): Promise<string> {
  const params: Record<string, string> = {
    AggregatorId: aggregatorId,
    CompliancePackName: name,
    RiskLevel: '2',
    ConfigRules: JSON.stringify([
      { ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited', RiskLevel: 1 },
      { ManagedRuleIdentifier: 'eip-bandwidth-limit', ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '20' }] },
    ]),
  };
  if (opts.key) params.AccessKeyId = opts.key;
  const res = await call(em, 'CreateAggregateCompliancePack', params, { headers: opts.headers });
  if (res.status !== 200) throw new Error(`CreateAggregateCompliancePack failed: ${res.body}`);
  return res.json.CompliancePackId as string;
}
