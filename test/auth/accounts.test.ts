/**
 * Accounts and credentials: the AccessKeyId decides the account; another account's resources answer
 * like missing ones; Config disabled -> AccountNotExisted; extra keys from --access-keys /
 * CONFIG_EMULATOR_ACCESS_KEYS.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { parseAccessKeys } from '../../src/auth/keys.js';
import { ConfigError, PACKAGE_ROOT } from '../../src/config.js';
import { DEMO, dumpStore, NOW, testApp } from '../helpers.js';
import { v1Call, v3Call } from './sign.js';

const strict = { config: { auth: 'strict' as const } };
const ALICE = DEMO.aliceKey;

t.test("Alice's key cannot see the management account's aggregator or pack: same error as a missing one", async (t) => {
  const em = await testApp(t, strict);
  const before = dumpStore(em);
  const cases: [string, Record<string, string>, string][] = [
    ['GetAggregator', { AggregatorId: DEMO.aggregatorId }, 'Invalid.AggregatorId.Value'],
    ['ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId }, 'Invalid.AggregatorId.Value'],
    ['GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, 'Invalid.AggregatorId.Value'],
    ['GenerateAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId }, 'Invalid.AggregatorId.Value'],
  ];
  for (const [action, params, code] of cases) {
    const foreign = await v1Call(em, action, params, ALICE, { now: NOW });
    const missing = await v1Call(em, action, { ...params, AggregatorId: 'ca-0000000000000000dead' }, ALICE, { now: NOW });
    t.equal(foreign.status, 400, `${action}: 400`);
    t.equal(foreign.json.Code, code, `${action}: ${code}`);
    t.equal(foreign.json.Message, missing.json.Message, `${action}: foreign answers exactly like missing`);
    t.equal(foreign.json.Code, missing.json.Code);
    const v3 = await v3Call(em, action, ALICE, { method: 'POST', body: params, now: NOW });
    t.equal(v3.json.Code, code, `${action} via V3 too`);
  }
  t.equal(dumpStore(em), before);
  const own = await v1Call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId }, DEMO.defaultKey, { now: NOW });
  t.equal(own.status, 200, 'the owner sees it');
});

t.test('an account without Config enabled answers AccountNotExisted 404 (strict and warn)', async (t) => {
  for (const auth of ['strict', 'warn'] as const) {
    const em = await testApp(t, { config: { auth } });
    em.services.store.accounts.upsert({ accountId: DEMO.tomAccountId, accountName: 'Tom', configEnabled: false });
    const tom = { id: 'LTAI5tEmulatorTomKey', secret: 'EmulatorTomSecret000000000000000' };
    const res = await v1Call(em, 'ListAggregators', { MaxResults: '10' }, tom, { now: NOW });
    t.equal(res.status, 404, auth);
    t.equal(res.json.Code, 'AccountNotExisted');
    t.equal(res.json.Message, 'Your account does not exist.');
  }
});

t.test('extra access keys: new accounts are created with Config enabled; keys may join existing accounts', async (t) => {
  const em = await testApp(t, { config: { auth: 'strict', accessKeys: ' LTAI5tNewKey:NewSecret123:1234567890123456 , LTAI5tAlice2:Alice2Secret:1713220985231234,' } });
  const account = em.services.store.accounts.get(1234567890123456);
  t.same(account, { accountId: 1234567890123456, accountName: '', configEnabled: true });
  const fresh = await v3Call(em, 'ListAggregators', { id: 'LTAI5tNewKey', secret: 'NewSecret123' }, { query: { MaxResults: '10' }, now: NOW });
  t.equal(fresh.status, 200);
  t.same(fresh.json.AggregatorsResult.Aggregators, []);
  const alice2 = await v1Call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId }, { id: 'LTAI5tAlice2', secret: 'Alice2Secret' }, { now: NOW });
  t.equal(alice2.json.Code, 'Invalid.AggregatorId.Value', 'the second key acts as Alice');
  t.equal((await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEMO.defaultKey, { now: NOW })).status, 200, 'fixture keys still work');
});

t.test('extra access keys with no fixtures', async (t) => {
  const em = await testApp(t, { config: { auth: 'strict', fixtures: 'none', accessKeys: 'AK1:S1:42' } });
  t.equal((await v1Call(em, 'ListAggregators', { MaxResults: '10' }, { id: 'AK1', secret: 'S1' }, { now: NOW })).status, 200);
  t.equal((await v1Call(em, 'ListAggregators', { MaxResults: '10' }, DEMO.defaultKey, { now: NOW })).status, 200, 'the default key exists too');
});

t.test('malformed access-keys lists are ConfigErrors that name the entry, never the secret', async (t) => {
  t.same(parseAccessKeys(''), []);
  t.same(parseAccessKeys('a:b:1'), [{ accessKeyId: 'a', secret: 'b', accountId: 1 }]);
  const bad: [string, RegExp][] = [
    ['AK1:TopSecret', /entry 1 must be id:secret:accountId \(found 2 fields\)/],
    ['AK1:TopSecret:1:2', /found 4 fields/],
    ['AK1:TopSecret:12ab', /entry 1 \(AK1\): the account id must be a positive whole number, got "12ab"/],
    ['AK1:TopSecret:0', /positive whole number/],
    ['ok:s:1,:TopSecret:1', /entry 2: the access key id/],
    ['AK1::1', /the secret must be non-empty/],
    ['AK1:TopSecret:1,AK1:TopSecret:2', /AK1 is listed twice/],
  ];
  for (const [raw, message] of bad) {
    t.throws(() => parseAccessKeys(raw), message, raw.replace(/TopSecret/g, '***'));
    try {
      parseAccessKeys(raw);
    } catch (err) {
      t.ok(err instanceof ConfigError);
      t.notMatch((err as Error).message, /TopSecret/, 'the secret is not echoed');
    }
  }
  const started = await buildApp({ config: { db: ':memory:', accessKeys: 'nope' } }).then(
    (em) => em.app.close().then(() => undefined),
    (err: unknown) => err,
  );
  t.ok(started instanceof ConfigError, 'buildApp refuses to start with a ConfigError');
});

t.test('the CLI exits 2 with a clear message for a malformed CONFIG_EMULATOR_ACCESS_KEYS', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'main.ts'), '--port', '0'], {
    env: { ...process.env, CONFIG_EMULATOR_ACCESS_KEYS: 'AK1:TopSecret' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.equal(r.status, 2, r.stderr);
  t.match(r.stderr, /access-keys \(CONFIG_EMULATOR_ACCESS_KEYS\): entry 1 must be id:secret:accountId/);
  t.notMatch(r.stderr, /TopSecret/);
});

t.test('STS: a SecurityToken parameter is accepted (and signed); the AccessKeyId decides the account', async (t) => {
  const em = await testApp(t, strict);
  const res = await v1Call(em, 'ListAggregators', { MaxResults: '10', SecurityToken: 'CAIS-anything' }, ALICE, { now: NOW });
  t.equal(res.status, 200);
  t.same(res.json.AggregatorsResult.Aggregators, [], 'Alice');
});
