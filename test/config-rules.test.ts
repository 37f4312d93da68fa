import t from 'tap';
import { call, DEMO, dumpStore, expectError, testApp, type TestEmulator } from './helpers.js';

const GET_KEYS = [
  'AccountId', 'Compliance', 'ConfigRuleArn', 'ConfigRuleEvaluationStatus', 'ConfigRuleId', 'ConfigRuleName', 'ConfigRuleState', 'ConfigRuleTriggerTypes',
  'CreateBy', 'CreateTimestamp', 'Description', 'ExcludeRegionIdsScope', 'ExcludeResourceGroupIdsScope', 'ExcludeResourceIdsScope', 'ExcludeTagsScope',
  'ExtendContent', 'InputParameters', 'ManagedRule', 'MaximumExecutionFrequency', 'ModifiedTimestamp', 'RegionIdsScope', 'ResourceGroupIdsScope',
  'ResourceIdsScope', 'ResourceNameScope', 'ResourceTypesScope', 'RiskLevel', 'Scope', 'Source', 'TagKeyLogicScope', 'TagKeyScope', 'TagValueScope',
  'Tags', 'TagsScope',
];
const LIST_KEYS = [
  'AccountId', 'AutomationType', 'Compliance', 'ConfigRuleArn', 'ConfigRuleId', 'ConfigRuleName', 'ConfigRuleState', 'CreateBy', 'CreateDate',
  'Description', 'ResourceTypesScope', 'RiskLevel', 'SourceIdentifier', 'SourceOwner', 'Tags',
];
const sorted = (o: object) => Object.keys(o).sort();

const base = {
  ConfigRuleName: 'required-tags',
  ConfigRuleTriggerTypes: 'ConfigurationItemChangeNotification',
  ResourceTypesScope: 'ACS::EIP::EipAddress',
  RiskLevel: 2,
  SourceIdentifier: 'eip-bandwidth-limit',
  SourceOwner: 'ALIYUN',
};

async function create(em: TestEmulator, params: Record<string, string | number | boolean> = {}) {
  const res = await call(em, 'CreateConfigRule', { ...base, ...params });
  if (res.status !== 200) throw new Error(res.body);
  return res.json.ConfigRuleId as string;
}

t.test('CreateConfigRule + GetConfigRule in JSON and XML', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'CreateConfigRule', {
    ...base, InputParameters: '{"bandwidth":"15"}', Tag: '[{"Key":"env","Value":"dev"}]', ResourceNameScope: 'eip-a', 'ExcludeTagsScope.1.TagKey': 'x',
  }, { method: 'POST' });
  t.equal(res.status, 200);
  t.same(sorted(res.json), ['ConfigRuleId', 'RequestId']);
  const id = res.json.ConfigRuleId;
  const g = await call(em, 'GetConfigRule', { ConfigRuleId: id });
  const r = g.json.ConfigRule;
  t.same(sorted(r), GET_KEYS);
  t.same(sorted(r.CreateBy), ['CompliancePackId', 'CompliancePackName', 'CreatorId', 'CreatorName']);
  t.equal(r.CreateBy.CreatorId, String(DEMO.managementAccountId));
  t.equal(r.CreateBy.CreatorName, 'demo-management');
  t.same(r.Scope, { ComplianceResourceTypes: ['ACS::EIP::EipAddress'] });
  t.same(r.Tags, [{ TagKey: 'env', TagValue: 'dev' }]);
  t.same(r.ExcludeTagsScope, [{ TagKey: 'x', TagValue: '' }]);
  t.equal(r.ResourceNameScope, 'eip-a');
  t.same(r.InputParameters, { bandwidth: '15' });
  const xml = await call(em, 'GetConfigRule', { ConfigRuleId: id }, { format: 'XML' });
  t.match(xml.body, /^<\?xml version="1.0" encoding="utf-8"\?><GetConfigRuleResponse><RequestId>[^<]+<\/RequestId><ConfigRule><AccountId>/);
  t.match(xml.body, '<Scope><ComplianceResourceTypes>ACS::EIP::EipAddress</ComplianceResourceTypes></Scope>');
  const cx = await call(em, 'CreateConfigRule', { ...base, ConfigRuleName: 'x' }, { format: 'XML' });
  t.match(cx.body, /<CreateConfigRuleResponse><RequestId>[^<]+<\/RequestId><ConfigRuleId>cr-[0-9a-f]{20}<\/ConfigRuleId><\/CreateConfigRuleResponse>/);
  // single-account rules and account-group rules do not mix
  await expectError(t, em, 'GetAggregateConfigRule', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: id }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'GetConfigRule', { ConfigRuleId: 'cr-a260626622af0005a1b2' }, { status: 400, code: 'ConfigRuleNotExists' });
  // another account sees nothing
  await expectError(t, em, 'GetConfigRule', { ConfigRuleId: id, AccessKeyId: DEMO.aliceKey.id }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'GetConfigRule', {}, { status: 400, code: 'MissingConfigRuleId' });
});

t.test('CreateConfigRule documented errors', async (t) => {
  const em = await testApp(t);
  await create(em);
  for (const name of ['ConfigRuleName', 'ConfigRuleTriggerTypes', 'ResourceTypesScope', 'RiskLevel', 'SourceIdentifier', 'SourceOwner'] as const) {
    const params: Record<string, string | number> = { ...base, ConfigRuleName: 'other' };
    delete params[name];
    await expectError(t, em, 'CreateConfigRule', params, { status: 400, code: `Missing${name}` });
  }
  await expectError(t, em, 'CreateConfigRule', base, { status: 400, code: 'ConfigRuleExists' });
  await expectError(t, em, 'CreateConfigRule', { ...base, ConfigRuleName: 'n', SourceIdentifier: 'nope' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'CreateConfigRule', { ...base, ConfigRuleName: 'n', AggregatorId: DEMO.aggregatorId }, { status: 400, code: 'InvalidParameter' });
  await expectError(t, em, 'CreateConfigRule', { ...base, ConfigRuleName: 'n', ResourceTypesScope: '' }, { status: 400, code: 'InvalidResourceTypesScope' });
  const store = em.services.store;
  store.transaction(() => {
    for (let i = store.rules.count(DEMO.managementAccountId, ''); i < 500; i++) {
      store.rules.insert({
        configRuleId: `cr-fill${String(i).padStart(16, '0')}`, accountId: DEMO.managementAccountId, aggregatorId: '', compliancePackId: '',
        name: `fill-${i}`, description: '', sourceOwner: 'ALIYUN', sourceIdentifier: 'eip-bandwidth-limit', riskLevel: 2, inputParameters: {},
        scope: {}, triggerTypes: 'ConfigurationItemChangeNotification', maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: 0, modifiedAt: 0,
      });
    }
  });
  await expectError(t, em, 'CreateConfigRule', { ...base, ConfigRuleName: 'n' }, { status: 400, code: 'ExceedMaxRuleCount' });
});

t.test('ClientToken makes CreateConfigRule idempotent', async (t) => {
  const em = await testApp(t);
  const a = await call(em, 'CreateConfigRule', { ...base, ClientToken: 'abc' });
  const before = dumpStore(em);
  const b = await call(em, 'CreateConfigRule', { ...base, ClientToken: 'abc' });
  t.equal(b.status, 200);
  t.equal(b.json.ConfigRuleId, a.json.ConfigRuleId);
  t.equal(dumpStore(em), before);
  await expectError(t, em, 'CreateConfigRule', { ...base, RiskLevel: 1, ClientToken: 'abc' }, { status: 400, code: 'IdempotentParameterMismatch' });
});

t.test('UpdateConfigRule', async (t) => {
  const em = await testApp(t);
  const id = await create(em);
  const other = await create(em, { ConfigRuleName: 'taken' });
  const u = await call(em, 'UpdateConfigRule', {
    ConfigRuleId: id, Description: 'new', RiskLevel: 1, ConfigRuleTriggerTypes: 'ScheduledNotification', MaximumExecutionFrequency: 'One_Hour',
    TagsScope: '[{"TagKey":"a","TagValue":"b"}]',
  });
  t.same(sorted(u.json), ['ConfigRuleId', 'RequestId']);
  const r = (await call(em, 'GetConfigRule', { ConfigRuleId: id })).json.ConfigRule;
  t.equal(r.Description, 'new');
  t.equal(r.RiskLevel, 1);
  t.equal(r.MaximumExecutionFrequency, 'One_Hour');
  t.same(r.Source.SourceDetails, [{ EventSource: 'aliyun.config', MaximumExecutionFrequency: 'One_Hour', MessageType: 'ScheduledNotification' }]);
  t.same(r.TagsScope, [{ TagKey: 'a', TagValue: 'b' }]);
  const x = await call(em, 'UpdateConfigRule', { ConfigRuleId: id, RiskLevel: 3 }, { format: 'XML' });
  t.match(x.body, `<ConfigRuleId>${id}</ConfigRuleId>`);
  await expectError(t, em, 'UpdateConfigRule', {}, { status: 400, code: 'MissingConfigRuleId' });
  await expectError(t, em, 'UpdateConfigRule', { ConfigRuleId: 'cr-00000000000000000000' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'UpdateConfigRule', { ConfigRuleId: id, ConfigRuleName: 'taken' }, { status: 400, code: 'ConfigRuleExists' });
  await expectError(t, em, 'UpdateConfigRule', { ConfigRuleId: other, RiskLevel: 0 }, { status: 400, code: 'InvalidRiskLevel' });
});

t.test('ListConfigRules: shape, paging, filters', async (t) => {
  const em = await testApp(t);
  const ids: string[] = [];
  for (let i = 0; i < 11; i++) ids.push(await create(em, { ConfigRuleName: `rule-${i}`, Tag: i < 2 ? '[{"Key":"team","Value":"a"}]' : '[]' }));
  const res = await call(em, 'ListConfigRules', {});
  const page = res.json.ConfigRules;
  t.same(sorted(page), ['ConfigRuleList', 'PageNumber', 'PageSize', 'TotalCount']);
  t.same([page.PageNumber, page.PageSize, page.TotalCount, page.ConfigRuleList.length], [1, 10, 11, 10]);
  t.same(sorted(page.ConfigRuleList[0]), LIST_KEYS);
  t.same(sorted(page.ConfigRuleList[0].CreateBy), ['CompliancePackId', 'CompliancePackName']);
  t.match(page.ConfigRuleList[0].CreateDate, /^2026-12-01T08:00:00$/);
  const p2 = (await call(em, 'ListConfigRules', { PageNumber: 2, PageSize: 10 })).json.ConfigRules;
  t.same([...page.ConfigRuleList, ...p2.ConfigRuleList].map((r: { ConfigRuleId: string }) => r.ConfigRuleId), ids);
  const tagged = (await call(em, 'ListConfigRules', { Tag: '[{"Key":"team"}]' })).json.ConfigRules;
  t.equal(tagged.TotalCount, 2);
  t.same(tagged.ConfigRuleList[0].Tags, [{ Key: 'team', Value: 'a' }]);
  const xml = await call(em, 'ListConfigRules', { PageSize: 1 }, { format: 'XML' });
  t.match(xml.body, /<ListConfigRulesResponse><RequestId>[^<]+<\/RequestId><ConfigRules><ConfigRuleList>.*<Tags><Key>team<\/Key><Value>a<\/Value><\/Tags>.*<TotalCount>11<\/TotalCount><\/ConfigRules>/);
  await expectError(t, em, 'ListConfigRules', { PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListConfigRules', { PageNumber: -1 }, { status: 400, code: 'InvalidPageNumber' });
  await expectError(t, em, 'ListConfigRules', { RiskLevel: 7 }, { status: 400, code: 'InvalidRiskLevel' });
  await expectError(t, em, 'ListConfigRules', { ComplianceType: 'MAYBE' }, { status: 400, code: 'InvalidComplianceType' });
});

t.test('DeleteConfigRules / ActiveConfigRules / DeactiveConfigRules', async (t) => {
  const em = await testApp(t);
  const a = await create(em, { ConfigRuleName: 'a' });
  const b = await create(em, { ConfigRuleName: 'b' });
  const off = await call(em, 'DeactiveConfigRules', { ConfigRuleIds: `${a},${b}` });
  t.same(off.json.OperateRuleResult.OperateRuleItemList, [
    { ConfigRuleId: a, ErrorCode: '', Success: true },
    { ConfigRuleId: b, ErrorCode: '', Success: true },
  ]);
  const listed = (await call(em, 'ListConfigRules', { ConfigRuleState: 'INACTIVE' })).json.ConfigRules;
  t.equal(listed.TotalCount, 2);
  const offAgain = await call(em, 'DeactiveConfigRules', { ConfigRuleIds: a }, { format: 'XML' });
  t.match(offAgain.body, '<ErrorCode>ConfigRuleStatusNotActive</ErrorCode><Success>false</Success>');
  const on = await call(em, 'ActiveConfigRules', { ConfigRuleIds: `${a},cr-00000000000000000000` });
  t.same(on.json.OperateRuleResult.OperateRuleItemList, [
    { ConfigRuleId: a, ErrorCode: '', Success: true },
    { ConfigRuleId: 'cr-00000000000000000000', ErrorCode: 'ConfigRuleNotExists', Success: false },
  ]);
  const onAgain = await call(em, 'ActiveConfigRules', { ConfigRuleIds: a });
  t.same(onAgain.json.OperateRuleResult.OperateRuleItemList, [{ ConfigRuleId: a, ErrorCode: 'ConfigRuleStatusNotInActive', Success: false }]);
  const onXml = await call(em, 'ActiveConfigRules', { ConfigRuleIds: a }, { format: 'XML' });
  t.match(onXml.body, /<ActiveConfigRulesResponse><RequestId>[^<]+<\/RequestId><OperateRuleResult><OperateRuleItemList><ConfigRuleId>cr-[0-9a-f]{20}<\/ConfigRuleId><ErrorCode>ConfigRuleStatusNotInActive<\/ErrorCode><Success>false<\/Success><\/OperateRuleItemList><\/OperateRuleResult><\/ActiveConfigRulesResponse>/);
  // an account-group rule is not a single-account rule
  const del = await call(em, 'DeleteConfigRules', { ConfigRuleIds: `${a},cr-a260626622af0005a1b2` });
  t.same(del.json.OperateRuleResult.OperateRuleItemList, [
    { ConfigRuleId: a, ErrorCode: '', Success: true },
    { ConfigRuleId: 'cr-a260626622af0005a1b2', ErrorCode: 'ConfigRuleNotExists', Success: false },
  ]);
  const delX = await call(em, 'DeleteConfigRules', { ConfigRuleIds: b }, { format: 'XML' });
  t.match(delX.body, `<DeleteConfigRulesResponse><RequestId>`);
  t.match(delX.body, `<ConfigRuleId>${b}</ConfigRuleId><ErrorCode></ErrorCode><Success>true</Success>`);
  t.equal((await call(em, 'ListConfigRules', {})).json.ConfigRules.TotalCount, 0);

  const many = Array.from({ length: 21 }, (_, i) => `cr-${String(i).padStart(20, '0')}`).join(',');
  for (const action of ['DeleteConfigRules', 'ActiveConfigRules', 'DeactiveConfigRules']) {
    await expectError(t, em, action, { ConfigRuleIds: many }, { status: 400, code: 'Invalid.ConfigRuleIds.SizeExceed' });
    await expectError(t, em, action, {}, { status: 400, code: 'MissingConfigRuleIds' });
  }
  await expectError(t, em, 'ActiveConfigRules', { CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
});

t.test('AccountNotExisted (404) for an account without Config, on every rule, report and tag action', async (t) => {
  const em = await testApp(t);
  em.services.store.accounts.upsert({ accountId: DEMO.tomAccountId, accountName: 'Tom', configEnabled: false });
  const tom = { AccessKeyId: 'LTAI5tEmulatorTomKey' };
  const agg = { AggregatorId: DEMO.aggregatorId };
  const cases: [string, Record<string, string | number>][] = [
    ['CreateConfigRule', base], ['UpdateConfigRule', { ConfigRuleId: 'cr-1' }], ['GetConfigRule', { ConfigRuleId: 'cr-1' }], ['ListConfigRules', {}],
    ['DeleteConfigRules', { ConfigRuleIds: 'cr-1' }], ['ActiveConfigRules', { ConfigRuleIds: 'cr-1' }], ['DeactiveConfigRules', { ConfigRuleIds: 'cr-1' }],
    ['CreateAggregateConfigRule', { ...base, ...agg }], ['UpdateAggregateConfigRule', { ...agg, ConfigRuleId: 'cr-1' }],
    ['GetAggregateConfigRule', { ...agg, ConfigRuleId: 'cr-1' }], ['ListAggregateConfigRules', agg], ['DeleteAggregateConfigRules', { ...agg, ConfigRuleIds: 'cr-1' }],
    ['ActiveAggregateConfigRules', { ...agg, ConfigRuleIds: 'cr-1' }], ['DeactiveAggregateConfigRules', { ...agg, ConfigRuleIds: 'cr-1' }],
    ['CopyConfigRules', { SrcConfigRuleIds: 'cr-1' }], ['GenerateAggregateConfigRulesReport', agg], ['GetAggregateConfigRulesReport', agg],
    ['TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule', 'ResourceId.1': 'cr-1', Tag: '[{"Key":"k","Value":"v"}]' }],
    ['UntagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule', 'ResourceId.1': 'cr-1', All: 'true' }],
    ['ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Rule' }],
  ];
  for (const [action, params] of cases) await expectError(t, em, action, { ...params, ...tom }, { status: 404, code: 'AccountNotExisted' });
});

t.test('account-level rules take ACS::::Account as their type; parameters set empty', async (t) => {
  const em = await testApp(t);
  const id = await create(em, { ConfigRuleName: 'root-mfa', SourceIdentifier: 'root-mfa-check', ResourceTypesScope: 'ACS::::Account' });
  const got = (await call(em, 'GetConfigRule', { ConfigRuleId: id })).json.ConfigRule;
  t.equal(got.Scope.ComplianceResourceTypes[0], 'ACS::::Account', 'the type GetConfigRule shows can be sent back');
  await expectError(t, em, 'CreateConfigRule', { ...base, ConfigRuleName: 'bad', ResourceTypesScope: 'ACS::Account' }, { status: 400, code: 'InvalidResourceTypesScope' });
  // A required parameter sent empty takes its default; an optional one stays empty (its check is left out).
  const expired = await create(em, { ConfigRuleName: 'expired', SourceIdentifier: 'ecs-instance-expired-check', ResourceTypesScope: 'ACS::ECS::Instance', InputParameters: JSON.stringify({ days: '' }) });
  t.same((await call(em, 'GetConfigRule', { ConfigRuleId: expired })).json.ConfigRule.InputParameters, { days: '30' });
  const policy = await create(em, {
    ConfigRuleName: 'pw', SourceIdentifier: 'ram-password-policy-check', ResourceTypesScope: 'ACS::::Account', InputParameters: JSON.stringify({ maxPasswordAge: '' }),
  });
  t.equal((await call(em, 'GetConfigRule', { ConfigRuleId: policy })).json.ConfigRule.InputParameters.maxPasswordAge, '');
});
