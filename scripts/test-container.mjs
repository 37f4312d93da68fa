#!/usr/bin/env node
// Container smoke test: builds the image, runs it, calls it with the Alibaba Cloud SDK, checks the
// health check, the report download, the /data volume and how fast it stops. See docs/docker.md.
//
//   CONTAINER_ENGINE=podman node scripts/test-container.mjs      (npm run test:container)
//
// Environment:
//   CONTAINER_ENGINE         docker (default) or podman
//   CONTAINER_TEST_OPTIONAL  1 = exit 0 with a SKIP line when the engine is missing or not running
//   CONTAINER_TEST_NO_BUILD  1 = reuse an existing alicloud-config-emulator:test image
//   CONTAINER_TEST_IMAGE     image tag to build and test (default alicloud-config-emulator:test)
//   CONTAINER_TEST_BASE      base image for the size delta (default node:20-bookworm-slim)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

// CommonJS packages: the namespace holds the named exports, `.default` is module.exports whose own
// `.default` is the client class.
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENGINE = process.env.CONTAINER_ENGINE || 'docker';
const OPTIONAL = process.env.CONTAINER_TEST_OPTIONAL === '1';
const IMAGE = process.env.CONTAINER_TEST_IMAGE || 'alicloud-config-emulator:test';
const BASE_IMAGE = process.env.CONTAINER_TEST_BASE || 'node:20-bookworm-slim';
const NO_BUILD = process.env.CONTAINER_TEST_NO_BUILD === '1';
const IS_PODMAN = path.basename(ENGINE).startsWith('podman');

const ACCESS_KEY_ID = 'LTAI5tEmulatorDefaultKey';
const ACCESS_KEY_SECRET = 'EmulatorDefaultSecret00000000000';
const AGGREGATOR_ID = 'ca-f632626622af0079a1b2';
const COMPLIANCE_PACK_ID = 'cp-fdc8626622af00f9a1b2';

const READY_TIMEOUT_MS = 60_000;
const HEALTH_TIMEOUT_MS = 45_000; // docker runs the first check after --interval (10 s)
const STOP_LIMIT_MS = 2_000;

const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
const CONTAINER = `ace-test-${suffix}`;
const VOLUME = `ace-test-data-${suffix}`;

/** @type {{check: string, ok: boolean | null, detail: string}[]} */
const results = [];
const record = (check, ok, detail = '') => {
  results.push({ check, ok, detail });
  const mark = ok === null ? 'INFO' : ok ? 'PASS' : 'FAIL';
  log(`${mark} ${check}${detail ? `: ${detail}` : ''}`);
};

function log(msg) {
  process.stderr.write(`[test-container] ${msg}\n`);
}

/** Runs the engine and captures its output. Never throws. */
function engine(args, { input, inherit = false } = {}) {
  const r = spawnSync(ENGINE, args, {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, error: r.error, stdout: (r.stdout || '').trim(), stderr: (r.stderr || '').trim() };
}

/** Async variant used where timing matters (no event-loop blocking while a stop is measured). */
function engineAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(ENGINE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => resolve({ code: null, error, stdout, stderr }));
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

function mustEngine(args, what, opts) {
  const r = engine(args, opts);
  if (r.code !== 0) throw new Error(`${what} failed (${ENGINE} ${args.join(' ')}): ${r.stderr || r.error || `exit ${r.code}`}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function fetchWithTimeout(url, ms = 3000, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

function containerState() {
  const r = engine(['inspect', '--format', '{{.State.Status}}', CONTAINER]);
  return r.code === 0 ? r.stdout : 'unknown';
}

function healthStatus() {
  // docker and podman both answer .State.Health.Status when the image has a HEALTHCHECK; other
  // engines (or images built without one) print nothing or fail: treated as "not reported".
  const r = engine(['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', CONTAINER]);
  if (r.code !== 0) return '';
  const s = r.stdout.trim();
  return s === '<no value>' ? '' : s;
}

function dumpLogs() {
  const r = engine(['logs', '--tail', '60', CONTAINER]);
  const text = [r.stdout, r.stderr].filter(Boolean).join('\n');
  if (text) log(`container logs (last 60 lines):\n${text.replace(/^/gm, '    ')}`);
}

async function waitReady(base) {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < READY_TIMEOUT_MS) {
    const state = containerState();
    if (state === 'exited' || state === 'dead' || state === 'stopped') throw new Error(`container ${state} before it became ready`);
    try {
      const res = await fetchWithTimeout(`${base}/_emulator/ready`, 2000);
      last = `HTTP ${res.status}`;
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - started;
    } catch (err) {
      last = err?.cause?.code || err?.name || String(err);
    }
    await sleep(250);
  }
  throw new Error(`/_emulator/ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}

async function waitHealthy() {
  const started = Date.now();
  let status = healthStatus();
  if (!status) return { ok: null, detail: `${ENGINE} reports no health status; skipped` };
  while (Date.now() - started < HEALTH_TIMEOUT_MS) {
    if (status === 'healthy') return { ok: true, detail: `healthy after ${((Date.now() - started) / 1000).toFixed(1)} s` };
    if (status === 'unhealthy') return { ok: false, detail: 'engine reports unhealthy' };
    if (IS_PODMAN) {
      // podman schedules health checks with systemd timers; without systemd (as in this sandbox) they
      // never fire on their own, so run the image's HEALTHCHECK command once by hand.
      const r = engine(['healthcheck', 'run', CONTAINER]);
      if (r.code !== 0 && /unhealthy/i.test(`${r.stdout} ${r.stderr}`)) return { ok: false, detail: `healthcheck run: ${r.stdout || r.stderr}` };
    }
    await sleep(1000);
    status = healthStatus();
  }
  return { ok: false, detail: `still "${status}" after ${HEALTH_TIMEOUT_MS / 1000} s` };
}

async function sdkReport(port) {
  const OpenApiClient = $OpenApi.default.default;
  const client = new OpenApiClient(
    new $OpenApi.Config({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET, endpoint: `127.0.0.1:${port}`, protocol: 'http' }),
  );
  const params = new $OpenApi.Params({
    action: 'GetAggregateCompliancePackReport',
    version: '2020-09-07',
    protocol: 'HTTP',
    pathname: '/',
    method: 'GET',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new $OpenApi.OpenApiRequest({ query: { AggregatorId: AGGREGATOR_ID, CompliancePackId: COMPLIANCE_PACK_ID } });
  // A report may still be CREATING for a moment (report delay); poll briefly.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await client.callApi(params, request, new $Util.RuntimeOptions({}));
    const report = res?.body?.CompliancePackReport;
    if (!report) throw new Error(`no CompliancePackReport in response: ${JSON.stringify(res?.body).slice(0, 300)}`);
    if (report.ReportStatus === 'COMPLETE' || Date.now() > deadline) return { statusCode: res.statusCode, report, requestId: res.body.RequestId };
    await sleep(500);
  }
}

async function main() {
  // 0. engine available?
  const ver = engine(['version', '--format', '{{json .}}']);
  if (ver.error || ver.code !== 0) {
    const why = ver.error?.code === 'ENOENT' ? `"${ENGINE}" not found on PATH` : `"${ENGINE} version" failed: ${ver.stderr.split('\n')[0] || ver.error || `exit ${ver.code}`}`;
    if (OPTIONAL) {
      console.log(`SKIP test:container: ${why} (CONTAINER_TEST_OPTIONAL=1)`);
      return 0;
    }
    console.error(`FAIL test:container: ${why}. Set CONTAINER_ENGINE (docker|podman) or CONTAINER_TEST_OPTIONAL=1 to skip.`);
    return 1;
  }
  log(`engine: ${ENGINE}`);

  // 1. build
  if (NO_BUILD) {
    const exists = engine(['image', 'inspect', IMAGE]).code === 0;
    record('build', exists, exists ? `reused ${IMAGE} (CONTAINER_TEST_NO_BUILD=1)` : `no image ${IMAGE} to reuse (CONTAINER_TEST_NO_BUILD=1)`);
  } else {
    const t0 = Date.now();
    // podman defaults to the OCI image format, which has no HEALTHCHECK: ask for the docker format.
    const args = ['build', ...(IS_PODMAN ? ['--format', 'docker'] : []), '-t', IMAGE, '-f', 'Dockerfile', '.'];
    log(`$ ${ENGINE} ${args.join(' ')}`);
    const r = engine(args, { inherit: true });
    record('build', r.code === 0, `${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (!results.at(-1).ok) return summary();

  // 2. run, with a fresh named volume holding a file database
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const runArgs = [
    'run', '-d', '--name', CONTAINER,
    '-p', `127.0.0.1:${port}:${port}`, // loopback only: nothing else needs to reach the test container
    '-e', `CONFIG_EMULATOR_PORT=${port}`, // podman here uses the host network: listen on the same port inside
    '-e', 'CONFIG_EMULATOR_DB=/data/config.db',
    '-v', `${VOLUME}:/data`,
    IMAGE,
  ];
  log(`$ ${ENGINE} ${runArgs.join(' ')}`);
  mustEngine(runArgs, 'run');

  try {
    const readyMs = await waitReady(base);
    record('ready', true, `/_emulator/ready 200 after ${(readyMs / 1000).toFixed(1)} s on port ${port}`);

    const user = engine(['exec', CONTAINER, 'id', '-un']);
    record('non-root user', user.code === 0 && user.stdout !== 'root', user.stdout || user.stderr);

    const health = await fetchWithTimeout(`${base}/_emulator/health`);
    await health.arrayBuffer();
    record('liveness', health.status === 200, `/_emulator/health ${health.status}`);

    // 3. plain, unsigned request (what a curl does)
    const plainUrl = `${base}/?Action=GetAggregateCompliancePackReport&AggregatorId=${AGGREGATOR_ID}&CompliancePackId=${COMPLIANCE_PACK_ID}&Version=2020-09-07&Format=JSON`;
    const plain = await fetchWithTimeout(plainUrl, 5000);
    const plainBody = await plain.text();
    let plainReport;
    try {
      plainReport = JSON.parse(plainBody).CompliancePackReport;
    } catch {}
    record('plain GET', plain.status === 200 && !!plainReport, `HTTP ${plain.status}${plainReport ? `, ReportStatus ${plainReport.ReportStatus}` : `: ${plainBody.slice(0, 200)}`}`);

    // 3b. a write through the API: on a database file the first one starts the WAL checkpointer
    // (a worker thread with its own connection); step 7 checks it reached the file and the stop
    // still left one self-contained file
    const writeUrl = `${base}/?Action=UpdateAggregator&AggregatorId=${AGGREGATOR_ID}&Description=written-by-the-container-test&Version=2020-09-07&Format=JSON`;
    const write = await fetchWithTimeout(writeUrl, 5000);
    const writeBody = await write.text();
    record('API write', write.status === 200 && writeBody.includes(AGGREGATOR_ID), `UpdateAggregator HTTP ${write.status}: ${writeBody.slice(0, 120)}`);

    // 4. signed SDK call + report download
    const { statusCode, report, requestId } = await sdkReport(port);
    record('SDK call', statusCode === 200 && report.ReportStatus === 'COMPLETE', `HTTP ${statusCode}, ReportStatus ${report.ReportStatus}, RequestId ${requestId}`);
    if (report.ReportUrl) {
      const dl = await fetchWithTimeout(report.ReportUrl, 10_000);
      const bytes = Buffer.from(await dl.arrayBuffer());
      const isZip = bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
      record('report download', dl.status === 200 && isZip, `HTTP ${dl.status}, ${bytes.length} bytes, ${isZip ? 'zip (PK\\x03\\x04)' : `starts with ${JSON.stringify(bytes.subarray(0, 16).toString('latin1'))}`} from ${report.ReportUrl.split('?')[0]}`);
    } else {
      record('report download', false, 'no ReportUrl in the response');
    }

    // 5. engine health status
    const h = await waitHealthy();
    record('HEALTHCHECK', h.ok, h.detail);

    // 6. stop time (SIGTERM, graceful close)
    const t0 = performance.now();
    const stop = await engineAsync(['stop', '-t', '10', CONTAINER]);
    const stopMs = Math.round(performance.now() - t0);
    const exit = engine(['inspect', '--format', '{{.State.ExitCode}}', CONTAINER]).stdout;
    record('stop', stop.code === 0 && stopMs <= STOP_LIMIT_MS, `${ENGINE} stop -t 10 took ${stopMs} ms (limit ${STOP_LIMIT_MS} ms), exit code ${exit}${stop.code !== 0 ? `; stop failed: ${stop.stderr}` : ''}`);
    if (exit !== '0') {
      record('exit code', false, `expected 0 after SIGTERM, got ${exit}`);
      dumpLogs();
    }

    // 7. the database survived in the volume, checkpointed (no leftover WAL content)
    const probe = engine([
      'run', '--rm', '-v', `${VOLUME}:/data`, IMAGE, 'node', '-e',
      "const fs=require('fs');const D=require('better-sqlite3');const db=new D('/data/config.db',{readonly:true});" +
        "const n=db.prepare(\"select count(*) n from sqlite_master where type='table'\").get().n;" +
        "let wal=0;try{wal=fs.statSync('/data/config.db-wal').size}catch{}" +
        `const d=(db.prepare('select description from aggregators where aggregator_id=?').get('${AGGREGATOR_ID}')||{}).description;` +
        "console.log(JSON.stringify({tables:n,wal,size:fs.statSync('/data/config.db').size,written:d==='written-by-the-container-test'}))",
    ]);
    let info;
    try {
      info = JSON.parse(probe.stdout.split('\n').at(-1));
    } catch {}
    record(
      '/data volume',
      !!info && info.tables > 0 && info.wal === 0 && info.written,
      info ? `config.db ${info.size} bytes, ${info.tables} tables, WAL ${info.wal} bytes after stop, the API write ${info.written ? 'is in it' : 'is MISSING'}` : probe.stderr.split('\n').slice(-3).join(' | ') || 'probe failed',
    );

    // 8. image size minus base image size
    const size = Number(engine(['image', 'inspect', '--format', '{{.Size}}', IMAGE]).stdout);
    const baseSize = Number(engine(['image', 'inspect', '--format', '{{.Size}}', BASE_IMAGE]).stdout);
    if (size > 0 && baseSize > 0) {
      const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
      record('image size', null, `${mb(size - baseSize)} on top of ${BASE_IMAGE} (image ${mb(size)}, base ${mb(baseSize)})`);
    } else {
      record('image size', null, `could not read sizes (image ${size || '?'}, base ${baseSize || '?'})`);
    }
  } catch (err) {
    record('run', false, err?.message || String(err));
    dumpLogs();
  } finally {
    cleanup();
  }

  return summary();
}

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  engine(['rm', '-f', '-v', CONTAINER]);
  engine(['volume', 'rm', '-f', VOLUME]);
}

function summary() {
  const w = Math.max(...results.map((r) => r.check.length));
  const lines = results.map((r) => `  ${(r.ok === null ? 'info' : r.ok ? 'pass' : 'FAIL').padEnd(4)}  ${r.check.padEnd(w)}  ${r.detail}`);
  const failed = results.filter((r) => r.ok === false).length;
  console.log(`\ncontainer test (${ENGINE}, ${IMAGE})\n${lines.join('\n')}\n${failed ? `${failed} check(s) failed` : 'all checks passed'}`);
  return failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: removing ${CONTAINER}`);
    cleanup();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    cleanup();
    process.exit(1);
  },
);
