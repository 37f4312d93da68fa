/** Helpers for the control-plane tests: JSON calls to /_emulator/*. */
import type { Emulator } from '../src/app.js';

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
