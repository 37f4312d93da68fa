/**
 * The emulator's own logger (app.ts createLogger): fastify gets none, the routes log through it.
 * One info line and one journal entry per API call, on every path a call can take: a read, an
 * error, a write that waits for its commit, an unexpected failure; and nothing at all without a
 * logger.
 */
import { rmSync } from 'node:fs';
import t from 'tap';
import { createLogger } from '../src/app.js';
import { call, DEMO, tempDbFile, testApp } from './helpers.js';
import { ctl } from './control-helpers.js';

interface Line {
  level: number;
  msg: string;
  action?: string;
  status?: number;
  requestId?: string;
  ms?: number;
  err?: { message: string };
}

function capture() {
  const lines: Line[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)) } };
}

t.test('one info line and one journal entry per call', async (t) => {
  const c = capture();
  const em = await testApp(t, { logger: { level: 'info', stream: c.stream } });
  const ok = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(ok.status, 200);
  const bad = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId });
  t.equal(bad.status, 400);
  const created = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: DEMO.aggregatorId, CompliancePackName: 'logged-pack', RiskLevel: 1,
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]),
  }, { method: 'POST' });
  t.equal(created.status, 200, created.body);

  const calls = c.lines.filter((l) => l.msg.startsWith('Config.'));
  t.equal(calls.length, 3, 'one line per call');
  t.match(calls[0], { level: 30, action: 'GetAggregateCompliancePackReport', status: 200, requestId: ok.json.RequestId });
  t.match(calls[0].msg, new RegExp(`^Config\\.GetAggregateCompliancePackReport 200 \\d+ms account=\\d+ req=${ok.json.RequestId}$`));
  t.match(calls[1], { status: 400, requestId: bad.json.RequestId });
  t.equal(bad.json.Code, 'MissingCompliancePackId');
  t.match(calls[1].msg, / code=MissingCompliancePackId$/, 'an error line ends with its code');
  t.match(calls[2], { action: 'CreateAggregateCompliancePack', status: 200, requestId: created.json.RequestId }, 'a write is logged once committed');
  for (const l of calls) t.ok(Number.isInteger(l.ms) && l.ms! >= 0, 'whole milliseconds');

  const journal = (await ctl(em, 'GET', '/_emulator/requests')).json.requests as { requestId: string; status: number; durationMs: number }[];
  t.same(journal.map((e) => e.requestId).sort(), [ok.json.RequestId, bad.json.RequestId, created.json.RequestId].sort(), 'one journal entry per call');
  for (const e of journal) t.ok(e.durationMs >= 0);
});

t.test('an unexpected failure is logged at error level with its stack, and answered as InternalError', async (t) => {
  const c = capture();
  const em = await testApp(t, { logger: { level: 'info', stream: c.stream } });
  const original = em.services.store.sync;
  em.services.store.sync = () => {
    throw new Error('disk on fire');
  };
  t.teardown(() => {
    em.services.store.sync = original;
  });
  const r = await call(em, 'ListAggregators');
  t.equal(r.status, 500);
  t.equal(r.json.Code, 'InternalError');
  const error = c.lines.find((l) => l.level === 50);
  t.match(error, { msg: 'unexpected error in RPC handler', err: { type: 'Error', message: 'disk on fire', stack: /disk on fire\n\s+at / } });
  t.match(c.lines.find((l) => l.msg.startsWith('Config.')), { status: 500 });
});

t.test('no logger: nothing is written, calls still go to the journal', async (t) => {
  t.equal(createLogger(false), undefined);
  t.equal(createLogger(undefined), undefined);
  t.throws(() => createLogger({ stream: { write: () => undefined }, file: '/tmp/x.log' } as never), /a stream or a file, not both/);
  const em = await testApp(t);
  t.equal(em.log, undefined);
  const r = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(r.status, 200);
  const journal = (await ctl(em, 'GET', '/_emulator/requests')).json.requests as unknown[];
  t.equal(journal.length, 1);
});

t.test('the level decides: at warn, no call lines', async (t) => {
  const c = capture();
  const em = await testApp(t, { logger: { level: 'warn', stream: c.stream } });
  t.equal((await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId })).status, 200);
  t.same(c.lines, []);
});

t.test('fastify itself gets no logger (no per-request listeners or child loggers)', async (t) => {
  const c = capture();
  const em = await testApp(t, { logger: { level: 'info', stream: c.stream } });
  em.app.log.info('through fastify');
  em.app.log.error('through fastify');
  t.same(c.lines, [], 'nothing fastify logs reaches the stream');
  em.log!.info('through ours');
  t.match(c.lines, [{ msg: 'through ours' }]);
});

t.test("the WAL checkpointer's trouble is a warning line of the emulator's log", async (t) => {
  const db = tempDbFile(t);
  const c = capture();
  let warned: () => void = () => {};
  const seen = new Promise<void>((resolve) => (warned = resolve));
  const stream = { write: (s: string) => (c.stream.write(s), s.includes('WAL checkpointer') && warned()) };
  const em = await testApp(t, { logger: { level: 'info', stream }, config: { db } });
  // The file goes away before the first API write starts the checkpointer: it cannot open it.
  rmSync(db);
  const created = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: DEMO.aggregatorId, CompliancePackName: 'checkpointed-pack', RiskLevel: 1,
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]),
  }, { method: 'POST' });
  t.equal(created.status, 200, 'the write does not depend on the checkpointer');
  await seen;
  const line = c.lines.find((l) => l.msg.includes('WAL checkpointer'));
  t.match(line, { level: 40, msg: /^WAL checkpointer for .*config\.db: cannot open the file .*auto-checkpoint/ });
});
