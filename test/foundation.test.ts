/**
 * The foundation actions end to end: every success in JSON and XML pinned against the reference
 * examples, and every documented error with the store unchanged.
 */
import t from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator } from './helpers.js';
import { assertShape } from './shape.js';

const ACCOUNTS = JSON.stringify([
  { AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' },
  { AccountId: DEMO.tomAccountId, AccountName: 'Tom', AccountType: 'ResourceDirectory' },
]);
const RULES = JSON.stringify([
  { ManagedRuleIdentifier: 'eip-bandwidth-limit', ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '20' }], RiskLevel: 1 },
  { ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited', RiskLevel: 2 },
]);

/** An RD group (all accounts): CUSTOM groups may not repeat another group's member list. */
async function newAggregator(em: TestEmulator, name = 'Test_Group_2') {
  const res = await call(em, 'CreateAggregator', { AggregatorName: name, Description: 'd', AggregatorType: 'RD' }, { method: 'POST' });
  return res.json.AggregatorId as string;
}

t.test('CreateAggregator / GetAggregator / ListAggregators', async (t) => {
  const em = await testApp(t);
  const created = await call(em, 'CreateAggregator', { AggregatorName: 'Group_A', Description: 'first', AggregatorAccounts: ACCOUNTS, Tag: JSON.stringify([{ Key: 'env', Value: 'test' }]) }, { method: 'POST' });
  t.equal(created.status, 200);
  assertShape(t, 'CreateAggregator', created.json);
  t.match(created.json.AggregatorId, /^ca-[0-9a-f]{20}$/);

  const creating = await call(em, 'GetAggregator', { AggregatorId: created.json.AggregatorId });
  t.equal(creating.json.Aggregator.AggregatorStatus, 0, 'status 0 while the group is being created');
  em.clock.advance(1000);
  const got = await call(em, 'GetAggregator', { AggregatorId: created.json.AggregatorId });
  assertShape(t, 'GetAggregator', got.json, { optional: ['$.Aggregator.FolderName'] });
  t.match(got.json.Aggregator, {
    AccountId: DEMO.managementAccountId,
    AggregatorAccountCount: 2,
    AggregatorCreateTimestamp: String(em.clock.now() - 1000),
    AggregatorName: 'Group_A',
    AggregatorStatus: 1,
    AggregatorType: 'CUSTOM',
    Description: 'first',
    Tags: [{ TagKey: 'env', TagValue: 'test' }],
  });
  t.same(got.json.Aggregator.AggregatorAccounts.map((a: { AccountId: number }) => a.AccountId), [DEMO.aliceAccountId, DEMO.tomAccountId]);

  const xml = await call(em, 'GetAggregator', { AggregatorId: created.json.AggregatorId }, { format: 'XML' });
  t.match(xml.body, /<GetAggregatorResponse><RequestId>[^<]+<\/RequestId><Aggregator><AccountId>1009318965421234<\/AccountId><AggregatorAccountCount>2<\/AggregatorAccountCount><AggregatorAccounts><AccountId>1713220985231234<\/AccountId>/);
  t.match(xml.body, /<\/AggregatorAccounts><AggregatorAccounts><AccountId>1005320983491234<\/AccountId>/, 'arrays are repeated elements');

  const listed = await call(em, 'ListAggregators', { MaxResults: 10 });
  assertShape(t, 'ListAggregators', listed.json, { optional: ['$.AggregatorsResult.NextToken'] });
  t.same(listed.json.AggregatorsResult.Aggregators.map((a: { AggregatorName: string }) => a.AggregatorName), ['Test_Group', 'Group_A']);
  t.equal(typeof listed.json.AggregatorsResult.Aggregators[1].AggregatorCreateTimestamp, 'number');
  const listedXml = await call(em, 'ListAggregators', { MaxResults: 10 }, { format: 'XML' });
  t.match(listedXml.body, /<AggregatorsResult><Aggregators><AccountId>/);
});

t.test('ListAggregators pages with opaque NextToken tokens and filters by tag', async (t) => {
  const em = await testApp(t);
  for (let i = 0; i < 5; i++) await newAggregator(em, `g${i}`);
  await call(em, 'CreateAggregator', { AggregatorName: 'tagged', AggregatorAccounts: ACCOUNTS, Tag: JSON.stringify([{ Key: 'team', Value: 'x' }]) }, { method: 'POST' });
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await call(em, 'ListAggregators', { MaxResults: 2, ...(token ? { NextToken: token } : {}) });
    t.equal(res.status, 200);
    names.push(...res.json.AggregatorsResult.Aggregators.map((a: { AggregatorName: string }) => a.AggregatorName));
    token = res.json.AggregatorsResult.NextToken;
    pages++;
  } while (token);
  t.same(names, ['Test_Group', 'g0', 'g1', 'g2', 'g3', 'g4', 'tagged']);
  t.equal(pages, 4);
  const tagged = await call(em, 'ListAggregators', { MaxResults: 10, Tag: JSON.stringify([{ Key: 'team', Value: 'x' }]) });
  t.same(tagged.json.AggregatorsResult.Aggregators.map((a: { AggregatorName: string }) => a.AggregatorName), ['tagged']);
  await expectError(t, em, 'ListAggregators', { MaxResults: 2, NextToken: 'not-a-token' }, { status: 400, code: 'Invalid.NextToken.Value' });
});

t.test('CreateAggregator errors', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'CreateAggregator', { Description: 'x', AggregatorAccounts: ACCOUNTS }, { status: 400, code: 'MissingAggregatorName', message: 'AggregatorName is mandatory for this action.' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'n', AggregatorType: 'CUSTOM' }, { status: 400, code: 'Invalid.AggregatorAccounts.Empty', message: 'You must specify AggregatorAccounts.' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'n', AggregatorAccounts: '[{"AccountId":"abc"}]' }, { status: 400, code: 'Invalid.AggregatorAccounts.Value' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'n', AggregatorAccounts: 'not json' }, { status: 400, code: 'Invalid.AggregatorAccounts.Value' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'n', AggregatorAccounts: '[{"AccountId":1713220985231234,"AccountType":"Other"}]' }, { status: 400, code: 'Invalid.AccountType.Value' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'n', AggregatorAccounts: '[{"AccountId":1713220985231234},{"accountId":1713220985231234}]' }, { status: 400, code: 'AggregatorAccountListItemDuplicated' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'Test_Group', AggregatorAccounts: ACCOUNTS }, { status: 400, code: 'AggregatorNameDuplicated', message: 'The aggregator name is duplicated.' });
  for (let i = 1; i < 50; i++) await newAggregator(em, `fill-${i}`);
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'one-too-many', AggregatorAccounts: ACCOUNTS }, { status: 400, code: 'AggregatorExceedMaxCount' });
});

t.test('AggregatorAccounts in camelCase (docs) and flattened (pop-core) forms', async (t) => {
  const em = await testApp(t);
  const camel = await call(em, 'CreateAggregator', { AggregatorName: 'camel', AggregatorAccounts: JSON.stringify([{ accountId: DEMO.aliceAccountId, accountName: 'Alice', accountType: 'ResourceDirectory' }]) }, { method: 'POST' });
  t.equal(camel.status, 200);
  const flat = await call(em, 'CreateAggregator', {
    AggregatorName: 'flat', 'AggregatorAccounts.1.AccountId': DEMO.aliceAccountId, 'AggregatorAccounts.1.AccountName': 'Alice', 'AggregatorAccounts.1.AccountType': 'ResourceDirectory',
    'AggregatorAccounts.2.AccountId': DEMO.tomAccountId, 'AggregatorAccounts.2.AccountType': 'ResourceDirectory',
  }, { method: 'POST' });
  t.equal(flat.status, 200);
  const got = await call(em, 'GetAggregator', { AggregatorId: flat.json.AggregatorId });
  t.equal(got.json.Aggregator.AggregatorAccountCount, 2);
  const rd = await call(em, 'CreateAggregator', { AggregatorName: 'rd', AggregatorType: 'RD' }, { method: 'POST' });
  const rdGot = await call(em, 'GetAggregator', { AggregatorId: rd.json.AggregatorId });
  t.equal(rdGot.json.Aggregator.AggregatorAccountCount, 3, 'an RD group covers every account of the directory');
});

t.test('GetAggregator errors', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'GetAggregator', {}, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'GetAggregator', { AggregatorId: 'ca-000000000000000000ff' }, { status: 400, code: 'Invalid.AggregatorId.Value', message: 'The specified AggregatorId is invalid.' });
});

t.test('CreateAggregateCompliancePack / Get / List', async (t) => {
  const em = await testApp(t);
  const created = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'pack-1', Description: 'desc', RiskLevel: 1, ConfigRules: RULES, RegionIdsScope: 'cn-hangzhou' }, { method: 'POST' });
  t.equal(created.status, 200);
  assertShape(t, 'CreateAggregateCompliancePack', created.json);
  const id = created.json.CompliancePackId as string;
  t.match(id, /^cp-[0-9a-f]{20}$/);

  const creating = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, Status: 'CREATING' });
  t.same(creating.json.CompliancePacksResult.CompliancePacks.map((p: { CompliancePackId: string }) => p.CompliancePackId), [id], 'CREATING right after create');
  em.clock.advance(1000);
  const got = await call(em, 'GetAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: id });
  assertShape(t, 'GetAggregateCompliancePack', got.json);
  const pack = got.json.CompliancePack;
  t.match(pack, { AccountId: DEMO.managementAccountId, AggregatorId: DEMO.aggregatorId, CompliancePackName: 'pack-1', RiskLevel: 1, Status: 'ACTIVE', CreateTimestamp: em.clock.now() - 1000 });
  t.equal(pack.Scope.RegionIdsScope, 'cn-hangzhou');
  t.equal(pack.ConfigRules.length, 2);
  t.match(pack.ConfigRules[0], {
    ManagedRuleIdentifier: 'eip-bandwidth-limit', RiskLevel: 1, ResourceTypesScope: 'ACS::EIP::EipAddress',
    ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '20', Required: true }],
  });
  t.match(pack.ConfigRules[0].ConfigRuleId, /^cr-[0-9a-f]{20}$/);
  const xml = await call(em, 'GetAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: id }, { format: 'XML' });
  t.match(xml.body, /<ConfigRules><ConfigRuleId>cr-[0-9a-f]{20}<\/ConfigRuleId>.*<\/ConfigRules><ConfigRules>/);
  t.match(xml.body, '<Scope><ExcludeRegionIdsScope></ExcludeRegionIdsScope>');

  const listed = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageSize: 1, PageNumber: 2 });
  assertShape(t, 'ListAggregateCompliancePacks', listed.json);
  t.match(listed.json.CompliancePacksResult, { PageNumber: 2, PageSize: 1, TotalCount: 2 });
  t.equal(listed.json.CompliancePacksResult.CompliancePacks[0].CompliancePackId, id);
  const defaults = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId });
  t.match(defaults.json.CompliancePacksResult, { PageNumber: 1, PageSize: 10, TotalCount: 2 });
  const filtered = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, Status: 'CREATING' });
  t.equal(filtered.json.CompliancePacksResult.TotalCount, 0);
  const listXml = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId }, { format: 'XML' });
  t.match(listXml.body, /<CompliancePacksResult><CompliancePacks><AccountId>1009318965421234<\/AccountId>.*<\/CompliancePacks><CompliancePacks>.*<PageNumber>1<\/PageNumber><PageSize>10<\/PageSize><TotalCount>2<\/TotalCount><\/CompliancePacksResult>/);
});

t.test('a pack from a template id creates the template rules', async (t) => {
  const em = await testApp(t);
  const tpl = em.services.catalog.templateList().find((x) => x.ConfigRules.every((r) => em.services.catalog.managedRule(r.ManagedRuleIdentifier)));
  if (!tpl) throw new Error('the catalog should hold a template whose rules are all managed rules');
  const created = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'from-template', CompliancePackTemplateId: tpl.CompliancePackTemplateId }, { method: 'POST' });
  t.equal(created.status, 200);
  const got = await call(em, 'GetAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: created.json.CompliancePackId });
  t.same(got.json.CompliancePack.ConfigRules.map((r: { ManagedRuleIdentifier: string }) => r.ManagedRuleIdentifier), tpl.ConfigRules.map((r) => r.ManagedRuleIdentifier));
  t.equal(got.json.CompliancePack.CompliancePackTemplateId, tpl.CompliancePackTemplateId);
});

t.test('CreateAggregateCompliancePack errors', async (t) => {
  const em = await testApp(t);
  const base = { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'p', ConfigRules: RULES };
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, CompliancePackName: 'Demo security baseline' }, { status: 400, code: 'CompliancePackExists', message: 'The compliance pack already exists.' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, CompliancePackName: ' ' }, { status: 400, code: 'Invalid.CompliancePackName.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'p' }, { status: 400, code: 'Invalid.ConfigRules.Empty', message: 'You must specify ConfigRules.' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: '[{"ManagedRuleIdentifier":"no-such-rule"}]' }, { status: 400, code: 'Invalid.ConfigRules.Value', message: 'The specified ConfigRules is invalid.' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: '{"not":"a list"}' }, { status: 400, code: 'Invalid.ConfigRules.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: '[{"ManagedRuleIdentifier":"ecs-cpu-min-count-limit"}]' }, { status: 400, code: 'Invalid.ConfigRules.Value' }, {});
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, CompliancePackTemplateId: 'ct-00000000000000000000' }, { status: 400, code: 'Invalid.CompliancePackTemplateId.Value' });
  const tooMany = JSON.stringify(Array.from({ length: 201 }, () => ({ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' })));
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...base, ConfigRules: tooMany }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { CompliancePackName: 'p', ConfigRules: RULES }, { status: 400, code: 'MissingAggregatorId' });
});

t.test('Get/List pack errors', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'GetAggregateCompliancePack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: 'cp-00000000000000000000' }, { status: 400, code: 'Invalid.CompliancePackId.Value', message: 'The specified CompliancePackId does not exist.' });
  await expectError(t, em, 'GetAggregateCompliancePack', { AggregatorId: 'ca-00000000000000000000', CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId, PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
});

t.test('a repeated ClientToken returns the first answer and creates nothing', async (t) => {
  const em = await testApp(t);
  const params = { AggregatorId: DEMO.aggregatorId, CompliancePackName: 'idem', ConfigRules: RULES, ClientToken: 'tok-1' };
  const first = await call(em, 'CreateAggregateCompliancePack', params, { method: 'POST' });
  const again = await call(em, 'CreateAggregateCompliancePack', params, { method: 'POST' });
  t.equal(again.json.CompliancePackId, first.json.CompliancePackId);
  t.not(again.json.RequestId, first.json.RequestId);
  const listed = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: DEMO.aggregatorId });
  t.equal(listed.json.CompliancePacksResult.TotalCount, 2);
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...params, CompliancePackName: 'other' }, { status: 400, code: 'IdempotentParameterMismatch' }, { method: 'POST' });
});
