/**
 * Isolation between accounts: an account can never read or change another account's resources,
 * through any action, list, paging token or report link.
 *
 * The test walks the action registry: every registered action whose parameters name resources
 * (AggregatorId(s), CompliancePackId(s), ConfigRuleId(s), also Src/Des variants) is called by one
 * account with the other account's ids, alone and mixed with its own ids. Every registered action
 * is also called with plausible values and its answer searched for the other account's data.
 * The answer must be an error, or a 200 with no successful item and nothing of the other account;
 * the other account's rows never change. Both directions: Alice against the management account's
 * demo resources, and the management account against Alice's.
 *
 * Until signatures land (issue 4) the AccessKeyId parameter alone selects the account (warn mode).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Emulator } from '../src/app.js';
import { defaultConfig, OPTIONS, PACKAGE_ROOT, resolveConfig, type Config } from '../src/config.js';
import { startEmulator } from '../src/index.js';
import { reportBuildsSettled } from '../src/reports/service.js';
import { call, DEMO, dumpStore, settledDump, testApp } from './helpers.js';
import { ACTION_NAMES, acceptsOf, checkRpcAnswer, goodValue } from './fuzz/harness.js';

const RESOURCE_PARAM = /(AggregatorIds?|CompliancePackIds?|ConfigRuleIds?)$/;
const RULES = JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }, { ManagedRuleIdentifier: 'ram-user-mfa-check' }]);

interface Party {
  name: string;
  key: string;
  accountId: number;
  aggregatorId: string;
  compliancePackId: string;
  ruleIds: string[];
  /** Strings only this party's resources contain (names, descriptions, its report keys). */
  markers: string[];
}

/** Everything an account owns, as rows: what another account must never change. */
function ownedRows(em: Emulator, accountId: number): string {
  const db = em.services.store.db;
  const all = (sql: string) => db.prepare(sql).all(accountId);
  return JSON.stringify([
    all('SELECT * FROM aggregators WHERE account_id = ? ORDER BY seq'),
    all('SELECT m.* FROM aggregator_members m JOIN aggregators a USING (aggregator_id) WHERE a.account_id = ? ORDER BY m.aggregator_id, m.position'),
    all('SELECT * FROM compliance_packs WHERE account_id = ? ORDER BY seq'),
    all('SELECT * FROM config_rules WHERE account_id = ? ORDER BY seq'),
    all('SELECT object_key, scope_id, kind, created_at, ready_at, etag FROM reports WHERE account_id = ? ORDER BY object_key'),
    all('SELECT * FROM tags WHERE account_id = ? ORDER BY resource_id, tag_key'),
    all('SELECT * FROM client_tokens WHERE account_id = ? ORDER BY action, token'),
  ]);
}

const sample = <T>(arb: fc.Arbitrary<T>, seed: number): T => fc.sample(arb, { numRuns: 1, seed })[0];

/** The value of a resource parameter pointing at a party's resources. */
function idsOf(p: Party, param: string): string {
  if (/AggregatorIds?$/.test(param)) return p.aggregatorId;
  if (/CompliancePackIds?$/.test(param)) return p.compliancePackId;
  if (/ConfigRuleIds$/.test(param)) return p.ruleIds.join(',');
  return p.ruleIds[0];
}

/** `params` with every id of `victim` replaced by an id of the same kind that does not exist. */
function swapIds(params: Record<string, string>, victim: Party): Record<string, string> {
  const missing: Record<string, string> = {
    [victim.aggregatorId]: 'ca-00000000000000000000',
    [victim.compliancePackId]: 'cp-00000000000000000000',
    ...Object.fromEntries(victim.ruleIds.map((id, i) => [id, `cr-${String(i).padStart(20, '0')}`])),
  };
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, RESOURCE_PARAM.test(k) ? v.split(',').map((x) => missing[x] ?? x).join(',') : v]));
}

/** Whether `who` is a member account of one of `owner`'s account groups. */
function isMember(em: Emulator, who: Party, owner: Party): boolean {
  return em.services.store.db
    .prepare('SELECT 1 FROM aggregator_members m JOIN aggregators a USING (aggregator_id) WHERE a.account_id = ? AND m.account_id = ?')
    .get(owner.accountId, who.accountId) !== undefined;
}

async function setup(t: Test) {
  const em = await testApp(t);
  const alice0 = { key: DEMO.aliceKey.id };
  const agg = await call(em, 'CreateAggregator', {
    AccessKeyId: alice0.key, AggregatorName: 'alice-secret-agg', Description: 'alice-secret-desc', AggregatorType: 'CUSTOM',
    AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' }]),
  }, { method: 'POST' });
  t.equal(agg.status, 200, 'Alice creates her own aggregator');
  const pack = await call(em, 'CreateAggregateCompliancePack', {
    AccessKeyId: alice0.key, AggregatorId: agg.json.AggregatorId, CompliancePackName: 'alice-secret-pack', Description: 'alice-secret-pack-desc', ConfigRules: RULES,
  }, { method: 'POST' });
  t.equal(pack.status, 200, 'and a pack in it');
  const gen = await call(em, 'GenerateAggregateCompliancePackReport', { AccessKeyId: alice0.key, AggregatorId: agg.json.AggregatorId, CompliancePackId: pack.json.CompliancePackId }, { method: 'POST' });
  t.equal(gen.status, 200, 'and a report of it');
  em.clock.advance(1000);
  const rules = (acc: number) => (em.services.store.db.prepare('SELECT config_rule_id AS id FROM config_rules WHERE account_id = ? ORDER BY seq').all(acc) as { id: string }[]).map((r) => r.id);
  const management: Party = {
    name: 'management', key: DEMO.defaultKey.id, accountId: DEMO.managementAccountId, aggregatorId: DEMO.aggregatorId, compliancePackId: DEMO.compliancePackId,
    ruleIds: rules(DEMO.managementAccountId),
    markers: ['Test_Group', 'Demo account group', 'Demo security baseline', 'A few managed rules', `CompliancePackReports/${DEMO.managementAccountId}/`],
  };
  const alice: Party = {
    name: 'Alice', key: DEMO.aliceKey.id, accountId: DEMO.aliceAccountId, aggregatorId: agg.json.AggregatorId, compliancePackId: pack.json.CompliancePackId,
    ruleIds: rules(DEMO.aliceAccountId),
    markers: ['alice-secret-agg', 'alice-secret-desc', 'alice-secret-pack', `CompliancePackReports/${DEMO.aliceAccountId}/`],
  };
  t.ok(alice.ruleIds.length > 0 && management.ruleIds.length > 0, 'both own rules');
  return { em, management, alice };
}

/** Calls `action` as `attacker` and checks nothing of `victim` leaked or changed. */
async function probe(
  t: Test, em: Emulator, attacker: Party, victim: Party, action: string, params: Record<string, string>, label: string, ownIds = false,
): Promise<'refused' | 'empty'> {
  // Report bytes are built in the background after the request that generated them; that write is
  // no one's request, so wait for it before taking the snapshots.
  await reportBuildsSettled(em.services.store);
  const victimBefore = ownedRows(em, victim.accountId);
  const storeBefore = dumpStore(em);
  const res = await call(em, action, { ...params, AccessKeyId: attacker.key }, { method: 'POST' });
  checkRpcAnswer({ status: res.status, contentType: String(res.headers['content-type']), body: res.body }, 'JSON');
  t.equal(ownedRows(em, victim.accountId), victimBefore, `${label}: ${victim.name}'s resources unchanged`);
  if (res.status !== 200) {
    t.equal(dumpStore(em), storeBefore, `${label}: refused (${res.json.Code}) and the store unchanged`);
    return 'refused';
  }
  for (const m of victim.markers) if (res.body.includes(m)) t.fail(`${label}: answer leaks ${victim.name}'s "${m}": ${res.body.slice(0, 400)}`);
  // With the victim's ids no item may succeed; with its own, the attacker's items may.
  if (!ownIds && /"Success":true/.test(res.body)) t.fail(`${label}: an item succeeded on ${victim.name}'s resources: ${res.body.slice(0, 400)}`);
  return 'empty';
}

t.test('every action naming resources refuses the other account\'s ids, alone or mixed with its own', async (t) => {
  const { em, management, alice } = await setup(t);
  const targeted = ACTION_NAMES.filter((a) => acceptsOf(a).some((p) => RESOURCE_PARAM.test(p)));
  t.comment(`actions naming resources: ${targeted.length} (${targeted.join(', ')})`);
  t.ok(targeted.length >= 4, 'the registry has resource actions to probe');
  let probes = 0;
  const outcomes = { refused: 0, empty: 0 };
  for (const [attacker, victim] of [[alice, management], [management, alice]] as const) {
    for (const action of targeted) {
      const names = acceptsOf(action);
      const resourceParams = names.filter((p) => RESOURCE_PARAM.test(p));
      const base: Record<string, string> = {};
      names.forEach((n, i) => {
        if (!RESOURCE_PARAM.test(n) && n !== 'ClientToken' && n !== 'NextToken') base[n] = sample(goodValue(n), 1000 + i);
      });
      // All resource parameters the victim's; then each one the victim's and the rest the attacker's own.
      const variants: [string, Record<string, string>][] = [[`all ${victim.name}'s`, Object.fromEntries(resourceParams.map((p) => [p, idsOf(victim, p)]))]];
      if (resourceParams.length > 1) {
        for (const foreign of resourceParams) {
          variants.push([`${foreign} ${victim.name}'s, the rest own`, Object.fromEntries(resourceParams.map((p) => [p, idsOf(p === foreign ? victim : attacker, p)]))]);
        }
      }
      for (const [what, ids] of variants) {
        for (const withOptional of [true, false]) {
          const params = withOptional ? { ...base, ...ids } : ids;
          const label = `${attacker.name} ${action} (${what}${withOptional ? '' : ', ids only'})`;
          const outcome = await probe(t, em, attacker, victim, action, params, label);
          outcomes[outcome]++;
          probes++;
          if (outcome === 'refused') {
            // The other account's ids answer exactly like ids that do not exist (nothing to learn from
            // the code), except the documented member case: a member account of another account's group
            // gets AggregatorMemberNoPermission on writes to that group (docs/fidelity.md).
            const foreign = await call(em, action, { ...params, AccessKeyId: attacker.key }, { method: 'POST' });
            const missing = await call(em, action, { ...swapIds(params, victim), AccessKeyId: attacker.key }, { method: 'POST' });
            const member = foreign.json?.Code === 'AggregatorMemberNoPermission' && isMember(em, attacker, victim);
            if (!member) t.same([foreign.status, foreign.json?.Code], [missing.status, missing.json?.Code], `${label}: same answer as for missing ids`);
          }
        }
      }
    }
  }
  t.comment(`${probes} cross-account probes: ${outcomes.refused} refused, ${outcomes.empty} answered with nothing of the other account`);
});

t.test('no action, list or search shows the other account\'s resources', async (t) => {
  const { em, management, alice } = await setup(t);
  let probes = 0;
  for (const [attacker, victim] of [[alice, management], [management, alice]] as const) {
    for (const action of ACTION_NAMES) {
      const names = acceptsOf(action);
      const params: Record<string, string> = {};
      names.forEach((n, i) => {
        if (RESOURCE_PARAM.test(n)) params[n] = idsOf(attacker, n);
        else if (n !== 'ClientToken' && n !== 'NextToken' && !/Name$/.test(n)) params[n] = sample(goodValue(n), 2000 + i);
      });
      // The attacker's own view (its ids, plausible filters) must never include the victim's data.
      await probe(t, em, attacker, victim, action, params, `${attacker.name} ${action} (own ids)`, true);
      probes++;
    }
  }
  t.comment(`${probes} own-view probes over ${ACTION_NAMES.length} actions`);
});

t.test('a paging token of one account is refused for another', async (t) => {
  const { em, alice } = await setup(t);
  for (let i = 0; i < 3; i++) {
    const r = await call(em, 'CreateAggregator', { AggregatorName: `page-${i}`, AggregatorType: 'RD' }, { method: 'POST' });
    t.equal(r.status, 200);
  }
  const first = await call(em, 'ListAggregators', { MaxResults: 1 });
  const token = first.json.AggregatorsResult.NextToken as string;
  t.ok(token, 'the management account gets a NextToken');
  const stolen = await call(em, 'ListAggregators', { MaxResults: 1, NextToken: token, AccessKeyId: alice.key });
  t.equal(stolen.status, 400);
  t.equal(stolen.json.Code, 'Invalid.NextToken.Value', 'Alice cannot page with it');
});

t.test('report links: another account cannot get one, and a link cannot be bent to another key', async (t) => {
  const { em, management, alice } = await setup(t);
  const own = await call(em, 'GetAggregateCompliancePackReport', { AccessKeyId: alice.key, AggregatorId: alice.aggregatorId, CompliancePackId: alice.compliancePackId });
  t.equal(own.json.CompliancePackReport.ReportStatus, 'COMPLETE');
  const link = new URL(own.json.CompliancePackReport.ReportUrl as string);
  const foreignKey = `CompliancePackReports/${management.accountId}/${management.compliancePackId}/${link.pathname.split('/').pop()!.replace(String(alice.accountId), String(management.accountId)).replace(alice.compliancePackId, management.compliancePackId)}`;
  const bent = await em.app.inject({ method: 'GET', url: `/${foreignKey}${link.search}` });
  t.equal(bent.statusCode, 403, 'Alice\'s signature does not open a management report');
  t.match(bent.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  const foreign = await call(em, 'GetAggregateCompliancePackReport', { AccessKeyId: alice.key, AggregatorId: management.aggregatorId, CompliancePackId: management.compliancePackId });
  t.equal(foreign.status, 400, 'Alice cannot read the management report state');
  t.notMatch(foreign.body, /CompliancePackReports\//, 'nor its link');
});

t.test('safe defaults: loopback only, unless the container image says otherwise', async (t) => {
  t.equal(defaultConfig().host, '127.0.0.1', 'the default host is 127.0.0.1');
  t.equal(resolveConfig({}).host, '127.0.0.1', 'with no environment');
  t.equal(resolveConfig({ CONFIG_EMULATOR_HOST: '0.0.0.0' }).host, '0.0.0.0', 'CONFIG_EMULATOR_HOST opts in to all interfaces');
  const dockerfile = readFileSync(path.join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /CONFIG_EMULATOR_HOST=0\.0\.0\.0/, 'only the container image binds 0.0.0.0');
  const running = await startEmulator({ fixtures: 'none', logLevel: 'silent' });
  t.teardown(() => running.close());
  t.equal((running.emulator.app.server.address() as AddressInfo).address, '127.0.0.1', 'startEmulator() listens on 127.0.0.1');
  // Issue 6 adds the admin token for /_emulator routes; once it exists, health and ready stay open.
  const health = await fetch(`${running.url}/_emulator/health`);
  t.equal(health.status, 200, 'health is always open');
  const ready = await fetch(`${running.url}/_emulator/ready`);
  t.equal(ready.status, 200, 'ready is always open');
});

/** Every route of the app (method, path), read from fastify's route tree. */
function routesOf(em: Emulator): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of em.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2];
    stack[depth] = full;
    if (m[3]) out.push({ path: full, methods: m[3].split(', ') });
  }
  return out;
}

t.test('admin token: when set, every /_emulator route but health and ready needs it', async (t) => {
  if (!OPTIONS.some((o) => (o.key as string) === 'adminToken')) {
    t.pass('skipped: the admin token arrives with issue 6 (--admin-token); this test runs once it exists');
    return;
  }
  const em = await testApp(t, { config: { adminToken: 'test-admin-token' } as unknown as Partial<Config> });
  await em.app.ready();
  const control = routesOf(em).filter((r) => r.path.startsWith('/_emulator'));
  t.ok(control.length >= 2, `${control.length} control-plane routes`);
  const open = new Set(['/_emulator/health', '/_emulator/ready']);
  for (const r of control) {
    const url = r.path.replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');
    for (const method of r.methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS') as ('GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH')[]) {
      const before = await settledDump(em);
      const anon = await em.app.inject({ method, url, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
      const wrong = await em.app.inject({ method, url, headers: { authorization: 'Bearer nope' }, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
      if (open.has(r.path)) {
        t.equal(anon.statusCode, 200, `${method} ${r.path} stays open`);
        continue;
      }
      t.ok([401, 403].includes(anon.statusCode), `${method} ${r.path} without the token: ${anon.statusCode}`);
      t.ok([401, 403].includes(wrong.statusCode), `${method} ${r.path} with a wrong token: ${wrong.statusCode}`);
      t.equal(dumpStore(em), before, `${method} ${r.path} refused and changed nothing`);
      const right = await em.app.inject({ method, url, headers: { authorization: 'Bearer test-admin-token' }, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
      t.notOk([401, 403].includes(right.statusCode), `${method} ${r.path} with the token gets past the check (${right.statusCode})`);
    }
  }
});
