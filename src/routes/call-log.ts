/**
 * The one info line per API call (src/routes/rpc.ts), written at a fraction of what pino's generic
 * path costs (its serializer walk over the fields, per-key lookups and escaping showed as ~8% of a
 * Get): the same bytes, put together here and handed to the logger's stream.
 *
 * Only when that is provably the same line: the logger is a pino logger whose output for these
 * fields depends on nothing but its level prefix, time, bindings and line end (no hooks, mixin, log
 * formatter, serializers, redaction, nested key, message prefix or metadata-hungry stream), it
 * renders a probe line exactly like this code does (checked once per logger), every text field is
 * plain printable ASCII (no character that JSON escapes) and every number is finite. Anything else
 * goes through pino's `info` as before.
 */
import { createRequire } from 'node:module';

const requireCjs = createRequire(import.meta.url);
const { symbols } = requireCjs('pino') as typeof import('pino');
// Not in pino's type declarations (a message prefix set on a child logger).
const msgPrefixSym = (symbols as unknown as Record<string, symbol | undefined>).msgPrefixSym;

/** The fields of the line, in pino's order, and the error code its message ends with. */
export interface CallLine {
  action: string | undefined;
  status: number;
  account: number | undefined;
  requestId: string;
  ms: number;
  errorCode: string | undefined;
}

// The account of the last line as text (a 16-digit id is not a small integer: each conversion
// costs the full number-to-string path, and consecutive calls are mostly one account's).
let lastAccount: number | undefined;
let lastAccountText = '-';
function accountText(account: number | undefined): string {
  if (account !== lastAccount) {
    lastAccount = account;
    lastAccountText = account === undefined ? '-' : String(account);
  }
  return lastAccountText;
}

/** The line's message: `Config.<Action> <status> <ms>ms account=<id> req=<RequestId>[ code=<Code>]`. */
function callMessage(line: CallLine): string {
  return `Config.${line.action ?? '?'} ${line.status} ${line.ms}ms account=${accountText(line.account)} req=${line.requestId}${line.errorCode ? ` code=${line.errorCode}` : ''}`;
}

interface InfoLogger {
  info(obj: object, msg: string): void;
}

type PinoInternals = Record<symbol, unknown> & { levels?: { values?: Record<string, number> } };

const FIELDS = ['action', 'status', 'account', 'requestId', 'ms', 'msg'];
// Printable ASCII without '"' and '\': written as is by JSON.stringify and by pino's asString.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function fieldsText(line: CallLine, msg: string): string {
  return (
    (line.action === undefined ? '' : `,"action":"${line.action}"`) +
    `,"status":${line.status}` +
    (line.account === undefined ? '' : `,"account":${accountText(line.account)}`) +
    `,"requestId":"${line.requestId}","ms":${line.ms},"msg":"${msg}"`
  );
}

function render(log: PinoInternals, time: string, line: CallLine, msg: string): string {
  return (log[symbols.lsCacheSym] as Record<number, string>)[30] + time + (log[symbols.chindingsSym] as string) + fieldsText(line, msg) + (log[symbols.endSym] as string);
}

/** Text fields JSON writes as they are, and numbers JSON writes as numbers: the message is plain too. */
function plainFields(line: CallLine): boolean {
  return (
    (line.action === undefined || PLAIN.test(line.action)) &&
    PLAIN.test(line.requestId) &&
    (!line.errorCode || PLAIN.test(line.errorCode)) &&
    Number.isFinite(line.status) &&
    Number.isFinite(line.ms) &&
    (line.account === undefined || Number.isFinite(line.account))
  );
}

function pinoObject(line: CallLine): object {
  return { action: line.action, status: line.status, account: line.account, requestId: line.requestId, ms: line.ms };
}

/** Whether this code writes exactly the line pino would for this logger (structure, then a probe). */
function eligible(log: PinoInternals): boolean {
  if (typeof log[symbols.asJsonSym] !== 'function' || typeof log[symbols.timeSym] !== 'function') return false;
  const hooks = log[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  if (!hooks || hooks.logMethod || hooks.streamWrite) return false;
  if (log[symbols.mixinSym] || (log[symbols.formattersSym] as { log?: unknown } | undefined)?.log) return false;
  if (log[symbols.nestedKeySym] || log[symbols.messageKeySym] !== 'msg' || (msgPrefixSym !== undefined && log[msgPrefixSym] !== undefined)) return false;
  const serializers = log[symbols.serializersSym] as Record<string, unknown> | undefined;
  const stringifiers = log[symbols.stringifiersSym] as Record<string | symbol, unknown> | undefined;
  if (!serializers || !stringifiers || stringifiers[symbols.wildcardFirstSym]) return false;
  if (FIELDS.some((k) => serializers[k] || stringifiers[k])) return false;
  const stream = log[symbols.streamSym] as { write?: unknown } & Record<symbol, unknown> | undefined;
  if (!stream || typeof stream.write !== 'function' || stream[symbols.needsMetadataGsym] === true) return false;
  if (log.levels?.values?.info !== 30) return false;
  const cache = log[symbols.lsCacheSym] as Record<number, unknown> | undefined;
  if (typeof cache?.[30] !== 'string' || typeof log[symbols.chindingsSym] !== 'string' || typeof log[symbols.endSym] !== 'string') return false;
  const time = ',"time":1700000000000';
  const asJson = log[symbols.asJsonSym] as (obj: object, msg: string, num: number, time: string) => string;
  const probes: CallLine[] = [
    { action: 'GetAggregateCompliancePackReport', status: 200, account: 1009318965421234, requestId: 'A1B2C3D4-0000-4000-8000-000000000000', ms: 3, errorCode: undefined },
    { action: undefined, status: 404, account: undefined, requestId: 'r', ms: 0, errorCode: 'X' },
  ];
  return probes.every((probe) => asJson.call(log, pinoObject(probe), callMessage(probe), 30, time) === render(log, time, probe, callMessage(probe)));
}

const checked = new WeakMap<object, boolean>();

/**
 * Writes the call's info line: directly when that gives pino's bytes, else through `log.info`.
 * The caller has checked that the logger writes info lines.
 */
export function writeCallLine(log: InfoLogger, line: CallLine): void {
  const internals = log as unknown as PinoInternals;
  let fast = checked.get(log);
  if (fast === undefined) {
    fast = eligible(internals);
    checked.set(log, fast);
  }
  const msg = callMessage(line);
  if (fast && plainFields(line)) {
    const stream = internals[symbols.streamSym] as { write(s: string): unknown };
    stream.write(render(internals, (internals[symbols.timeSym] as () => string)(), line, msg));
    return;
  }
  log.info(pinoObject(line), msg);
}
