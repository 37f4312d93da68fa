import t from 'tap';
import { call, DEMO, dumpStore, testApp, type TestEmulator } from './helpers.js';
import { ctl } from './control-helpers.js';

const reportParams = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };

/** Records injected latency instead of sleeping. */
function recordSleeps(em: TestEmulator): number[] {
  const slept: number[] = [];
  em.control.sleep = async (ms) => {
    slept.push(ms);
  };
  return slept;
}

t.test('{"action": "GetAggregateCompliancePackReport", "error": "ServiceUnavailable", "times": 1} fails the next call once', async (t) => {
  const em = await testApp(t);
  const add = await ctl(em, 'POST', '/_emulator/faults', { action: 'GetAggregateCompliancePackReport', error: 'ServiceUnavailable', times: 1 });
  t.equal(add.status, 201);
  t.match(add.json, { id: 'fault-1', action: 'GetAggregateCompliancePackReport', error: 'ServiceUnavailable', httpStatus: 503, times: 1, remaining: 1, probability: 1 });
  t.equal((await call(em, 'ListAggregators', { MaxResults: 10 })).status, 200, 'other actions are not affected');
  const before = dumpStore(em);
  const failed = await call(em, 'GetAggregateCompliancePackReport', reportParams);
  t.equal(failed.status, 503);
  t.equal(failed.json.Code, 'ServiceUnavailable');
  t.equal(failed.json.Message, 'The request has failed due to a temporary failure of the server.');
  t.match(failed.json.RequestId, /^[0-9A-F-]{36}$/);
  t.equal(failed.headers['x-emulator-fault'], 'fault-1');
  t.equal(dumpStore(em), before);
  const ok = await call(em, 'GetAggregateCompliancePackReport', reportParams);
  t.equal(ok.status, 200, 'one-shot: the next call succeeds');
  t.equal(ok.json.CompliancePackReport.ReportStatus, 'COMPLETE');
  const listed = (await ctl(em, 'GET', '/_emulator/faults')).json.faults;
  t.match(listed, [{ id: 'fault-1', remaining: 0, fired: 1, matched: 1 }]);
  const journal = (await ctl(em, 'GET', '/_emulator/requests?action=GetAggregateCompliancePackReport')).json.requests;
  t.match(journal, [{ status: 200, fault: null }, { status: 503, errorCode: 'ServiceUnavailable', fault: { id: 'fault-1', error: 'ServiceUnavailable', latencyMs: 0 } }]);
});

t.test('the injected error is rendered by the normal serializer in the request\'s format', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'Get*', error: 'Throttling.User' });
  const xml = await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId }, { format: null });
  t.equal(xml.status, 400);
  t.match(xml.headers['content-type'], /^text\/xml/);
  t.match(xml.body, /^<\?xml version='1.0' encoding='UTF-8'\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>config.cn-shanghai.aliyuncs.com<\/HostId><Code>Throttling.User<\/Code><Message>Request was denied due to user flow control.<\/Message>/);
  const v3 = await em.app.inject({ method: 'POST', url: '/', headers: { 'x-acs-action': 'GetAggregator', 'x-acs-version': '2020-09-07', 'content-type': 'application/x-www-form-urlencoded' }, payload: `AggregatorId=${DEMO.aggregatorId}` });
  t.equal(v3.statusCode, 400);
  t.equal(JSON.parse(v3.body).Code, 'Throttling.User');
});

t.test('{"action": "List*", "latencyMs": 200, "probability": 0.5, "seed": 7} delays the same calls on every run', async (t) => {
  const pattern = async () => {
    const em = await testApp(t);
    const slept = recordSleeps(em);
    const add = await ctl(em, 'POST', '/_emulator/faults', { action: 'List*', latencyMs: 200, probability: 0.5, seed: 7 });
    t.equal(add.status, 201);
    const delayed: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = slept.length;
      const res = await call(em, i % 2 ? 'ListAggregators' : 'ListAggregateCompliancePacks', i % 2 ? { MaxResults: 10 } : { AggregatorId: DEMO.aggregatorId });
      t.equal(res.status, 200, 'latency only: the call still succeeds');
      if (slept.length > before) delayed.push(i);
    }
    t.equal((await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId })).status, 200);
    t.equal(slept.length, delayed.length, 'Get* never matched');
    t.ok(slept.every((ms) => ms === 200));
    const journal = (await ctl(em, 'GET', '/_emulator/requests?action=List*')).json.requests as { fault: { latencyMs: number } | null }[];
    t.equal(journal.filter((e) => e.fault?.latencyMs === 200).length, delayed.length, 'the journal shows the planned latency');
    const rule = (await ctl(em, 'GET', '/_emulator/faults')).json.faults[0];
    t.equal(rule.matched, 20);
    t.equal(rule.fired, delayed.length);
    return delayed;
  };
  const first = await pattern();
  const second = await pattern();
  t.same(second, first, 'same seed, same calls delayed');
  t.ok(first.length > 3 && first.length < 17, `about half delayed (${first.length}/20)`);
});

t.test('latency really waits when the sleep is not replaced', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'ListAggregators', latencyMs: 5, times: 1 });
  const started = process.hrtime.bigint();
  t.equal((await call(em, 'ListAggregators', { MaxResults: 1 })).status, 200);
  t.ok(Number(process.hrtime.bigint() - started) / 1e6 >= 4.5, 'took at least the injected latency');
  const [entry] = (await ctl(em, 'GET', '/_emulator/requests')).json.requests;
  t.ok(entry.durationMs >= 4.5, `journal duration ${entry.durationMs} ms`);
});

t.test('error and latency together; rules match on account; the first firing rule wins', async (t) => {
  const em = await testApp(t);
  const slept = recordSleeps(em);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'ListAggregators', accountId: DEMO.aliceAccountId, error: 'InternalError', latencyMs: 50 });
  await ctl(em, 'POST', '/_emulator/faults', { action: 'ListAggregators', accountId: String(DEMO.managementAccountId), error: 'Throttling.Api', message: 'slow down' });
  const alice = await call(em, 'ListAggregators', { MaxResults: 10, AccessKeyId: DEMO.aliceKey.id });
  t.equal(alice.status, 500);
  t.equal(alice.json.Code, 'InternalError');
  t.same(slept, [50]);
  const mgmt = await call(em, 'ListAggregators', { MaxResults: 10 });
  t.equal(mgmt.status, 400);
  t.equal(mgmt.json.Code, 'Throttling.Api');
  t.equal(mgmt.json.Message, 'slow down');
  t.equal((await call(em, 'ListAggregators', { MaxResults: 10, AccessKeyId: 'LTAI5tEmulatorTomKey' })).status, 200, 'Tom matches no rule');
});

t.test('rules are listed and deleted one by one or all at once', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'A*', error: 'InternalError' });
  await ctl(em, 'POST', '/_emulator/faults', { action: 'B*', error: 'InternalError' });
  await ctl(em, 'POST', '/_emulator/faults', { action: 'C*', error: 'InternalError' });
  const list = await ctl(em, 'GET', '/_emulator/faults');
  t.same(list.json.faults.map((f: { id: string }) => f.id), ['fault-1', 'fault-2', 'fault-3']);
  t.ok(list.json.errorCodes.includes('ServiceUnavailable'));
  t.same((await ctl(em, 'DELETE', '/_emulator/faults/fault-2')).json, { deleted: 1 });
  const missing = await ctl(em, 'DELETE', '/_emulator/faults/fault-2');
  t.equal(missing.status, 404);
  t.equal(missing.json.error.code, 'FaultNotFound');
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults.map((f: { id: string }) => f.id), ['fault-1', 'fault-3']);
  t.same((await ctl(em, 'DELETE', '/_emulator/faults')).json, { deleted: 2 });
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults, []);
});

t.test('bad rules are refused with 400: unknown error codes, bad fields', async (t) => {
  const em = await testApp(t);
  const cases: [unknown, RegExp][] = [
    [{ action: 'List*', error: 'TeapotError' }, /error "TeapotError" is not in the API's error catalog \(known: .*ServiceUnavailable/],
    [{ action: 'List*' }, /needs an error, a latencyMs, or both/],
    [{ action: 'List*', error: 'InternalError', probability: 2 }, /probability/],
    [{ action: 'List*', error: 'InternalError', times: 0 }, /times/],
    [{ action: 'List*', latencyMs: -1 }, /latencyMs/],
    [{ action: 'List*', error: 'InternalError', accountId: 'me' }, /accountId/],
    [{ action: 'List/../*', error: 'InternalError' }, /action/],
    [{ action: 'List*', error: 'InternalError', colour: 'red' }, /unknown field "colour"/],
    [{ action: 'List*', latencyMs: 1, seed: 'x' }, /seed must be a whole number/],
    [[], /JSON object/],
  ];
  const first = await ctl(em, 'POST', '/_emulator/faults', { action: 'List*', latencyMs: 1 });
  await ctl(em, 'DELETE', `/_emulator/faults/${first.json.id}`);
  for (const [body, message] of cases) {
    const res = await ctl(em, 'POST', '/_emulator/faults', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.json.error.message, message);
  }
  t.same((await ctl(em, 'GET', '/_emulator/faults')).json.faults, []);
  const next = await ctl(em, 'POST', '/_emulator/faults', { action: 'List*', latencyMs: 1 });
  t.equal(next.json.id, `fault-${Number(first.json.id.slice(6)) + 1}`, 'a refused rule takes no id');
});

t.test('the fault list is bounded: the rule after the last allowed one is refused and nothing changes', async (t) => {
  const { MAX_FAULT_RULES } = await import('../src/control/faults.js');
  const em = await testApp(t);
  for (let i = 0; i < MAX_FAULT_RULES; i++) em.control.faults.add({ action: `Nothing${i}`, error: 'ServiceUnavailable' });
  const res = await em.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { action: 'List*', error: 'ServiceUnavailable' } });
  t.equal(res.statusCode, 400);
  t.match(JSON.parse(res.body), { error: { code: 'BadRequest', message: `at most ${MAX_FAULT_RULES} fault rules can be active; delete some first` } });
  t.equal(em.control.faults.list().length, MAX_FAULT_RULES);
});

t.test('a fault message, when given, must not be empty (API errors always carry a Message)', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { action: 'List*', error: 'ServiceUnavailable', message: ' ' } });
  t.equal(res.statusCode, 400);
  t.match(JSON.parse(res.body).error.message, 'message must be a non-empty string');
  t.same(em.control.faults.list(), []);
});

t.test('a fault answers only calls the service would run: not those the gateway refuses, nor an account without Config', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/faults', { action: 'GetAggregateCompliancePackReport', error: 'ServiceUnavailable', times: 1 });
  const missing = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId });
  t.equal(missing.json.Code, 'MissingCompliancePackId', 'the gateway refuses the call first');
  const { store } = em.services;
  store.transaction(() => {
    store.accounts.upsert({ accountId: 1999999999999999, accountName: 'off', configEnabled: false });
    store.accounts.upsertAccessKey({ accessKeyId: 'LTAI5tOffKey', secret: 'OffSecret', accountId: 1999999999999999 });
  });
  const off = await call(em, 'GetAggregateCompliancePackReport', { ...reportParams, AccessKeyId: 'LTAI5tOffKey' });
  t.equal(off.json.Code, 'AccountNotExisted');
  t.match((await ctl(em, 'GET', '/_emulator/faults')).json.faults, [{ id: 'fault-1', remaining: 1, fired: 0, matched: 0 }], 'neither call used the one-shot rule');
  t.equal((await call(em, 'GetAggregateCompliancePackReport', reportParams)).status, 503, 'the next valid call gets it');
});

t.test('a call delayed by a fault runs for the account as it is after the delay', async (t) => {
  const em = await testApp(t);
  t.equal((await ctl(em, 'POST', '/_emulator/faults', { action: 'CreateAggregator', latencyMs: 800 })).status, 201);
  // During the delay the emulator is reset to empty: Alice's account is gone.
  em.control.sleep = async () => {
    t.equal((await ctl(em, 'POST', '/_emulator/reset?to=empty')).status, 200);
  };
  const before = dumpStore(em);
  const res = await call(em, 'CreateAggregator', { AggregatorName: 'late', AggregatorType: 'RD', AccessKeyId: DEMO.aliceKey.id }, { method: 'POST' });
  t.equal(res.status, 404, 'not a 500 from a missing account');
  t.equal(res.json.Code, 'AccountNotExisted');
  t.not(JSON.stringify(dumpStore(em)), JSON.stringify(before), 'the reset happened');
  t.notMatch(JSON.stringify(dumpStore(em)), /"late"/, 'nothing was created');
});
