/**
 * The one typed configuration of the emulator.
 *
 * Every option is declared once in OPTIONS: its flag, its environment variable, its default and how
 * a string is turned into a value. The CLI (main.ts), the README table and `--help` all read this
 * table, so they cannot drift apart.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const AUTH_MODES = ['off', 'warn', 'strict'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  host: string;
  port: number;
  /** SQLite path; ':memory:' keeps everything in memory. */
  db: string;
  /** A fixtures file or directory, or 'none' for an empty emulator. */
  fixtures: string;
  /** How long a generated report stays CREATING, in ms. */
  reportDelayMs: number;
  /** How long a new compliance pack or account group stays in its creating state, in ms. */
  createDelayMs: number;
  /** Validity of pre-signed report links, in seconds. */
  reportLinkTtlSeconds: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  auth: AuthMode;
  /** Extra access keys `id:secret:accountId`, comma separated. */
  accessKeys: string;
  /** Seed for deterministic ids and RequestIds; undefined = random. */
  seed: number | undefined;
  /** Public base URL written into report links; empty = taken from each request's Host header. */
  publicUrl: string;
  /** CORS: '*' (any origin), 'off', or a comma-separated list of allowed origins. */
  cors: string;
  /** PEM files for HTTPS; both or neither. */
  tlsCert: string;
  tlsKey: string;
  /** How many API calls the request journal keeps (a ring); 0 turns the journal off. */
  journalSize: number;
  /** When set, every /_emulator route but health and ready needs `Authorization: Bearer <token>`. */
  adminToken: string;
}

/** Root of the package (the folder holding package.json), from src/ or dist/src/. */
export const PACKAGE_ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
})();

export const DEFAULT_FIXTURES = path.join(PACKAGE_ROOT, 'fixtures', 'demo.json');

type Parser<T> = (raw: string) => T;
interface OptionSpec<K extends keyof Config> {
  key: K;
  flag: string;
  env: string;
  default: Config[K];
  /** How the default is shown in --help and the README. */
  shown?: string;
  help: string;
  parse: Parser<Config[K]>;
}

export class ConfigError extends Error {}

const int = (name: string, min: number, max: number): Parser<number> => (raw) => {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
};
const oneOf = <T extends string>(name: string, values: readonly T[]): Parser<T> => (raw) => {
  const v = raw.trim().toLowerCase() as T;
  if (!values.includes(v)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return v;
};
const text: Parser<string> = (raw) => raw;

function option<K extends keyof Config>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

export const OPTIONS = [
  option({ key: 'host', flag: 'host', env: 'CONFIG_EMULATOR_HOST', default: '127.0.0.1', help: 'Address to listen on.', parse: text }),
  option({ key: 'port', flag: 'port', env: 'CONFIG_EMULATOR_PORT', default: 8080, help: 'Port to listen on; 0 picks a free port (the chosen one is printed).', parse: int('port', 0, 65535) }),
  option({ key: 'db', flag: 'db', env: 'CONFIG_EMULATOR_DB', default: ':memory:', help: 'SQLite database; a file path persists state across restarts.', parse: text }),
  option({ key: 'fixtures', flag: 'fixtures', env: 'CONFIG_EMULATOR_FIXTURES', default: DEFAULT_FIXTURES, shown: 'the bundled demo fixtures', help: 'Fixtures file or directory to load at start; "none" starts empty.', parse: text }),
  option({ key: 'reportDelayMs', flag: 'report-delay-ms', env: 'CONFIG_EMULATOR_REPORT_DELAY_MS', default: 1000, help: 'How long a generated report stays CREATING (ms).', parse: int('report-delay-ms', 0, 86_400_000) }),
  option({ key: 'createDelayMs', flag: 'create-delay-ms', env: 'CONFIG_EMULATOR_CREATE_DELAY_MS', default: 1000, help: 'How long a new compliance pack (CREATING) or account group (status 0) takes to be ready (ms).', parse: int('create-delay-ms', 0, 86_400_000) }),
  option({ key: 'reportLinkTtlSeconds', flag: 'report-link-ttl', env: 'CONFIG_EMULATOR_REPORT_LINK_TTL', default: 3600, help: 'Validity of pre-signed report links (s).', parse: int('report-link-ttl', 1, 604_800) }),
  option({ key: 'logLevel', flag: 'log-level', env: 'CONFIG_EMULATOR_LOG_LEVEL', default: 'info', help: `Log level: ${LOG_LEVELS.join(', ')}.`, parse: oneOf('log-level', LOG_LEVELS) }),
  option({ key: 'logFormat', flag: 'log-format', env: 'CONFIG_EMULATOR_LOG_FORMAT', default: 'json', shown: 'pretty on a TTY, else json', help: 'Log format: json or pretty.', parse: oneOf('log-format', LOG_FORMATS) }),
  option({ key: 'auth', flag: 'auth', env: 'CONFIG_EMULATOR_AUTH', default: 'warn', help: 'Signature checks: off, warn (serve and flag) or strict (real errors).', parse: oneOf('auth', AUTH_MODES) }),
  option({ key: 'accessKeys', flag: 'access-keys', env: 'CONFIG_EMULATOR_ACCESS_KEYS', default: '', shown: '(none)', help: 'Extra access keys id:secret:accountId, comma separated.', parse: text }),
  option({ key: 'seed', flag: 'seed', env: 'CONFIG_EMULATOR_SEED', default: undefined, shown: '(random)', help: 'Seed that makes resource ids and RequestIds repeat across runs.', parse: int('seed', 0, 2 ** 32 - 1) }),
  option({ key: 'cors', flag: 'cors', env: 'CONFIG_EMULATOR_CORS', default: '*', help: 'CORS for browser demos: * (any origin), off, or comma-separated origins.', parse: text }),
  option({ key: 'tlsCert', flag: 'tls-cert', env: 'CONFIG_EMULATOR_TLS_CERT', default: '', shown: '(plain HTTP)', help: 'PEM certificate file; with --tls-key serves HTTPS.', parse: text }),
  option({ key: 'tlsKey', flag: 'tls-key', env: 'CONFIG_EMULATOR_TLS_KEY', default: '', shown: '(plain HTTP)', help: 'PEM private key file for --tls-cert.', parse: text }),
  option({ key: 'journalSize', flag: 'journal-size', env: 'CONFIG_EMULATOR_JOURNAL_SIZE', default: 1000, help: 'How many API calls the request journal (/_emulator/requests) keeps; 0 turns it off.', parse: int('journal-size', 0, 1_000_000) }),
  option({ key: 'adminToken', flag: 'admin-token', env: 'CONFIG_EMULATOR_ADMIN_TOKEN', default: '', shown: '(none: control plane open)', help: 'Bearer token the /_emulator control plane requires (health and ready stay open). Prefer the env variable.', parse: text }),
  option({ key: 'publicUrl', flag: 'public-url', env: 'CONFIG_EMULATOR_PUBLIC_URL', default: '', shown: '(from the Host header)', help: 'Base URL written into report links, e.g. http://emulator:8080.', parse: text }),
] as const;

/** The scheme the emulator serves: https with a certificate and key (--tls-cert/--tls-key), else http. */
export const schemeOf = (config: Pick<Config, 'tlsCert'>): 'http' | 'https' => (config.tlsCert ? 'https' : 'http');

export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) out[o.key] = o.default;
  return out as unknown as Config;
}

/** Config from defaults, then environment, then the given overrides (already typed). */
export function resolveConfig(env: NodeJS.ProcessEnv, overrides: Partial<Config> = {}): Config {
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  for (const o of OPTIONS) {
    const raw = env[o.env];
    if (raw !== undefined && raw !== '') cfg[o.key] = (o.parse as Parser<unknown>)(raw);
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) cfg[k] = v;
  return cfg as unknown as Config;
}

/** Parses one flag's raw string value with the option's own parser. */
export function parseOptionValue(flag: string, raw: string): [keyof Config, unknown] {
  const o = OPTIONS.find((x) => x.flag === flag);
  if (!o) throw new ConfigError(`unknown option --${flag}`);
  return [o.key, (o.parse as Parser<unknown>)(raw)];
}
