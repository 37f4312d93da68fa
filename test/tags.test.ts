import t, { type Test } from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator } from './helpers.js';

const AGG = DEMO.aggregatorId;
const PACK = DEMO.compliancePackId;
const RULE = 'cr-a260626622af0005a1b2';

async function ok(t: Test, em: TestEmulator, action: string, params: Record<string, string | number | boolean>) {
  const res = await call(em, action, params);
  t.equal(res.status, 200, `${action} ok: ${res.body}`);
  return res;
}

t.test('TagResources / ListTagResources / UntagResources in JSON and XML', async (t) => {
  const em = await testApp(t);
  const tag = await ok(t, em, 'TagResources', {
    RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE, 'ResourceId.2': 'cr-a260626622af0005a1b3',
    Tag: '[{"Key":"env","Value":"prod"},{"key":"team","value":"sec"}]',
  });
  t.same(Object.keys(tag.json), ['RequestId']);
  const list = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule' });
  t.same(list.json.TagResources.TagResource, [
    { ResourceId: RULE, ResourceType: 'ACS::Config::AggregateConfigRule', TagKey: 'env', TagValue: 'prod' },
    { ResourceId: RULE, ResourceType: 'ACS::Config::AggregateConfigRule', TagKey: 'team', TagValue: 'sec' },
    { ResourceId: 'cr-a260626622af0005a1b3', ResourceType: 'ACS::Config::AggregateConfigRule', TagKey: 'env', TagValue: 'prod' },
    { ResourceId: 'cr-a260626622af0005a1b3', ResourceType: 'ACS::Config::AggregateConfigRule', TagKey: 'team', TagValue: 'sec' },
  ]);
  t.notOk('NextToken' in list.json, 'no more pages');
  // tags show on the rule itself
  const rule = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: RULE })).json.ConfigRule;
  t.same(rule.Tags, [{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'sec' }]);
  // overwrite a value
  await ok(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE, Tag: '[{"Key":"env","Value":"dev"}]' });
  const filtered = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE, Tag: '[{"Key":"env"}]' });
  t.same(filtered.json.TagResources.TagResource, [{ ResourceId: RULE, ResourceType: 'ACS::Config::AggregateConfigRule', TagKey: 'env', TagValue: 'dev' }]);
  const xml = await call(em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE }, { format: 'XML' });
  t.match(xml.body, /^<\?xml version="1.0" encoding="utf-8"\?><ListTagResourcesResponse><RequestId>[^<]+<\/RequestId><TagResources><TagResource><ResourceId>cr-a260626622af0005a1b2<\/ResourceId><ResourceType>ACS::Config::AggregateConfigRule<\/ResourceType><TagKey>env<\/TagKey><TagValue>dev<\/TagValue><\/TagResource><TagResource>/);

  const untag = await call(em, 'UntagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE, 'TagKey.1': 'env' }, { format: 'XML' });
  t.equal(untag.status, 200);
  t.match(untag.body, /<UntagResourcesResponse><RequestId>[^<]+<\/RequestId><\/UntagResourcesResponse>/);
  const after = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': RULE });
  t.same(after.json.TagResources.TagResource.map((r: { TagKey: string }) => r.TagKey), ['team']);
  await ok(t, em, 'UntagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': 'cr-a260626622af0005a1b3', All: true });
  const empty = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::AggregateConfigRule', 'ResourceId.1': 'cr-a260626622af0005a1b3' });
  t.same(empty.json.TagResources.TagResource, []);
  const tx = await call(em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': AGG, Tag: '[{"Key":"a","Value":""}]' }, { format: 'XML' });
  t.match(tx.body, /<TagResourcesResponse><RequestId>[^<]+<\/RequestId><\/TagResourcesResponse>/);
});

t.test('every resource type', async (t) => {
  const em = await testApp(t);
  const rule = (await call(em, 'CreateConfigRule', {
    ConfigRuleName: 'own', ConfigRuleTriggerTypes: 'ConfigurationItemChangeNotification', ResourceTypesScope: 'ACS::EIP::EipAddress', RiskLevel: 1,
    SourceIdentifier: 'eip-bandwidth-limit', SourceOwner: 'ALIYUN',
  })).json.ConfigRuleId;
  const cases: [string, string][] = [
    ['ACS::Config::Rule', rule],
    ['ACS::Config::AggregateConfigRule', RULE],
    ['ACS::Config::Aggregator', AGG],
    ['ACS::Config::AggregateCompliancePack', PACK],
  ];
  for (const [type, id] of cases) {
    await ok(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: type, 'ResourceId.1': id, Tag: '[{"Key":"k","Value":"v"}]' });
    const l = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: type });
    t.same(l.json.TagResources.TagResource, [{ ResourceId: id, ResourceType: type, TagKey: 'k', TagValue: 'v' }], type);
  }
  // a resource of the wrong type is not found
  await expectError(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule', 'ResourceId.1': RULE, Tag: '[{"Key":"k","Value":"v"}]' }, { status: 400, code: 'Invalid.ResourceId.Value' });
  await expectError(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::CompliancePack', 'ResourceId.1': PACK, Tag: '[{"Key":"k","Value":"v"}]' }, { status: 400, code: 'Invalid.ResourceId.Value' });
  // the Rule tags also filter ListConfigRules
  const listed = (await call(em, 'ListConfigRules', { Tag: '[{"Key":"k","Value":"v"}]' })).json.ConfigRules;
  t.equal(listed.TotalCount, 1);
  // deleting the rule drops its tags
  await ok(t, em, 'DeleteConfigRules', { ConfigRuleIds: rule });
  const gone = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule' });
  t.same(gone.json.TagResources.TagResource, []);
});

t.test('ListTagResources paging with NextToken/MaxResults', async (t) => {
  const em = await testApp(t);
  const tags = Array.from({ length: 5 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));
  await ok(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': AGG, Tag: JSON.stringify(tags) });
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', MaxResults: 2, ...(token ? { NextToken: token } : {}) });
    seen.push(...res.json.TagResources.TagResource.map((r: { TagKey: string }) => r.TagKey));
    token = res.json.NextToken;
    pages++;
  } while (token);
  t.equal(pages, 3);
  t.same(seen, ['k0', 'k1', 'k2', 'k3', 'k4'], 'stable order, no overlap');
  const first = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', MaxResults: 2 });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', NextToken: 'garbage' }, { status: 400, code: 'Invalid.NextToken.Value' });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule', NextToken: first.json.NextToken }, { status: 400, code: 'Invalid.NextToken.Value' });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', NextToken: first.json.NextToken, AccessKeyId: DEMO.aliceKey.id }, { status: 400, code: 'Invalid.NextToken.Value' });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', MaxResults: 0 }, { status: 400, code: 'InvalidMaxResults' });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', MaxResults: 101 }, { status: 400, code: 'InvalidMaxResults' });
});

t.test('tag errors leave the store unchanged', async (t) => {
  const em = await testApp(t);
  const good = { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': AGG, Tag: '[{"Key":"k","Value":"v"}]' };
  for (const name of ['RegionId', 'ResourceType', 'Tag'] as const) {
    const params: Record<string, string> = { ...good };
    delete params[name];
    await expectError(t, em, 'TagResources', params, { status: 400, code: `Missing${name}` });
  }
  const { 'ResourceId.1': _r, ...noId } = good;
  await expectError(t, em, 'TagResources', noId, { status: 400, code: 'MissingResourceId' });
  await expectError(t, em, 'TagResources', { ...good, ResourceType: 'ACS::ECS::Instance' }, { status: 400, code: 'Invalid.ResourceType.Value' });
  await expectError(t, em, 'TagResources', { ...good, 'ResourceId.1': 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.ResourceId.Value' });
  await expectError(t, em, 'TagResources', { ...good, AccessKeyId: DEMO.aliceKey.id }, { status: 400, code: 'Invalid.ResourceId.Value' });
  await expectError(t, em, 'TagResources', { ...good, Tag: '[{"Key":"aliyun-x","Value":"v"}]' }, { status: 400, code: 'Invalid.Tag.Value' });
  await expectError(t, em, 'TagResources', { ...good, Tag: 'not json' }, { status: 400, code: 'Invalid.Tag.Value' });
  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`ResourceId.${i + 1}`, `ca-${i}`]));
  await expectError(t, em, 'TagResources', { ...good, ...tooMany }, { status: 400, code: 'Invalid.ResourceId.Value' });
  await expectError(t, em, 'TagResources', { ...good, Tag: JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ Key: `k${i}`, Value: '' }))) }, { status: 400, code: 'Invalid.Tag.Value' });
  await ok(t, em, 'TagResources', { ...good, Tag: JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ Key: `k${i}`, Value: '' }))) });
  await expectError(t, em, 'TagResources', { ...good, Tag: '[{"Key":"one-more","Value":""}]' }, { status: 400, code: 'Invalid.Tag.Value' });

  const untag = { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': AGG, 'TagKey.1': 'k1' };
  for (const name of ['RegionId', 'ResourceType', 'ResourceId.1'] as const) {
    const params: Record<string, string> = { ...untag };
    delete params[name];
    await expectError(t, em, 'UntagResources', params, { status: 400, code: `Missing${name.replace('.1', '')}` });
  }
  await expectError(t, em, 'UntagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': AGG }, { status: 400, code: 'MissingTagKey' });
  await expectError(t, em, 'UntagResources', { ...untag, ResourceType: 'ACS::Config::Nope' }, { status: 400, code: 'Invalid.ResourceType.Value' });

  await expectError(t, em, 'ListTagResources', { ResourceType: 'ACS::Config::Aggregator' }, { status: 400, code: 'MissingRegionId' });
  await expectError(t, em, 'ListTagResources', { RegionId: 'cn-shanghai' }, { status: 400, code: 'MissingResourceType' });
});

t.test('ListTagResources: one key with several values matches any of them', async (t) => {
  const em = await testApp(t);
  const type = 'ACS::Config::Aggregator';
  await ok(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: type, 'ResourceId.1': AGG, Tag: '[{"Key":"team","Value":"a"},{"Key":"other","Value":"x"}]' });
  const filter = JSON.stringify([{ Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }]);
  const res = await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: type, Tag: filter });
  t.same(res.json.TagResources.TagResource, [{ ResourceId: AGG, ResourceType: type, TagKey: 'team', TagValue: 'a' }]);
  // Writing tags still refuses a repeated key: a resource has one value per key.
  await expectError(t, em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: type, 'ResourceId.1': AGG, Tag: filter }, { status: 400, code: 'Invalid.Tag.Value' });
  t.equal((await ok(t, em, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: type })).json.TagResources.TagResource.find((r: { TagKey: string }) => r.TagKey === 'team').TagValue, 'a', 'the refused call changed nothing');
});
