/**
 * Test helpers: an app on ':memory:' with a frozen clock and seeded ids, and small request builders.
 * Everything is injected, so answers are byte-stable across runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { buildApp, type AppOptions, type Emulator } from '../src/app.js';
import { EmulatorClock, SeededIds } from '../src/clock.js';
import { reportBuildsSettled } from '../src/reports/service.js';

/**
 * A database file's path in a fresh temporary directory, removed when the test ends (after the
 * test's own teardowns registered later, such as closing a store: tap runs them last first).
 */
export function tempDbFile(t: Test, name = 'config.db'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-emulator-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

/**
 * How many of this process's file descriptors are open on a file `matches` (Linux, /proc/self/fd,
 * by the descriptor's link: a path, with " (deleted)" after one unlinked while open). Undefined
 * where /proc is not there.
 */
export function openDescriptors(matches: (link: string) => boolean): number | undefined {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  let n = 0;
  for (const fd of fds) {
    try {
      if (matches(readlinkSync(`/proc/self/fd/${fd}`))) n++;
    } catch {
      // closed while listing (the directory's own descriptor)
    }
  }
  return n;
}

/** How many descriptors are open on `file`: a store or connection left open on it shows here. */
export const openDescriptorsOf = (file: string): number | undefined => openDescriptors((link) => link === file);

/** 2026-12-01T00:00:00Z: the fixed "now" of every test. */
export const NOW = Date.UTC(2026, 11, 1, 0, 0, 0);

export const DEMO = {
  managementAccountId: 1009318965421234,
  aliceAccountId: 1713220985231234,
  tomAccountId: 1005320983491234,
  aggregatorId: 'ca-f632626622af0079a1b2',
  compliancePackId: 'cp-fdc8626622af00f9a1b2',
  reportCreatedAt: 1624330246640,
  defaultKey: { id: 'LTAI5tEmulatorDefaultKey', secret: 'EmulatorDefaultSecret00000000000' },
  aliceKey: { id: 'LTAI5tEmulatorAliceKey', secret: 'EmulatorAliceSecret0000000000000' },
} as const;

/** The creating time of new packs and account groups in tests (the --create-delay-ms default). */
export const CREATE_DELAY_MS = 1000;

export interface TestEmulator extends Emulator {
  clock: EmulatorClock;
}

/** Builds an app (demo fixtures unless config.fixtures says otherwise) and closes it after the test. */
export async function testApp(t: Test, options: AppOptions = {}): Promise<TestEmulator> {
  const clock = options.clock ?? new EmulatorClock(() => NOW);
  clock.freeze(true);
  const emulator = await buildApp({
    ...options,
    clock,
    ids: options.ids ?? new SeededIds(42),
    config: { db: ':memory:', reportDelayMs: 1000, createDelayMs: CREATE_DELAY_MS, ...options.config },
  });
  t.teardown(() => emulator.app.close());
  return { ...emulator, clock };
}

export type Format = 'JSON' | 'XML';

/** An RPC call the way curl or pop-core would make it (classic style, parameters in the query). */
export async function call(
  em: Emulator,
  action: string,
  params: Record<string, string | number | boolean> = {},
  opts: { format?: Format | null; method?: 'GET' | 'POST'; headers?: Record<string, string> } = {},
) {
  const all: Record<string, string> = { Action: action, Version: '2020-09-07' };
  if (opts.format !== null) all.Format = opts.format ?? 'JSON';
  for (const [k, v] of Object.entries(params)) all[k] = String(v);
  const qs = new URLSearchParams(all).toString();
  const res =
    opts.method === 'POST'
      ? await em.app.inject({ method: 'POST', url: '/', payload: qs, headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers } })
      : await em.app.inject({ method: 'GET', url: `/?${qs}`, headers: opts.headers });
  const json = res.headers['content-type']?.toString().startsWith('application/json') ? (JSON.parse(res.body) as Record<string, any>) : undefined;
  return { status: res.statusCode, headers: res.headers, body: res.body, json: json as Record<string, any> };
}

/** A snapshot of every table, to prove a failed request changed nothing. */
export function dumpStore(em: Emulator): string {
  const db = em.services.store.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM ${name}`).all()]));
}

/**
 * dumpStore once no report build is running. Report bytes are built in the background after the
 * request that generated the report (src/reports/service.ts); take a 'before' snapshot with this so
 * that build is not blamed on the request under test.
 */
export async function settledDump(em: Emulator): Promise<string> {
  await reportBuildsSettled(em.services.store);
  return dumpStore(em);
}

/** Asserts an API error: status, code, and that the store did not change. */
export async function expectError(
  t: Test,
  em: Emulator,
  action: string,
  params: Record<string, string | number | boolean>,
  expected: { status: number; code: string; message?: string | RegExp },
  opts: Parameters<typeof call>[3] = {},
) {
  const before = await settledDump(em);
  const res = await call(em, action, params, opts);
  t.equal(res.status, expected.status, `${action} -> HTTP ${expected.status}`);
  t.equal(res.json?.Code, expected.code, `${action} -> ${expected.code}`);
  if (expected.message) t.match(res.json?.Message, expected.message);
  t.match(res.json?.RequestId, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  t.equal(dumpStore(em), before, `${action} with ${expected.code} left the store unchanged`);
  return res;
}

/**
 * A self-signed certificate for 127.0.0.1 in a temporary directory (openssl), or undefined with a
 * comment on the test when openssl is not there.
 */
export function selfSignedCert(t: Test): { cert: string; key: string } | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'ace-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    t.comment('openssl is not available here: HTTPS not checked');
    return undefined;
  }
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { cert, key };
}
