#!/usr/bin/env node
/**
 * CLI entry: flags + env -> config -> buildApp -> listen. Closes cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, OPTIONS, PACKAGE_ROOT, parseOptionValue, resolveConfig, schemeOf, type Config } from './config.js';
import { FixtureError } from './state/fixtures.js';
import { batchedLines, epochTimeText } from './log-destination.js';
import { StoreOpenError } from './store/db.js';

function version(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function help(): string {
  const rows = OPTIONS.map((o) => {
    const shown = o.shown ?? (o.default === undefined ? '' : String(o.default));
    return `  --${o.flag.padEnd(18)} ${o.help}\n  ${''.padEnd(20)} env ${o.env}, default ${shown}`;
  });
  return [
    'Usage: alicloud-config-emulator [options]',
    '',
    'Local emulator of the Alibaba Cloud Config API (2020-09-07).',
    '',
    'Options:',
    ...rows,
    '  --help               Show this help.',
    '  --version            Show the version.',
    '',
  ].join('\n');
}

function parseCli(argv: string[]): Partial<Config> | 'help' | 'version' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const o of OPTIONS) options[o.flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (parsed.values.help) return 'help';
  if (parsed.values.version) return 'version';
  const out: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    if (typeof raw !== 'string') continue;
    const [key, value] = parseOptionValue(flag, raw);
    out[key] = value;
  }
  return out as Partial<Config>;
}

/**
 * JSON log lines go out in batches (src/log-destination.ts): up to 4 KiB are gathered and written
 * together, and what is gathered is written at least every 100 ms, so a line shows within a tenth of
 * a second while a busy emulator makes one write for dozens of calls instead of one each. What is
 * left is written when the process exits.
 *
 * Each batch is written synchronously (as node itself writes process.stdout to files and pipes):
 * sonic-boom's asynchronous writes copy every written batch into a Buffer of its own (outside the
 * V8 heap) after the write, and under load those copies piled up until a full GC: a steady Get load
 * grew the RSS in a saw-tooth by 20-30 MB where synchronous batches keep it flat (docs/performance.md).
 * The price: a reader of stdout that stops reading (a full pipe) stalls the emulator until it reads
 * again, as it would any node program that writes its stdout synchronously.
 */
function logDestination() {
  const dest = pino.destination({ dest: 1, sync: true });
  const lines = batchedLines(dest, 4096);
  setInterval(() => lines.flush(), 100).unref();
  process.on('exit', () => {
    try {
      lines.flushSync();
    } catch {
      // stdout already gone: nothing left to write to
    }
  });
  return lines;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    const cli = parseCli(process.argv.slice(2));
    if (cli === 'help') return void process.stdout.write(help());
    if (cli === 'version') return void process.stdout.write(`${version()}\n`);
    config = resolveConfig(process.env, cli);
    // Pretty logs for people at a terminal, JSON for machines, unless chosen explicitly.
    if (cli.logFormat === undefined && !process.env.CONFIG_EMULATOR_LOG_FORMAT && process.stdout.isTTY) config.logFormat = 'pretty';
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`alicloud-config-emulator: ${err.message}\nRun with --help for the options.\n`);
      process.exit(2);
    }
    throw err;
  }

  let emulator;
  try {
    const logger =
      config.logFormat === 'pretty'
        ? { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,reqId', singleLine: true } } }
        : { level: config.logLevel, stream: logDestination(), timestamp: epochTimeText };
    emulator = await buildApp({ config, logger });
  } catch (err) {
    if (err instanceof FixtureError) {
      process.stderr.write(`alicloud-config-emulator: bad fixtures: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`alicloud-config-emulator: ${err.message}\nRun with --help for the options.\n`);
      process.exit(2);
    }
    if (err instanceof StoreOpenError || (err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'EACCES') {
      process.stderr.write(`alicloud-config-emulator: ${(err as Error).message} (check that the path exists and is writable)\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app, state, log } = emulator;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const loaded = state.kept
    ? 'kept its state, no fixtures'
    : state.loaded
      ? `loaded ${state.loaded.accounts} accounts, ${state.loaded.aggregators} aggregators, ${state.loaded.compliancePacks} compliance packs, ${state.loaded.reports} reports`
      : 'loaded no fixtures';
  process.stdout.write(`alicloud-config-emulator listening on ${schemeOf(config)}://${host}:${port} (db ${config.db}; ${loaded})\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log?.info(`${signal} received, closing`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`alicloud-config-emulator: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
