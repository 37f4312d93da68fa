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
