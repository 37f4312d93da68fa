/**
 * The per-call info line (src/routes/call-log.ts) is written directly only when that gives the
 * bytes pino's `info` writes; any other logger, or a field JSON would escape, goes through pino.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import t from 'tap';
import { writeCallLine, type CallLine } from '../src/routes/call-log.js';
import { fcParams } from './fuzz/harness.js';

const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}
const fixedTime = () => ',"time":1796122171935';

/** What pino itself writes for the call: the route's call before this module, message and all. */
function viaPino(options: Record<string, unknown>, line: CallLine): string {
  const c = capture();
  const log = pino({ timestamp: fixedTime, ...options }, c.stream);
  const msg = `Config.${line.action ?? '?'} ${line.status} ${line.ms}ms account=${line.account ?? '-'} req=${line.requestId}${line.errorCode ? ` code=${line.errorCode}` : ''}`;
  log.info({ action: line.action, status: line.status, account: line.account, requestId: line.requestId, ms: line.ms }, msg);
  return c.lines.join('');
}
function viaModule(options: Record<string, unknown>, line: CallLine): string {
  const c = capture();
  const log = pino({ timestamp: fixedTime, ...options }, c.stream);
  writeCallLine(log, line);
  return c.lines.join('');
}

const text = fc.oneof(fc.string(), fc.constantFrom('GetAggregateCompliancePackReport', 'a"b', 'back\\slash', 'ctl\u0001', '规则', '\ud800', '100%s', ''));
const callLine: fc.Arbitrary<CallLine> = fc.record({
  action: fc.option(text, { nil: undefined }),
  status: fc.constantFrom(200, 400, 404, 503),
  account: fc.option(fc.oneof(fc.constant(1009318965421234), fc.integer({ min: 0 }), fc.constant(Number.NaN)), { nil: undefined }),
  requestId: fc.oneof(fc.uuid().map((u) => u.toUpperCase()), text),
  ms: fc.oneof(fc.nat(100_000), fc.constant(Number.POSITIVE_INFINITY)),
  errorCode: fc.option(fc.oneof(fc.constantFrom('InvalidParameter', 'Invalid.NextToken.Value', 'AccountNotExisted'), text), { nil: undefined }),
});

const configs: Record<string, Record<string, unknown>> = {
  default: {},
  base: { base: { pid: 1, hostname: 'h', extra: 'x"y' } },
  'crlf line end': { crlf: true },
  'level label': { formatters: { level: (label: string) => ({ level: label }) } },
  'log formatter': { formatters: { log: (o: object) => ({ ...o, wrapped: true }) } },
  mixin: { mixin: () => ({ mixed: 1 }) },
  'a serializer on a field': { serializers: { requestId: (v: string) => v.toLowerCase() } },
  redaction: { redact: ['requestId'] },
  'nested key': { nestedKey: 'payload' },
  'message key': { messageKey: 'message' },
  'message prefix': { msgPrefix: '[emu] ' },
  'logMethod hook': { hooks: { logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) { method.apply(this, args); } } },
  'custom levels': { customLevels: { notice: 35 } },
};

for (const [name, options] of Object.entries(configs)) {
  t.test(`same bytes as pino's info: ${name}`, async (t) => {
    const out = fc.check(
      fc.property(callLine, (line) => viaModule(options, line) === viaPino(options, line)),
      fcParams(t, 300),
    );
    t.notOk(out.failed, out.failed ? `counterexample: ${JSON.stringify(out.counterexample)}` : 'same bytes');
  });
}

t.test('the direct path is taken for a plain logger and plain fields', async (t) => {
  const c = capture();
  const log = pino({ timestamp: fixedTime }, c.stream);
  let viaInfo = 0;
  const info = log.info.bind(log);
  log.info = ((...a: Parameters<typeof info>) => {
    viaInfo++;
    return info(...a);
  }) as typeof log.info;
  const line = { action: 'GetAggregateCompliancePackReport', status: 200, account: 1009318965421234, requestId: 'B238F07E-BDE8-41D0-88F4-A2A117F4EDAA', ms: 3, errorCode: undefined };
  writeCallLine(log, line);
  t.equal(viaInfo, 0, 'not through pino.info');
  t.same(JSON.parse(c.lines[0]), { level: 30, time: 1796122171935, pid: process.pid, hostname: (await import('node:os')).hostname(), action: line.action, status: 200, account: line.account, requestId: line.requestId, ms: 3, msg: 'Config.GetAggregateCompliancePackReport 200 3ms account=1009318965421234 req=B238F07E-BDE8-41D0-88F4-A2A117F4EDAA' });
  writeCallLine(log, { ...line, action: 'Odd"Name' });
  t.equal(viaInfo, 1, 'a field JSON escapes goes through pino');
  writeCallLine(log, { ...line, account: 7, errorCode: 'InvalidParameter' });
  t.equal(viaInfo, 1);
  t.match(JSON.parse(c.lines[2]), { account: 7, msg: / account=7 req=.* code=InvalidParameter$/ }, 'the account text follows the account');
});
