/**
 * Evaluation follows writes through one mechanism (src/actions/index.ts): rule writes and account-group
 * membership changes re-evaluate the rules they touch, inside the request's transaction.
 */
import t from 'tap';
import { call, CREATE_DELAY_MS, DEMO, testApp } from './helpers.js';

const accountsOfResults = (em: Awaited<ReturnType<typeof testApp>>, ruleId: string) =>
  [...new Set((em.services.store.db.prepare('SELECT account_id FROM evaluation_results WHERE config_rule_id = ?').all(ruleId) as { account_id: number }[]).map((r) => r.account_id))].sort();

t.test('removing a member from a group drops its resources from the group rules at once', async (t) => {
  const em = await testApp(t);
  const rule = 'cr-a260626622af0005a1b2'; // oss-bucket-public-read-prohibited in the demo pack
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId, DEMO.managementAccountId, DEMO.aliceAccountId].sort());
  const members = JSON.stringify([DEMO.managementAccountId, DEMO.tomAccountId].map((id) => ({ AccountId: id, AccountType: 'ResourceDirectory' })));
  const res = await call(em, 'UpdateAggregator', { AggregatorId: DEMO.aggregatorId, AggregatorAccounts: members }, { method: 'POST' });
  t.equal(res.status, 200);
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId, DEMO.managementAccountId].sort(), "Alice's buckets are no longer evaluated");
});

t.test('deactivating a rule drops its results; deleting a rule forgets them', async (t) => {
  const em = await testApp(t);
  em.clock.advance(CREATE_DELAY_MS);
  const rule = 'cr-a260626622af0005a1b3';
  t.ok(accountsOfResults(em, rule).length > 0);
  const off = await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: DEMO.aggregatorId, ConfigRuleIds: rule });
  t.equal(off.status, 200);
  t.same(accountsOfResults(em, rule), [], 'an inactive rule keeps no results');
  await call(em, 'ActiveAggregateConfigRules', { AggregatorId: DEMO.aggregatorId, ConfigRuleIds: rule });
  t.ok(accountsOfResults(em, rule).length > 0, 'activated again: evaluated again');
});

t.test("a rule's account, name and tag-logic scopes decide what it evaluates", async (t) => {
  const em = await testApp(t);
  em.clock.advance(CREATE_DELAY_MS);
  const rule = 'cr-a260626622af0005a1b2'; // oss-bucket-public-read-prohibited in the demo pack
  const all = [DEMO.tomAccountId, DEMO.managementAccountId, DEMO.aliceAccountId].sort();
  const update = async (scope: Record<string, string>) => {
    const res = await call(em, 'UpdateAggregateConfigRule', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: rule, ...scope }, { method: 'POST' });
    t.equal(res.status, 200, JSON.stringify(scope));
  };
  const resources = () => (em.services.store.db.prepare('SELECT resource_name FROM evaluation_results WHERE config_rule_id = ? ORDER BY resource_name').all(rule) as { resource_name: string }[]).map((r) => r.resource_name);
  t.same(accountsOfResults(em, rule), all);
  await update({ ExcludeAccountIdsScope: String(DEMO.aliceAccountId) });
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId, DEMO.managementAccountId].sort(), 'ExcludeAccountIdsScope');
  await update({ ExcludeAccountIdsScope: '', AccountIdsScope: `${DEMO.aliceAccountId},${DEMO.tomAccountId}` });
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId, DEMO.aliceAccountId].sort(), 'AccountIdsScope');
  await update({ AccountIdsScope: '' });
  t.same(accountsOfResults(em, rule), all, 'cleared: every member again');
  const [first, second] = resources();
  await update({ ResourceNameScope: `${first},${second}` });
  t.same(resources(), [first, second], 'ResourceNameScope');
  await update({ ResourceNameScope: '' });
  const tagged = (em.services.store.db.prepare("SELECT resource_id, tags_json FROM resources WHERE resource_type = 'ACS::OSS::Bucket' AND tags_json <> '{}'").all() as { resource_id: string; tags_json: string }[])
    .map((r) => ({ id: r.resource_id, tags: JSON.parse(r.tags_json) as Record<string, string> }))
    .find((r) => Object.keys(r.tags).length >= 2);
  if (!tagged) throw new Error('the demo fixtures have no bucket with two tags');
  const [[k1, v1], [k2, v2]] = Object.entries(tagged.tags);
  const pairs = JSON.stringify([{ TagKey: k1, TagValue: v1 }, { TagKey: k2, TagValue: `${v2}-not` }]);
  await update({ TagsScope: pairs });
  const anyCount = resources().length;
  await update({ TagKeyLogicScope: 'AND' });
  t.same(resources(), [], 'AND: no bucket has both pairs');
  await update({ TagsScope: JSON.stringify([{ TagKey: k1, TagValue: v1 }, { TagKey: k2, TagValue: v2 }]) });
  const both = resources();
  const name = (em.services.store.db.prepare('SELECT resource_name FROM resources WHERE resource_id = ?').get(tagged.id) as { resource_name: string }).resource_name;
  t.ok(both.includes(name), 'AND: the bucket with both pairs is evaluated');
  const tagsOf = (resourceName: string) => JSON.parse((em.services.store.db.prepare("SELECT tags_json FROM resources WHERE resource_type = 'ACS::OSS::Bucket' AND resource_name = ?").get(resourceName) as { tags_json: string }).tags_json) as Record<string, string>;
  t.ok(both.every((n) => tagsOf(n)[k1] === v1 && tagsOf(n)[k2] === v2), 'and no bucket without them');
  await update({ TagsScope: pairs });
  await update({ TagKeyLogicScope: '' });
  t.equal(resources().length, anyCount, "TagKeyLogicScope='' is the default again (OR)");
  t.ok(anyCount > 0);
});

t.test("a pack's update keeps the scope fields its rules were given themselves", async (t) => {
  const em = await testApp(t);
  em.clock.advance(CREATE_DELAY_MS);
  const rule = 'cr-a260626622af0005a1b2'; // oss-bucket-public-read-prohibited in the demo pack
  const pack = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };
  const res = await call(em, 'UpdateAggregateConfigRule', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: rule, AccountIdsScope: String(DEMO.tomAccountId) }, { method: 'POST' });
  t.equal(res.status, 200);
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId]);
  t.equal((await call(em, 'UpdateAggregateCompliancePack', { ...pack, ExcludeResourceIdsScope: 'no-such-id' }, { method: 'POST' })).status, 200);
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId], 'a pack scope update keeps the rule\'s AccountIdsScope');
  const got = (await call(em, 'GetAggregateConfigRule', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: rule })).json.ConfigRule;
  t.equal(got.AccountIdsScope, String(DEMO.tomAccountId));
  t.equal(got.ExcludeResourceIdsScope, 'no-such-id', 'and takes the pack\'s');
  type PackRule = { ManagedRuleIdentifier: string; ConfigRuleParameters: { ParameterName: string; ParameterValue: string }[] };
  const rules = (await call(em, 'GetAggregateCompliancePack', pack)).json.CompliancePack.ConfigRules as PackRule[];
  const same = JSON.stringify(rules.map((r) => ({ ManagedRuleIdentifier: r.ManagedRuleIdentifier, ConfigRuleParameters: r.ConfigRuleParameters.map(({ ParameterName, ParameterValue }) => ({ ParameterName, ParameterValue })) })));
  t.equal((await call(em, 'UpdateAggregateCompliancePack', { ...pack, ConfigRules: same }, { method: 'POST' })).status, 200);
  t.same(accountsOfResults(em, rule), [DEMO.tomAccountId], 'a rule updated in place by ConfigRules keeps it too');
});
