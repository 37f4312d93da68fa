/**
 * The engine over the store: which resources a rule reaches (accounts, types, scopes), when results
 * are replaced or cleared, and the fixtures' resources section.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bundledCatalog } from '../src/catalog.js';
import { evaluateAccount, evaluateAll, evaluatePack, evaluateRule, forgetRule, inScope } from '../src/engine/index.js';
import { ruleCompliance, wireRuleCompliance } from '../src/engine/rollup.js';
import { FixtureError, loadFixtures, type Fixtures } from '../src/state/fixtures.js';
import { Store, type ConfigRule, type InventoryResource } from '../src/store/index.js';
import { DEMO, NOW } from './helpers.js';

const catalog = bundledCatalog();
const M = DEMO.managementAccountId;
const A = DEMO.aliceAccountId;
const T = DEMO.tomAccountId;

function demoStore(): Store {
  const store = Store.open(':memory:');
  const demo = JSON.parse(readFileSync(new URL('../fixtures/demo.json', import.meta.url), 'utf8')) as Fixtures;
  loadFixtures(store, [{ file: 'demo.json', fixtures: demo }], { catalog, now: NOW });
  return store;
}

function rule(over: Partial<ConfigRule>): ConfigRule {
  return {
    configRuleId: 'cr-test000000000000000001', accountId: M, aggregatorId: DEMO.aggregatorId, compliancePackId: '', name: 'test', description: '',
    sourceOwner: 'ALIYUN', sourceIdentifier: 'oss-bucket-public-read-prohibited', riskLevel: 1, inputParameters: {}, scope: {},
    triggerTypes: 'ConfigurationItemChangeNotification', maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: NOW, modifiedAt: NOW, ...over,
  };
}
const services = (store: Store) => ({ store, catalog });
const ids = (store: Store, id = 'cr-test000000000000000001') => store.evaluations.byRule(id).map((r) => r.resourceId).sort();

t.test('an aggregate rule reaches every member account; a single-account rule only its owner', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const agg = rule({});
  store.rules.insert(agg);
  evaluateRule(services(store), agg, NOW);
  t.same(ids(store), ['alice-data-lake', 'alice-public-assets', 'demo-mgmt-logs', 'demo-mgmt-website', 'tom-backups', 'tom-share']);
  t.ok(store.evaluations.byRule(agg.configRuleId).every((r) => r.evaluatedAt === NOW && r.riskLevel === 1));

  const own = rule({ configRuleId: 'cr-test000000000000000002', accountId: A, aggregatorId: '' });
  store.rules.insert(own);
  evaluateRule(services(store), own, NOW);
  t.same(ids(store, own.configRuleId), ['alice-data-lake', 'alice-public-assets']);
  t.equal(ruleCompliance(store, own).complianceType, 'NON_COMPLIANT');
  t.same(wireRuleCompliance(store, own), { ComplianceType: 'NON_COMPLIANT', Count: 1 });
});

t.test('scopes: types, regions (global kept), groups, ids, tags and their exclusions', async (t) => {
  const r: InventoryResource = {
    accountId: M, regionId: 'cn-hangzhou', resourceType: 'ACS::OSS::Bucket', resourceId: 'b1', resourceName: 'b1', resourceGroupId: 'rg-1',
    tags: { env: 'prod', team: 'a' }, configuration: {}, createdAt: 0,
  };
  const g = { ...r, regionId: 'global' };
  t.ok(inScope({}, r));
  t.ok(inScope({ regionIdsScope: 'cn-shanghai, cn-hangzhou' }, r));
  t.notOk(inScope({ regionIdsScope: 'cn-shanghai' }, r));
  t.ok(inScope({ regionIdsScope: 'cn-shanghai' }, g), 'global resources ignore region scopes');
  t.notOk(inScope({ excludeRegionIdsScope: 'cn-hangzhou' }, r));
  t.ok(inScope({ resourceGroupIdsScope: 'rg-1,rg-2' }, r));
  t.notOk(inScope({ resourceGroupIdsScope: 'rg-2' }, r));
  t.notOk(inScope({ excludeResourceGroupIdsScope: 'rg-1' }, r));
  t.ok(inScope({ resourceIdsScope: 'b1' }, r));
  t.notOk(inScope({ resourceIdsScope: 'b2' }, r));
  t.notOk(inScope({ excludeResourceIdsScope: 'b0,b1' }, r));
  t.ok(inScope({ tagKeyScope: 'env' }, r));
  t.ok(inScope({ tagKeyScope: 'env', tagValueScope: 'prod' }, r));
  t.notOk(inScope({ tagKeyScope: 'env', tagValueScope: 'dev' }, r));
  t.notOk(inScope({ excludeTagKeyScope: 'team' }, r));
  t.ok(inScope({ tagsScope: [{ tagKey: 'x', tagValue: '' }, { tagKey: 'team', tagValue: 'a' }] }, r), 'TagsScope: any pair');
  t.notOk(inScope({ tagsScope: [{ tagKey: 'team', tagValue: 'b' }] }, r));
  t.notOk(inScope({ excludeTagsScope: [{ tagKey: 'env', tagValue: 'prod' }] }, r));
  t.ok(inScope({ excludeTagsScope: [{ tagKey: 'env', tagValue: 'dev' }] }, r));
  const both = [{ tagKey: 'env', tagValue: 'prod' }, { tagKey: 'team', tagValue: 'b' }];
  t.ok(inScope({ tagsScope: both }, r), 'TagsScope, default logic OR: one pair is enough');
  t.ok(inScope({ tagsScope: both, tagKeyLogicScope: 'OR' }, r));
  t.notOk(inScope({ tagsScope: both, tagKeyLogicScope: 'AND' }, r), 'TagKeyLogicScope AND: every pair');
  t.ok(inScope({ tagsScope: [{ tagKey: 'env', tagValue: 'prod' }, { tagKey: 'team', tagValue: 'a' }], tagKeyLogicScope: 'and' }, r));
  t.ok(inScope({ accountIdsScope: `1, ${M}` }, r), 'AccountIdsScope: the resource\'s account is listed');
  t.notOk(inScope({ accountIdsScope: '1,2' }, r));
  t.notOk(inScope({ excludeAccountIdsScope: `${M}` }, r), 'ExcludeAccountIdsScope');
  t.ok(inScope({ excludeAccountIdsScope: '1' }, r));
  t.ok(inScope({ resourceNameScope: 'a1, b1' }, r), 'ResourceNameScope: exact names, comma list');
  t.notOk(inScope({ resourceNameScope: 'b' }, r));
  t.ok(inScope({ folderIdsScope: 'fd-x', excludeFolderIdsScope: 'fd-y' }, r), 'folder scopes are kept, not applied (no folders here)');
  t.ok(inScope({ tagKeyScope: 'x, env' }, r), 'TagKeyScope as a comma list of keys: any one (OR)');
  t.notOk(inScope({ tagKeyScope: 'x,env', tagKeyLogicScope: 'AND' }, r), 'AND: every key');
  t.ok(inScope({ tagKeyScope: 'env,team', tagKeyLogicScope: 'AND' }, r));
  t.ok(inScope({ tagKeyScope: 'env,team', tagValueScope: 'prod' }, r), 'each key with TagValueScope: env=prod matches');
  t.notOk(inScope({ tagKeyScope: 'env,team', tagValueScope: 'prod', tagKeyLogicScope: 'AND' }, r), 'team is not prod');

  const store = demoStore();
  t.teardown(() => store.close());
  const scoped = rule({ scope: { regionIdsScope: 'cn-hangzhou', excludeResourceIdsScope: 'tom-share', tagKeyScope: 'env' } });
  store.rules.insert(scoped);
  evaluateRule(services(store), scoped, NOW);
  t.same(ids(store), ['alice-data-lake', 'demo-mgmt-logs'], 'only hangzhou, tagged env, minus the excluded id');
  const typed = rule({ configRuleId: 'cr-test000000000000000003', sourceIdentifier: 'required-tags', inputParameters: { tag1Key: 'env' }, scope: { resourceTypesScope: ['ACS::RDS::DBInstance'] } });
  store.rules.insert(typed);
  evaluateRule(services(store), typed, NOW);
  t.same(ids(store, typed.configRuleId), ['rm-bp1demoalice000002', 'rm-bp1demomgmt0000001', 'rm-t4ndemoalice000003', 'rm-uf6demotom00000004'], 'ResourceTypesScope narrows the types');
});

t.test('inactive rules and rules without an evaluator keep no results', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const r = rule({});
  store.rules.insert(r);
  t.equal(evaluateRule(services(store), r, NOW).results, 6);
  const off = { ...r, state: 'INACTIVE' as const };
  store.rules.update(off);
  t.same(evaluateRule(services(store), off, NOW), { configRuleId: r.configRuleId, evaluated: false, results: 0 });
  t.equal(store.evaluations.byRule(r.configRuleId).length, 0);
  t.same(ruleCompliance(store, off), { complianceType: 'NOT_APPLICABLE', nonCompliantResources: 0, evaluatedResources: 0, counts: { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0, INSUFFICIENT_DATA: 0 } }, 'a disabled rule applies to nothing');
  const none = rule({ configRuleId: 'cr-test000000000000000004', sourceIdentifier: 'slb-acl-public-access-check' });
  store.rules.insert(none);
  t.equal(evaluateRule(services(store), none, NOW).evaluated, false, 'slb-acl-public-access-check has no evaluator');
  t.equal(ruleCompliance(store, none).complianceType, 'INSUFFICIENT_DATA');
  store.rules.update({ ...off, state: 'ACTIVE' });
  evaluateRule(services(store), { ...off, state: 'ACTIVE' }, NOW);
  forgetRule(services(store), r.configRuleId);
  t.equal(store.evaluations.byRule(r.configRuleId).length, 0, 'forgetRule drops the results');
});

t.test('an inventory change is picked up by evaluateAccount, at the given time', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const before = store.evaluations.byRule('cr-a260626622af0005a1b2').find((r) => r.resourceId === 'tom-share')!;
  t.equal(before.complianceType, 'NON_COMPLIANT');
  const bucket = store.resources.get(T, 'ACS::OSS::Bucket', 'tom-share')!;
  store.resources.upsert({ ...bucket, configuration: { ...bucket.configuration, AccessControlList: { Grant: 'private' } } });
  const runs = evaluateAccount(services(store), T, NOW + 1000);
  t.ok(runs.length >= 9, 'every demo rule reaches Tom');
  const after = store.evaluations.byRule('cr-a260626622af0005a1b2').find((r) => r.resourceId === 'tom-share')!;
  t.equal(after.complianceType, 'COMPLIANT');
  t.equal(after.evaluatedAt, NOW + 1000);
  t.same(evaluateAccount(services(store), 42, NOW), [], 'an account nobody watches');
  const pack = store.packs.get(DEMO.compliancePackId)!;
  t.equal(evaluatePack(services(store), pack, NOW).length, 9);
  t.equal(evaluateAll(services(store), NOW).length, 9);
});

t.test('fixtures: resources are validated with file, path and problem', async (t) => {
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  const base: Fixtures = { accounts: [{ accountId: 1 }] };
  const bad = (resources: unknown[], at: RegExp) => {
    try {
      loadFixtures(store, [{ file: 'f.json', fixtures: { ...base, resources } as Fixtures }]);
      t.fail(`expected ${at}`);
    } catch (e) {
      t.ok(e instanceof FixtureError, 'a FixtureError');
      t.match((e as Error).message, at);
    }
  };
  const ok = { accountId: 1, regionId: 'cn-hangzhou', resourceType: 'ACS::OSS::Bucket', resourceId: 'b', tags: {}, configuration: {} };
  bad([{ ...ok, accountId: 2 }], /^f\.json: \$\.resources\[0\]\.accountId: account 2 is not defined/);
  bad([{ ...ok, resourceType: 'bucket' }], /\$\.resources\[0\]\.resourceType: must match \^ACS::/);
  bad([{ ...ok, configuration: [] }], /\$\.resources\[0\]\.configuration: must be an object/);
  bad([{ ...ok, tags: { a: 1 } }], /\$\.resources\[0\]\.tags\.a: must be a string/);
  bad([ok, ok], /\$\.resources\[1\]\.resourceId: duplicate resource/);
  t.equal(store.resources.count(), 0, 'nothing was written');
  const summary = loadFixtures(store, [{ file: 'f.json', fixtures: { ...base, resources: [ok] } as Fixtures }]);
  t.equal(summary.resources, 1);
  t.same(store.resources.get(1, 'ACS::OSS::Bucket', 'b')?.resourceName, 'b', 'resourceName defaults to the id');
});

t.test('the demo inventory: three accounts, several regions, every type evaluable', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const all = [M, A, T].flatMap((a) => store.resources.byAccount(a));
  t.ok(all.length >= 40, `${all.length} resources`);
  t.same([...new Set(all.map((r) => r.regionId))].sort(), ['ap-southeast-1', 'cn-hangzhou', 'cn-shanghai', 'global']);
  const types = new Set(all.map((r) => r.resourceType));
  for (const type of types) t.ok(catalog.managedRules().some((m) => m.resourceTypes.includes(type)), `${type} has managed rules`);
  t.equal(store.rules.byPack(DEMO.compliancePackId).length, 9);
});

t.test('a run of several rules reads each account\'s resources of a type once, with the same results', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const dump = () => JSON.stringify(store.db.prepare('SELECT * FROM evaluation_results ORDER BY config_rule_id, account_id, resource_type, resource_id').all());
  const pack = store.packs.get(DEMO.compliancePackId)!;
  // Rule by rule, each reading the inventory itself.
  store.transaction(() => {
    for (const r of store.rules.byPack(pack.compliancePackId)) evaluateRule(services(store), r, NOW + 1000);
  });
  const oneByOne = dump();
  const reads: string[] = [];
  const original = store.resources.byAccountAndType.bind(store.resources);
  store.resources.byAccountAndType = (accountId, type) => {
    reads.push(`${accountId} ${type}`);
    return original(accountId, type);
  };
  store.transaction(() => evaluatePack(services(store), pack, NOW + 1000));
  t.equal(dump(), oneByOne, 'the same results');
  t.ok(reads.length > 0);
  t.equal(new Set(reads).size, reads.length, 'no (account, type) read twice');
  t.ok(store.rules.byPack(pack.compliancePackId).length > new Set(reads.map((r) => r.split(' ')[1])).size, 'more rules than types: reads were shared');
});

t.test('actiontrail rules judge the account: no trail at all is NON_COMPLIANT on the account; one intact trail covers the others', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const enabled = rule({ sourceIdentifier: 'actiontrail-enabled' });
  store.rules.insert(enabled);
  evaluateRule(services(store), enabled, NOW);
  const byAccount = (id: string) => new Map(store.evaluations.byRule(id).map((r) => [`${r.accountId} ${r.resourceType} ${r.resourceId}`, r.complianceType]));
  t.same(byAccount(enabled.configRuleId), new Map([
    [`${M} ACS::ActionTrail::Trail demo-org-trail`, 'COMPLIANT'],
    [`${A} ACS::::Account ${A}`, 'NON_COMPLIANT'],
    [`${T} ACS::ActionTrail::Trail tom-trail`, 'NON_COMPLIANT'],
  ]), 'Alice has no trail: her account itself is the result');
  t.match(JSON.parse(store.evaluations.byRule(enabled.configRuleId).find((r) => r.accountId === A)!.annotation), { reason: 'The account has no ActionTrail trail.' });
  // Without an ACS::::Account resource in the inventory, the account is still the result.
  store.resources.delete(A, 'ACS::::Account', String(A));
  evaluateRule(services(store), enabled, NOW);
  t.match(store.evaluations.byRule(enabled.configRuleId).find((r) => r.accountId === A), { resourceType: 'ACS::::Account', resourceId: String(A), regionId: 'global', complianceType: 'NON_COMPLIANT' });
  // The scope applies to the account too: a scope that takes in no trail and not the account gives no result.
  const scoped = rule({ configRuleId: 'cr-test000000000000000002', sourceIdentifier: 'actiontrail-enabled', scope: { resourceIdsScope: 'nothing-here' } });
  store.rules.insert(scoped);
  evaluateRule(services(store), scoped, NOW);
  t.same([...byAccount(scoped.configRuleId).keys()], [], 'nothing in scope, not even the accounts');
  // "No trail" is about the rule's own type, whatever its ResourceTypesScope says.
  const narrowed = rule({ configRuleId: 'cr-test000000000000000004', sourceIdentifier: 'actiontrail-enabled', scope: { resourceTypesScope: ['ACS::Demo::Nothing'] } });
  store.rules.insert(narrowed);
  evaluateRule(services(store), narrowed, NOW);
  t.same([...byAccount(narrowed.configRuleId).keys()], [`${A} ACS::::Account ${A}`], 'the accounts with a trail are not "without a trail"');

  // Tom gets a second, intact trail: his regional one is then covered.
  const intact = rule({ configRuleId: 'cr-test000000000000000003', sourceIdentifier: 'actiontrail-trail-intact-enabled' });
  store.rules.insert(intact);
  const tomTrail = store.resources.get(T, 'ACS::ActionTrail::Trail', 'tom-trail')!;
  evaluateRule(services(store), intact, NOW);
  t.equal(byAccount(intact.configRuleId).get(`${T} ACS::ActionTrail::Trail tom-trail`), 'NON_COMPLIANT', 'a regional trail alone');
  store.resources.upsert({ ...tomTrail, resourceId: 'tom-org-trail', resourceName: 'tom-org-trail', regionId: 'cn-hangzhou', configuration: { Status: 'Enable', TrailRegion: 'All', EventRW: 'All' } });
  evaluateRule(services(store), intact, NOW);
  t.same(byAccount(intact.configRuleId), new Map([
    [`${M} ACS::ActionTrail::Trail demo-org-trail`, 'COMPLIANT'],
    [`${A} ACS::::Account ${A}`, 'NON_COMPLIANT'],
    [`${T} ACS::ActionTrail::Trail tom-org-trail`, 'COMPLIANT'],
    [`${T} ACS::ActionTrail::Trail tom-trail`, 'NOT_APPLICABLE'],
  ]));
  // The intact trail covers the account even when the rule's scope leaves it out.
  const regional = rule({ configRuleId: 'cr-test000000000000000005', sourceIdentifier: 'actiontrail-trail-intact-enabled', scope: { regionIdsScope: tomTrail.regionId } });
  store.rules.insert(regional);
  evaluateRule(services(store), regional, NOW);
  t.equal(byAccount(regional.configRuleId).get(`${T} ACS::ActionTrail::Trail tom-trail`), 'NOT_APPLICABLE');
  t.notOk(byAccount(regional.configRuleId).has(`${T} ACS::ActionTrail::Trail tom-org-trail`), 'out of the scope itself');
});

t.test('ram-policy-no-statements-with-admin-access-check reads an attached custom policy from the account\'s policies', async (t) => {
  const store = demoStore();
  t.teardown(() => store.close());
  const base = { accountId: T, regionId: 'global', resourceGroupId: '', tags: {}, createdAt: 0 };
  store.resources.upsert({ ...base, resourceType: 'ACS::RAM::Policy', resourceId: 'oss-admin-custom', resourceName: 'oss-admin-custom',
    configuration: { PolicyName: 'oss-admin-custom', PolicyType: 'Custom', AttachmentCount: 1, PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) } });
  store.resources.upsert({ ...base, resourceType: 'ACS::RAM::User', resourceId: 'admin-by-custom', resourceName: 'admin-by-custom',
    configuration: { UserName: 'admin-by-custom', Policies: { Policy: [{ PolicyName: 'oss-admin-custom', PolicyType: 'Custom' }] } } });
  store.resources.upsert({ ...base, resourceType: 'ACS::RAM::User', resourceId: 'reader', resourceName: 'reader',
    configuration: { UserName: 'reader', Policies: { Policy: [{ PolicyName: 'tom-unused-policy', PolicyType: 'Custom' }] } } });
  const admin = rule({ sourceIdentifier: 'ram-policy-no-statements-with-admin-access-check', scope: { resourceTypesScope: ['ACS::RAM::User'] } });
  store.rules.insert(admin);
  evaluateRule(services(store), admin, NOW);
  const of = (id: string) => store.evaluations.byRule(admin.configRuleId).find((r) => r.resourceId === id)?.complianceType;
  t.equal(of('admin-by-custom'), 'NON_COMPLIANT', 'Allow * on * through a custom policy');
  t.equal(of('reader'), 'COMPLIANT', 'a custom policy without admin statements');
});
