/**
 * Kept List pages (listPacks in src/actions/aggregate-compliance-packs.ts): a page polled again is
 * the same answer object while its tables and its packs' statuses are the same, and it follows
 * every change: creates, updates, tags, deletes, failed writes, the clock moving either way.
 *
 * Each check compares the answer with one computed afresh: the same page asked with a PageSize
 * not used before (a key never kept), which must list the same packs with the same fields.
 */
import t, { type Test } from 'tap';
import type { ActionContext } from '../src/actions/define.js';
import { listPacks } from '../src/actions/aggregate-compliance-packs.js';
import { createPack, ctl } from './control-helpers.js';
import { call, CREATE_DELAY_MS, DEMO, NOW, testApp, type TestEmulator } from './helpers.js';

const AGG = DEMO.aggregatorId;

function pageOf(json: Record<string, any>) {
  const r = json.CompliancePacksResult;
  return { packs: r.CompliancePacks, total: r.TotalCount };
}

/** The page of 10, and the same page computed afresh (a PageSize never asked before). */
let freshSize = 11;
async function listed(t: Test, em: TestEmulator, params: Record<string, string | number> = {}) {
  const kept = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageSize: 10, ...params });
  t.equal(kept.status, 200, kept.body);
  const fresh = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageSize: freshSize++, ...params });
  t.same(pageOf(kept.json), pageOf(fresh.json), 'the kept page is what a fresh one says');
  return pageOf(kept.json);
}

t.test('the same page is the same answer object, frozen, until something it shows changes', async (t) => {
  const em = await testApp(t);
  const ctx = (over: Partial<ActionContext> = {}) => ({ store: em.services.store, accountId: DEMO.managementAccountId, now: NOW, ...over }) as ActionContext;
  const a = listPacks(ctx(), AGG, { PageSize: 10 });
  t.equal(listPacks(ctx(), AGG, { PageSize: 10 }), a, 'kept');
  t.ok(Object.isFrozen(a) && Object.isFrozen((a.CompliancePacksResult as { CompliancePacks: object[] }).CompliancePacks), 'frozen to the bottom');
  t.not(listPacks(ctx(), AGG, { PageSize: 9 }), a, 'another window');
  t.not(listPacks(ctx({ accountId: DEMO.aliceAccountId }), AGG, { PageSize: 10 }), a, 'another caller');
  t.not(listPacks(ctx(), AGG, { PageSize: 10, RiskLevel: 1 }), a, 'another filter');
  t.not(listPacks(ctx(), AGG, { PageSize: 10, Status: 'ACTIVE' }), listPacks(ctx(), AGG, { PageSize: 10, Status: 'ACTIVE' }), 'Status-filtered pages are never kept');
  em.services.store.tags.put({ resourceId: DEMO.compliancePackId, resourceType: 'ACS::Config::AggregateCompliancePack', accountId: DEMO.managementAccountId, key: 'k', value: 'v' });
  const b = listPacks(ctx(), AGG, { PageSize: 10 });
  t.not(b, a, 'a tag written: made anew');
  t.equal(listPacks(ctx(), AGG, { PageSize: 10 }), b);
});

t.test('through the API the page follows creates, updates, tags, deletes and failed writes', async (t) => {
  const em = await testApp(t);
  const before = await listed(t, em);
  const id = await createPack(em, AGG, 'kept-page-pack');
  let page = await listed(t, em);
  t.equal(page.total, before.total + 1, 'the create counts');
  t.ok(page.packs.some((p: { CompliancePackId: string }) => p.CompliancePackId === id), 'and shows');
  em.clock.advance(CREATE_DELAY_MS); // ready: it may be changed now

  const updated = await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: id, CompliancePackName: 'renamed', RiskLevel: 3 });
  t.equal(updated.status, 200, updated.body);
  page = await listed(t, em);
  t.match(page.packs.find((p: { CompliancePackId: string }) => p.CompliancePackId === id), { CompliancePackName: 'renamed', RiskLevel: 3 });
  t.same((await listed(t, em, { RiskLevel: 3 })).packs.map((p: { CompliancePackId: string }) => p.CompliancePackId).includes(id), true, 'a filtered page too');

  t.equal((await call(em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateCompliancePack', 'ResourceId.1': id, Tag: '[{"Key":"env","Value":"prod"}]' })).status, 200);
  page = await listed(t, em);
  t.same(page.packs.find((p: { CompliancePackId: string }) => p.CompliancePackId === id).Tags, [{ TagKey: 'env', TagValue: 'prod' }]);
  t.same((await listed(t, em, { Tag: '[{"Key":"env","Value":"prod"}]' })).packs.map((p: { CompliancePackId: string }) => p.CompliancePackId), [id], 'a tag filter');
  t.equal((await call(em, 'UntagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateCompliancePack', 'ResourceId.1': id, 'TagKey.1': 'env' })).status, 200);
  page = await listed(t, em);
  t.same(page.packs.find((p: { CompliancePackId: string }) => p.CompliancePackId === id).Tags, []);
  t.same((await listed(t, em, { Tag: '[{"Key":"env","Value":"prod"}]' })).packs, [], 'the tag filter follows the untag');

  const failed = await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: id, CompliancePackName: 'x', RiskLevel: 9 });
  t.equal(failed.status, 400, 'a failed write');
  t.same(await listed(t, em), page, 'changes nothing');

  const deleted = await call(em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG, CompliancePackIds: id });
  t.equal(deleted.status, 200, deleted.body);
  page = await listed(t, em);
  t.same(page, before, 'the delete: back to the first page');
});

t.test('statuses follow the clock, forward and back', async (t) => {
  const em = await testApp(t);
  const id = await createPack(em, AGG, 'creating-pack');
  const statusOf = async () => (await listed(t, em)).packs.find((p: { CompliancePackId: string }) => p.CompliancePackId === id).Status;
  t.equal(await statusOf(), 'CREATING');
  t.equal(await statusOf(), 'CREATING', 'polled');
  em.clock.advance(CREATE_DELAY_MS);
  t.equal(await statusOf(), 'ACTIVE', 'ready: the kept page is not served');
  em.clock.set(NOW);
  t.equal(await statusOf(), 'CREATING', 'the clock set back: CREATING again');
  em.clock.set(NOW + CREATE_DELAY_MS + 5);
  t.equal(await statusOf(), 'ACTIVE');
});

t.test('single-account pages (ListCompliancePacks) and resets follow too', async (t) => {
  const em = await testApp(t);
  const single = async () => {
    const r = await call(em, 'ListCompliancePacks', { PageSize: 10 });
    t.equal(r.status, 200, r.body);
    return pageOf(r.json);
  };
  const before = await single();
  const created = await call(em, 'CreateCompliancePack', { CompliancePackName: 'single-kept', RiskLevel: 1, ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]) }, { method: 'POST' });
  t.equal(created.status, 200, created.body);
  const after = await single();
  t.equal(after.total, before.total + 1, 'the single-account create shows');
  t.ok(after.packs.some((p: { CompliancePackId: string }) => p.CompliancePackId === created.json.CompliancePackId));

  const full = await listed(t, em);
  t.ok(full.total > 0);
  t.equal((await ctl(em, 'POST', '/_emulator/reset?to=empty')).status, 200);
  const gone = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageSize: 10 });
  t.not(gone.status, 200, `the aggregator is gone with the reset (${gone.json?.Code})`);
  t.same(await single(), { packs: [], total: 0 }, 'a reset empties the kept single-account page');
  t.equal((await ctl(em, 'POST', '/_emulator/reset')).status, 200);
  t.same(await listed(t, em), full, 'back to the fixtures: the page as it was');
});
