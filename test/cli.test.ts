/**
 * The command line: --help, --version, bad flags (exit 2), port 0, the start-up line and a clean,
 * fast stop on SIGTERM. Runs the real entry point as a child process on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import t from 'tap';
import { OPTIONS } from '../src/config.js';
import { selfSignedCert } from './helpers.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const NODE_ARGS = ['--import', 'tsx', MAIN];
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [...NODE_ARGS, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

t.test('--help lists every flag with its env var and default; --version prints the version', async (t) => {
  const help = run(['--help']);
  t.equal(help.status, 0);
  for (const o of OPTIONS) {
    t.match(help.stdout, `--${o.flag}`);
    t.match(help.stdout, o.env);
  }
  const version = run(['--version']);
  t.equal(version.status, 0);
  t.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
});

t.test('bad flags and values exit with status 2 and a clear message', async (t) => {
  const unknown = run(['--bogus']);
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /Unknown option '--bogus'/);
  const badPort = run(['--port', 'eighty']);
  t.equal(badPort.status, 2);
  t.match(badPort.stderr, 'port must be a whole number, got "eighty"');
  const badEnv = run([], { CONFIG_EMULATOR_AUTH: 'maybe' });
  t.equal(badEnv.status, 2);
  t.match(badEnv.stderr, 'auth must be one of off, warn, strict, got "maybe"');
  const badFixtures = run(['--fixtures', new URL('./fixtures/reference-responses.json', import.meta.url).pathname, '--port', '0']);
  t.equal(badFixtures.status, 2);
  t.match(badFixtures.stderr, /bad fixtures: .*reference-responses\.json: \$\.\$comment: unknown section/);
});

/** Starts the entry point with `args`; resolves with its start-up line's URL and what it printed. */
function startChild(args: string[]): { child: ChildProcess; started: Promise<{ url: string; out: string }> } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const started = new Promise<{ url: string; out: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before its start-up line: ${out}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (https?:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], out });
      }
    });
  });
  return { child, started };
}

t.test('port 0 prints the chosen port; SIGTERM closes cleanly and fast', async (t) => {
  const { child, started: up } = startChild(['--port', '0', '--log-level', 'warn']);
  const { url, out } = await up;
  t.match(out, /loaded 3 accounts, 1 aggregators, 1 compliance packs, 1 reports/);
  t.not(url, 'http://127.0.0.1:0');
  const res = await fetch(`${url}/?Action=ListAggregators&MaxResults=10&Format=JSON`);
  t.equal(res.status, 200);
  const started = process.hrtime.bigint();
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.equal(code, 0, 'exit status 0 after SIGTERM');
  t.comment(`stopped ${Math.round(ms)} ms after SIGTERM (measured in bench, not asserted here)`);
});

t.test('at info, each API call gets one JSON log line while the server runs (batched writes are flushed)', async (t) => {
  const child = spawn(process.execPath, [...NODE_ARGS, '--port', '0', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  const waitFor = (re: RegExp, what: string) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (!m) return false;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(m);
        return true;
      };
      const onData = (d: Buffer) => {
        out += d.toString();
        check();
      };
      const timer = setTimeout(() => reject(new Error(`no ${what} in: ${out}`)), 20_000);
      child.stdout.on('data', onData);
      check();
    });
  const [, url] = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 'start-up line');
  const res = await fetch(`${url}/?Action=ListAggregators&MaxResults=10&Format=JSON`);
  const { RequestId } = (await res.json()) as { RequestId: string };
  const [line] = await waitFor(new RegExp(`^\\{.*"requestId":"${RequestId}".*\\}$`, 'm'), 'log line of the call');
  t.match(JSON.parse(line), { level: 30, time: Number, action: 'ListAggregators', status: 200, requestId: RequestId, msg: /^Config\.ListAggregators 200 / });
});

t.test('with --tls-cert/--tls-key the start-up line gives the https URL', async (t) => {
  const tls = selfSignedCert(t);
  if (!tls) return;
  const { child, started } = startChild(['--port', '0', '--log-level', 'warn', '--tls-cert', tls.cert, '--tls-key', tls.key]);
  t.teardown(() => child.kill('SIGKILL'));
  const { url } = await started;
  t.match(url, /^https:\/\//);
  const status = await new Promise<number | undefined>((resolve, reject) => {
    https.get(`${url}/_emulator/health`, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
  t.equal(status, 200, 'the printed URL answers');
});
