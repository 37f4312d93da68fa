import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { DEFAULT_FIXTURES } from '../src/config.js';
import { FixtureError, loadFixtures } from '../src/state/fixtures.js';
import { call, DEMO, dumpStore, testApp, type TestEmulator } from './helpers.js';
import { createAggregator, createPack, ctl, withoutRequestId } from './control-helpers.js';

const { $schema: _schema, ...demo } = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'));

t.test('GET /_emulator/state exports the state in the fixture format', async (t) => {
  const em = await testApp(t);
  const res = await ctl(em, 'GET', '/_emulator/state');
  t.equal(res.status, 200);
  t.same(Object.keys(res.json), ['accounts', 'aggregators', 'compliancePacks', 'reports', 'resources']);
  t.match(res.json, demo, 'a fresh emulator exports (a superset of) the fixtures it loaded');
  const alice = await ctl(em, 'GET', `/_emulator/state?accountId=${DEMO.aliceAccountId}`);
  t.same(alice.json.accounts.map((a: { accountId: number }) => a.accountId), [DEMO.aliceAccountId]);
  t.same(alice.json.aggregators, []);
});

/** Calls whose answers must be identical on two emulators holding the same state. */
async function answers(em: TestEmulator, ids: { aggregators: string[]; packs: [string, string][] }) {
  const out: unknown[] = [];
  out.push(withoutRequestId((await call(em, 'ListAggregators', { MaxResults: 100 })).json));
  out.push(withoutRequestId((await call(em, 'ListAggregators', { MaxResults: 1 })).json));
  for (const a of ids.aggregators) {
    out.push(withoutRequestId((await call(em, 'GetAggregator', { AggregatorId: a })).json));
    out.push(withoutRequestId((await call(em, 'ListAggregateCompliancePacks', { AggregatorId: a, PageSize: 100 })).json));
  }
  for (const [a, p] of ids.packs) {
    out.push(withoutRequestId((await call(em, 'GetAggregateCompliancePack', { AggregatorId: a, CompliancePackId: p })).json));
    out.push(withoutRequestId((await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: a, CompliancePackId: p })).json));
  }
  return out;
}

t.test('export, then import into a fresh emulator, reproduces identical answers', async (t) => {
  const a = await testApp(t);
  const agg = await createAggregator(a, 'exported group', { tags: { env: 'test', team: 'sec' } });
  const pack = await createPack(a, agg, 'exported pack');
  await call(a, 'GenerateAggregateCompliancePackReport', { AggregatorId: agg, CompliancePackId: pack });
  await ctl(a, 'POST', '/_emulator/lifecycle', { compliancePacks: { mode: 'delay', delayMs: 5000 } });
  const creating = await createPack(a, agg, 'still creating');
  const exported = (await ctl(a, 'GET', '/_emulator/state')).json;

  const b = await testApp(t, { config: { fixtures: 'none' } });
  const imported = await ctl(b, 'POST', '/_emulator/state', exported);
  t.equal(imported.status, 200);
  t.match(imported.json, { mode: 'replace', loaded: { accounts: 3, aggregators: 2, compliancePacks: 3, configRules: 13, reports: 2 } });
  t.same((await ctl(b, 'GET', '/_emulator/state')).json, exported, 'the re-export is the same document');

  const ids = { aggregators: [DEMO.aggregatorId, agg], packs: [[DEMO.aggregatorId, DEMO.compliancePackId], [agg, pack], [agg, creating]] as [string, string][] };
  const before = await answers(a, ids);
  t.same(await answers(b, ids), before, 'same answers right after the import');
  t.match(JSON.stringify(before), /"ReportStatus":"CREATING"/);
  t.match(JSON.stringify(before), /"Status":"CREATING"/);
  // ... and the same once time moves on (reports complete, the pack becomes active).
  a.clock.advance(10_000);
  b.clock.advance(10_000);
  const later = await answers(a, ids);
  t.same(await answers(b, ids), later, 'same answers after the clock moved');
  t.notMatch(JSON.stringify(later), /CREATING/);
});

t.test('POST /_emulator/state?mode=merge adds to the state; replace (the default) replaces it', async (t) => {
  const em = await testApp(t);
  const doc = {
    accounts: [{ accountId: 1234567890123456, accountName: 'Merged', accessKeys: [{ accessKeyId: 'LTAI5tMerged', accessKeySecret: 'MergedSecret' }] }],
    aggregators: [{ aggregatorId: 'ca-0000000000000000aaaa', accountId: 1234567890123456, aggregatorName: 'merged', createdAt: 1700000000000, members: [{ accountId: 1234567890123456 }] }],
  };
  const merged = await ctl(em, 'POST', '/_emulator/state?mode=merge', doc);
  t.equal(merged.status, 200);
  t.match(merged.json, { mode: 'merge', loaded: { accounts: 1, aggregators: 1 } });
  let state = (await ctl(em, 'GET', '/_emulator/state')).json;
  t.equal(state.accounts.length, 4);
  t.same(state.aggregators.map((g: { aggregatorId: string }) => g.aggregatorId), [DEMO.aggregatorId, 'ca-0000000000000000aaaa']);
  const asMerged = await call(em, 'ListAggregators', { MaxResults: 10, AccessKeyId: 'LTAI5tMerged' });
  t.same(asMerged.json.AggregatorsResult.Aggregators.map((g: { AggregatorName: string }) => g.AggregatorName), ['merged']);

  const replaced = await ctl(em, 'POST', '/_emulator/state', doc);
  t.equal(replaced.json.mode, 'replace');
  state = (await ctl(em, 'GET', '/_emulator/state')).json;
  t.same(state.accounts.map((a: { accountId: number }) => a.accountId), [1234567890123456], 'only the document\'s account (which now holds the default key)');
  t.same(state.aggregators.map((g: { aggregatorId: string }) => g.aggregatorId), ['ca-0000000000000000aaaa']);
  // Reset still goes back to the fixtures loaded at start.
  await ctl(em, 'POST', '/_emulator/reset');
  t.same((await ctl(em, 'GET', '/_emulator/state')).json.aggregators.map((g: { aggregatorId: string }) => g.aggregatorId), [DEMO.aggregatorId]);
});

t.test('a bad document fails with the file, the path and the problem, and changes nothing', async (t) => {
  const em = await testApp(t);
  await createAggregator(em, 'precious');
  const before = dumpStore(em);
  const cases: [string, unknown, string, RegExp][] = [
    ['replace', { aggregators: [{ aggregatorId: 'ca-1', accountId: 42, aggregatorName: 'x', createdAt: 1, members: [] }] }, '$.aggregators[0].accountId', /account 42 is not defined/],
    ['merge', { accounts: 5 }, '$.accounts', /must be an array/],
    ['replace', { accounts: [{ accountId: 1 }], compliancePacks: [{ compliancePackId: 'cp-1', accountId: 1, compliancePackName: 'p', createdAt: 1, configRules: [{ configRuleId: 'cr-1', managedRuleIdentifier: 'no-such-rule' }] }] }, '$.compliancePacks[0].configRules[0].managedRuleIdentifier', /unknown managed rule "no-such-rule"/],
    ['replace', { accounts: [{ accountId: 1 }], widgets: [] }, '$.widgets', /unknown section/],
    ['replace', [1, 2], '$', /must be a JSON object/],
    ['merge', { accounts: [null] }, '$.accounts[0]', /must be an object/],
    // Ids defined twice in one document (a member twice was a 500 from the database).
    ['replace', { accounts: [{ accountId: 1 }, { accountId: 1 }] }, '$.accounts[1].accountId', /duplicate account 1/],
    ['merge', { accounts: [{ accountId: 1 }], aggregators: [{ aggregatorId: 'ca-1', accountId: 1, aggregatorName: 'x', createdAt: 1, members: [{ accountId: 1 }, { accountId: 1 }] }] }, '$.aggregators[0].members[1].accountId', /duplicate member 1/],
    ['replace', { accounts: [{ accountId: 1 }], compliancePacks: [1, 2].map((n) => ({ compliancePackId: 'cp-1', accountId: 1, compliancePackName: `p${n}`, createdAt: 1, configRules: [] })) }, '$.compliancePacks[1].compliancePackId', /duplicate compliance pack cp-1/],
    ['replace', { accounts: [{ accountId: 1 }], compliancePacks: [1, 2].map((n) => ({ compliancePackId: `cp-${n}`, accountId: 1, compliancePackName: `p${n}`, createdAt: 1, configRules: [{ configRuleId: 'cr-1', managedRuleIdentifier: 'eip-bandwidth-limit' }] })) }, '$.compliancePacks[1].configRules[0].configRuleId', /duplicate config rule cr-1/],
    // Times past year 9999 have no ISO text (the console printed them with a 500).
    ['replace', { accounts: [{ accountId: 1 }], aggregators: [{ aggregatorId: 'ca-1', accountId: 1, aggregatorName: 'x', createdAt: 9000000000000000, members: [] }] }, '$.aggregators[0].createdAt', /at most year 9999/],
    // A pack on an account group belongs to the group's owner.
    ['replace', { accounts: [{ accountId: 1 }, { accountId: 2 }], aggregators: [{ aggregatorId: 'ca-1', accountId: 1, aggregatorName: 'x', createdAt: 1, members: [] }], compliancePacks: [{ compliancePackId: 'cp-1', accountId: 2, aggregatorId: 'ca-1', compliancePackName: 'p', createdAt: 1, configRules: [] }] }, '$.compliancePacks[0].accountId', /must be the account that owns aggregator ca-1/],
  ];
  for (const [mode, doc, at, problem] of cases) {
    const res = await ctl(em, 'POST', `/_emulator/state?mode=${mode}`, doc);
    t.equal(res.status, 400, `${at}: 400`);
    t.equal(res.json.error.code, 'InvalidFixtures');
    t.equal(res.json.error.file, 'POST /_emulator/state body');
    t.equal(res.json.error.path, at);
    t.match(res.json.error.problem, problem);
    t.match(res.json.error.message, `POST /_emulator/state body: ${at}: `);
    t.equal(dumpStore(em), before, `${at}: nothing changed (${mode})`);
  }
  const noBody = await ctl(em, 'POST', '/_emulator/state');
  t.equal(noBody.status, 400);
  const badMode = await ctl(em, 'POST', '/_emulator/state?mode=upsert', {});
  t.equal(badMode.status, 400);
  t.equal(dumpStore(em), before);
});

t.test('bad fixtures at start fail with the file, the path and the problem', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-emu-'));
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ accounts: [{ accountId: 1 }], aggregators: [{ aggregatorId: 'ca-1', accountId: 1, aggregatorName: '', createdAt: 1, members: [] }] }));
  const err = await buildApp({ config: { fixtures: bad } }).catch((e: unknown) => e);
  t.ok(err instanceof FixtureError);
  t.equal((err as FixtureError).file, bad);
  t.equal((err as FixtureError).at, '$.aggregators[0].aggregatorName');
  t.match((err as FixtureError).message, `${bad}: $.aggregators[0].aggregatorName: must be a non-empty string`);
  const notJson = path.join(dir, 'broken.json');
  writeFileSync(notJson, '{"accounts": [');
  const err2 = await buildApp({ config: { fixtures: notJson } }).catch((e: unknown) => e);
  t.ok(err2 instanceof FixtureError);
  t.match((err2 as FixtureError).message, `${notJson}: $: not valid JSON`);
});

t.test('an export loads again: resources without a time, rules with their catalog defaults and triggers', async (t) => {
  const em = await testApp(t);
  const doc = {
    accounts: [{ accountId: 1, accessKeys: [{ accessKeyId: 'LTAI5tRoundTrip', accessKeySecret: 'RoundTripSecret' }] }],
    compliancePacks: [{ compliancePackId: 'cp-1', accountId: 1, compliancePackName: 'p', createdAt: 1, configRules: [{ configRuleId: 'cr-1', managedRuleIdentifier: 'root-mfa-check' }, { configRuleId: 'cr-2', managedRuleIdentifier: 'eip-bandwidth-limit' }] }],
    resources: [{ accountId: 1, regionId: 'cn-hangzhou', resourceType: 'ACS::EIP::EipAddress', resourceId: 'eip-1', configuration: { Bandwidth: 5 } }],
  };
  t.equal((await ctl(em, 'POST', '/_emulator/state', doc)).status, 200);
  const exported = (await ctl(em, 'GET', '/_emulator/state')).json;
  t.notOk('createdAt' in exported.resources[0], 'a resource loaded without a time is exported without one');
  const rules = exported.compliancePacks[0].configRules;
  t.same(rules.find((r: { configRuleId: string }) => r.configRuleId === 'cr-2').inputParameters, { bandwidth: '10' }, 'the catalog default is filled in, as the API does');
  const again = await ctl(em, 'POST', '/_emulator/state', exported);
  t.equal(again.status, 200, 'the export loads again');
  t.same((await ctl(em, 'GET', '/_emulator/state')).json, exported, 'and exports the same');
  const rule = em.services.store.rules.get('cr-1')!;
  t.match(rule, { triggerTypes: 'ConfigurationItemChangeNotification,ScheduledNotification', maximumExecutionFrequency: 'TwentyFour_Hours' }, 'the managed rule\'s triggers and frequency');
});

t.test('a custom-function rule attached to a pack is left out of the export, which loads again', async (t) => {
  const em = await testApp(t);
  const created = await call(em, 'CreateAggregateConfigRule', {
    AggregatorId: DEMO.aggregatorId, ConfigRuleName: 'fc', SourceOwner: 'CUSTOM_FC', SourceIdentifier: 'acs:fc:cn-hangzhou:1009318965421234:services/s/functions/f',
    ConfigRuleTriggerTypes: 'ConfigurationItemChangeNotification', ResourceTypesScope: 'ACS::OSS::Bucket', RiskLevel: 1,
  }, { method: 'POST' });
  t.equal(created.status, 200, created.body);
  const attach = await call(em, 'AttachAggregateConfigRuleToCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId, ConfigRuleIds: created.json.ConfigRuleId }, { method: 'POST' });
  t.equal(attach.status, 200, attach.body);
  const exported = (await ctl(em, 'GET', '/_emulator/state')).json;
  t.notOk(JSON.stringify(exported).includes('acs:fc:'), 'not in the export');
  t.equal((await ctl(em, 'POST', '/_emulator/state', exported)).status, 200, 'the export loads again');
});

t.test('a merge that redefines a group or a pack replaces their tags, and drops the tags of the rules it drops', async (t) => {
  const em = await testApp(t);
  const state = (await ctl(em, 'GET', '/_emulator/state')).json;
  const group = state.aggregators[0];
  const pack = state.compliancePacks[0];
  t.equal((await call(em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': pack.configRules[0].configRuleId, Tag: '[{"Key":"old","Value":"r"}]' })).status, 200);
  const doc = {
    aggregators: [{ ...group, tags: { fresh: 'g' } }],
    compliancePacks: [{ ...pack, tags: { fresh: 'p' }, configRules: pack.configRules.slice(1) }],
  };
  t.equal((await ctl(em, 'POST', '/_emulator/state?mode=merge', doc)).status, 200);
  const after = (await ctl(em, 'GET', '/_emulator/state')).json;
  t.same(after.aggregators[0].tags, { fresh: 'g' }, 'the group has the document\'s tags only');
  t.same(after.compliancePacks[0].tags, { fresh: 'p' }, 'the pack too');
  const ruleTags = await call(em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule' });
  t.same(ruleTags.json.TagResources.TagResource, [], 'no tag of a rule that no longer exists');
});

t.test('across the files of a directory, a pack still belongs to its group\'s owner', async (t) => {
  const em = await testApp(t);
  const before = dumpStore(em);
  const a = { accounts: [{ accountId: 1 }, { accountId: 2 }], aggregators: [{ aggregatorId: 'ca-1', accountId: 1, aggregatorName: 'x', createdAt: 1, members: [] }] };
  const b = { compliancePacks: [{ compliancePackId: 'cp-2', accountId: 2, aggregatorId: 'ca-1', compliancePackName: 'p', createdAt: 1, configRules: [] }] };
  t.throws(() => loadFixtures(em.services.store, [{ file: 'a.json', fixtures: a }, { file: 'b.json', fixtures: b }]), { name: 'FixtureError', message: /b\.json: \$\.compliancePacks\[0\]\.accountId: must be the account that owns aggregator ca-1/ });
  t.equal(dumpStore(em), before, 'nothing written');
});
