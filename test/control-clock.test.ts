import t from 'tap';
import { EmulatorClock } from '../src/clock.js';
import { call, DEMO, NOW, testApp } from './helpers.js';
import { ctl } from './control-helpers.js';

const packParams = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };

t.test('GET /_emulator/clock and the minimal POST shapes: advanceMs, set, freeze', async (t) => {
  let source = NOW;
  const em = await testApp(t, { clock: new EmulatorClock(() => source) });
  t.same((await ctl(em, 'GET', '/_emulator/clock')).json, { now: '2026-12-01T00:00:00.000Z', nowMs: NOW, frozen: true });

  const adv = await ctl(em, 'POST', '/_emulator/clock', { advanceMs: 60000 });
  t.equal(adv.status, 200);
  t.same(adv.json, { now: '2026-12-01T00:01:00.000Z', nowMs: NOW + 60_000, frozen: true });

  const set = await ctl(em, 'POST', '/_emulator/clock', { set: '2026-01-01T00:00:00Z' });
  t.same(set.json, { now: '2026-01-01T00:00:00.000Z', nowMs: Date.UTC(2026, 0, 1), frozen: true });

  const thaw = await ctl(em, 'POST', '/_emulator/clock', { freeze: false });
  t.equal(thaw.json.frozen, false);
  source += 1500; // real time passes
  t.equal((await ctl(em, 'GET', '/_emulator/clock')).json.now, '2026-01-01T00:00:01.500Z', 'an unfrozen clock runs from where it was');

  const freeze = await ctl(em, 'POST', '/_emulator/clock', { freeze: true });
  t.same(freeze.json, { now: '2026-01-01T00:00:01.500Z', nowMs: Date.UTC(2026, 0, 1) + 1500, frozen: true });
  source += 10_000;
  t.equal((await ctl(em, 'GET', '/_emulator/clock')).json.now, '2026-01-01T00:00:01.500Z', 'a frozen clock stays put');

  // Several at once apply in order: set, advance, freeze.
  const combo = await ctl(em, 'POST', '/_emulator/clock', { set: Date.UTC(2027, 5, 1), advanceMs: -1000, freeze: true });
  t.equal(combo.json.now, '2027-05-31T23:59:59.000Z');
});

t.test('bad clock bodies are refused and leave the clock alone', async (t) => {
  const em = await testApp(t);
  const beyond = [
    { advanceMs: Number.MAX_SAFE_INTEGER }, { set: 9_000_000_000_000_000 }, { set: '+275760-09-13T00:00:00Z' }, { advanceMs: -NOW - 1 },
    { set: 253402300799999, advanceMs: 1 }, { set: 0, advanceMs: -1 },
  ];
  for (const body of [{ set: 'next tuesday' }, { set: '2026-13-45T00:00:00Z' }, { set: '2026-02-30T00:00:00Z' }, { set: '2025-02-29T12:00:00Z' }, { advanceMs: '60000' }, { advanceMs: 1.5 }, { freeze: 'yes' }, { rewind: 5 }, [1], ...beyond]) {
    const res = await ctl(em, 'POST', '/_emulator/clock', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(res.json.error.code, 'BadRequest');
  }
  t.equal(em.clock.now(), NOW);
  t.equal((await ctl(em, 'GET', '/_emulator/clock')).status, 200, 'the clock still reads');
  t.equal((await ctl(em, 'GET', '/_emulator/requests')).status, 200, 'and so does the journal');
  const last = await ctl(em, 'POST', '/_emulator/clock', { set: '9999-12-31T23:59:59.999Z' });
  t.equal(last.json.now, '9999-12-31T23:59:59.999Z', 'the last millisecond of year 9999 is allowed');
});

t.test('report timestamps, report readiness and link expiry follow the clock', async (t) => {
  const em = await testApp(t);
  await ctl(em, 'POST', '/_emulator/clock', { set: '2026-01-01T00:00:00Z' });
  const gen = await call(em, 'GenerateAggregateCompliancePackReport', packParams);
  t.equal(gen.status, 200);
  let report = (await call(em, 'GetAggregateCompliancePackReport', packParams)).json.CompliancePackReport;
  t.equal(report.ReportStatus, 'CREATING', 'the default delay is 1000 ms of emulator time');
  t.equal(report.ReportCreateTimestamp, Date.UTC(2026, 0, 1));
  await ctl(em, 'POST', '/_emulator/clock', { advanceMs: 1000 });
  report = (await call(em, 'GetAggregateCompliancePackReport', packParams)).json.CompliancePackReport;
  t.equal(report.ReportStatus, 'COMPLETE');
  const url = new URL(report.ReportUrl);
  t.match(url.pathname, /-report-202601010800\.zip$/, 'the object key carries the emulator time (UTC+8)');
  t.equal(url.searchParams.get('Expires'), String(Date.UTC(2026, 0, 1) / 1000 + 1 + 3600));
  const download = async () => em.app.inject({ method: 'GET', url: url.pathname + url.search });
  const ok = await download();
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers.date, 'Thu, 01 Jan 2026 00:00:01 GMT', 'the download route dates its answers by the emulator clock');
  await ctl(em, 'POST', '/_emulator/clock', { advanceMs: 3600_000 + 2000 });
  const expired = await download();
  t.equal(expired.statusCode, 403);
  t.match(expired.body, /<Message>Request has expired.<\/Message>/);
  t.match(expired.body, /<ServerTime>2026-01-01T01:00:03.000Z<\/ServerTime>/);
  t.equal(expired.headers.date, 'Thu, 01 Jan 2026 01:00:03 GMT', 'the same time as ServerTime');
});

t.test('a leap day is a date', async (t) => {
  const em = await testApp(t);
  const res = await ctl(em, 'POST', '/_emulator/clock', { set: '2028-02-29T00:00:00Z' });
  t.equal(res.status, 200);
  t.equal(res.json.now, '2028-02-29T00:00:00.000Z');
});
