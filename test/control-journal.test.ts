import t from 'tap';
import { call, DEMO, NOW, testApp } from './helpers.js';
import { ctl } from './control-helpers.js';

t.test('each API call is journaled: time, action, account, redacted parameters, status, code, duration', async (t) => {
  const em = await testApp(t);
  await call(em, 'ListAggregators', { MaxResults: 10, Signature: 'c2lnbmF0dXJl', SecurityToken: 'sts-token', AccessKeyId: DEMO.aliceKey.id });
  em.clock.advance(60_000);
  await call(em, 'GetAggregator', { AggregatorId: 'ca-doesnotexist00000000', AccessKeySecret: 'oops', ClientSecretThing: 'x' });
  const res = await ctl(em, 'GET', '/_emulator/requests');
  t.equal(res.status, 200);
  t.equal(res.json.size, 1000);
  t.equal(res.json.count, 2);
  const [newest, oldest] = res.json.requests;
  t.match(oldest, {
    seq: 1,
    time: new Date(NOW).toISOString(),
    timeMs: NOW,
    method: 'GET',
    action: 'ListAggregators',
    accountId: DEMO.aliceAccountId,
    status: 200,
    errorCode: null,
    fault: null,
  });
  t.match(oldest.requestId, /^[0-9A-F-]{36}$/);
  t.equal(oldest.params.Signature, '***', 'Signature is redacted');
  t.equal(oldest.params.SecurityToken, '***', 'SecurityToken is redacted');
  t.equal(oldest.params.AccessKeyId, DEMO.aliceKey.id, 'AccessKeyId is kept');
  t.equal(oldest.params.MaxResults, '10');
  t.type(oldest.durationMs, 'number');
  t.ok(oldest.durationMs >= 0);
  t.match(newest, { seq: 2, time: new Date(NOW + 60_000).toISOString(), action: 'GetAggregator', accountId: DEMO.managementAccountId, status: 400 });
  t.equal(newest.errorCode, 'InvalidParameter', 'the unknown parameter was refused');
  t.equal(newest.params.AccessKeySecret, '***');
  t.equal(newest.params.ClientSecretThing, '***');
  t.notMatch(JSON.stringify(res.json), /c2lnbmF0dXJl|sts-token|oops/, 'no secret anywhere in the journal');
});

t.test('the journal filters by action (glob), account, status and code, newest first', async (t) => {
  const em = await testApp(t);
  await call(em, 'ListAggregators', { MaxResults: 10 });
  await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId });
  await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, AccessKeyId: DEMO.aliceKey.id });
  await call(em, 'GetAggregator', { AggregatorId: 'ca-00000000000000000000' });
  await call(em, 'NoSuchAction');
  const q = async (qs: string) => (await ctl(em, 'GET', `/_emulator/requests${qs}`)).json.requests.map((e: { action: string }) => e.action);
  t.same(await q(''), ['NoSuchAction', 'GetAggregator', 'ListAggregateCompliancePacks', 'GetAggregator', 'ListAggregators']);
  t.same(await q('?action=GetAggregator'), ['GetAggregator', 'GetAggregator']);
  t.same(await q('?action=List*'), ['ListAggregateCompliancePacks', 'ListAggregators']);
  t.same(await q(`?accountId=${DEMO.aliceAccountId}`), ['ListAggregateCompliancePacks']);
  t.same(await q(`?account=${DEMO.aliceAccountId}`), ['ListAggregateCompliancePacks']);
  t.same(await q('?status=200'), ['GetAggregator', 'ListAggregators']);
  t.same(await q('?status=4xx'), ['NoSuchAction', 'GetAggregator', 'ListAggregateCompliancePacks'], 'alice may not list the management group\'s packs');
  t.same(await q('?status=error'), ['NoSuchAction', 'GetAggregator', 'ListAggregateCompliancePacks']);
  t.same(await q('?status=404'), ['NoSuchAction']);
  t.same(await q('?code=Invalid.AggregatorId.Value'), ['GetAggregator', 'ListAggregateCompliancePacks']);
  t.same(await q('?action=GetAggregator&status=200'), ['GetAggregator']);
  t.same(await q('?limit=2'), ['NoSuchAction', 'GetAggregator']);
  t.equal((await ctl(em, 'GET', '/_emulator/requests?status=teapot')).status, 400);
  t.equal((await ctl(em, 'GET', '/_emulator/requests?accountId=me')).status, 400);
  t.equal((await ctl(em, 'GET', '/_emulator/requests?limit=-1')).status, 400);
  // Control-plane calls are not journaled.
  t.notOk((await q('')).some((a: string | null) => a === null));
});

t.test('the journal is a bounded ring of configurable size, and DELETE clears it', async (t) => {
  const em = await testApp(t, { config: { journalSize: 3 } });
  for (let i = 1; i <= 5; i++) await call(em, 'ListAggregators', { MaxResults: i });
  const res = await ctl(em, 'GET', '/_emulator/requests');
  t.equal(res.json.size, 3);
  t.same(res.json.requests.map((e: { params: { MaxResults: string } }) => e.params.MaxResults), ['5', '4', '3'], 'the newest three');
  t.same(res.json.requests.map((e: { seq: number }) => e.seq), [5, 4, 3]);
  const del = await ctl(em, 'DELETE', '/_emulator/requests');
  t.same(del.json, { cleared: 3 });
  t.same((await ctl(em, 'GET', '/_emulator/requests')).json.requests, []);
  await call(em, 'ListAggregators', { MaxResults: 7 });
  t.equal((await ctl(em, 'GET', '/_emulator/requests')).json.count, 1);
});

t.test('a full ring writes over its oldest entry: every field is the new call\'s, earlier listings keep theirs', async (t) => {
  const em = await testApp(t, { config: { journalSize: 2 } });
  await call(em, 'GetAggregator', { AggregatorId: 'ca-0000000000000000bad0' });
  await call(em, 'ListAggregators', { MaxResults: 1 });
  const before = (await ctl(em, 'GET', '/_emulator/requests')).json.requests;
  t.not(before[1].errorCode, null, 'the oldest entry is a failed call');
  await call(em, 'ListAggregators', { MaxResults: 3, Format: 'JSON' });
  const after = (await ctl(em, 'GET', '/_emulator/requests')).json.requests;
  t.match(after[0], { seq: 3, action: 'ListAggregators', status: 200, errorCode: null, params: { MaxResults: '3', Format: 'JSON' } });
  t.notOk('AggregatorId' in after[0].params, 'nothing of the entry written over is left');
  t.match(after[1], { seq: 2, action: 'ListAggregators', params: { MaxResults: '1' } });
  t.same(before.map((e: { seq: number }) => e.seq), [2, 1], 'a listing made before is a copy');
  t.match(before[1], { seq: 1, action: 'GetAggregator', params: { AggregatorId: 'ca-0000000000000000bad0' } }, 'and keeps the call it showed');
});

t.test('journalSize 0 turns the journal off', async (t) => {
  const em = await testApp(t, { config: { journalSize: 0 } });
  await call(em, 'ListAggregators', { MaxResults: 1 });
  t.same((await ctl(em, 'GET', '/_emulator/requests')).json.requests, []);
});

t.test('a form POST is journaled with the query\'s and the body\'s parameters (the body\'s value for a name in both), secrets redacted', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({
    method: 'POST',
    url: '/?Action=ListAggregators&Format=JSON&MaxResults=5',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'MaxResults=7&NextToken=&Signature=c2lnbmF0dXJl&Note=a%20b%2Bc',
  });
  t.equal(res.statusCode, 400, 'Note is not a parameter of ListAggregators');
  const journal = await ctl(em, 'GET', '/_emulator/requests');
  const [entry] = journal.json.requests;
  t.equal(entry.method, 'POST');
  t.same(entry.params, { Action: 'ListAggregators', Format: 'JSON', MaxResults: '7', NextToken: '', Signature: '***', Note: 'a b+c' });
  t.notMatch(JSON.stringify(journal.json), /c2lnbmF0dXJl/);
});

t.test('a request whose query does not parse is journaled without parameters', async (t) => {
  const em = await testApp(t);
  const res = await em.app.inject({ method: 'GET', url: '/?Action=ListAggregators&Bad=%zz' });
  t.equal(res.statusCode, 400);
  const journal = await ctl(em, 'GET', '/_emulator/requests');
  t.same(journal.json.requests[0].params, {});
  t.equal(journal.json.requests[0].errorCode, 'RequestParameterMalformed');
});
