import t from 'tap';
import { call, DEMO, dumpStore, expectError, testApp, type TestEmulator } from './helpers.js';

const AGG = DEMO.aggregatorId;

/** Key sets of the reference examples (actions.md). */
const GET_KEYS = [
  'AccountId', 'AccountIdsScope', 'Compliance', 'ConfigRuleArn', 'ConfigRuleEvaluationStatus', 'ConfigRuleId', 'ConfigRuleName', 'ConfigRuleState',
  'ConfigRuleTriggerTypes', 'CreateBy', 'CreateTimestamp', 'Description', 'ExcludeAccountIdsScope', 'ExcludeFolderIdsScope', 'ExcludeRegionIdsScope',
  'ExcludeResourceGroupIdsScope', 'ExcludeResourceIdsScope', 'ExcludeTagsScope', 'ExtendContent', 'FolderIdsScope', 'InputParameters', 'ManagedRule',
  'MaximumExecutionFrequency', 'ModifiedTimestamp', 'RegionIdsScope', 'ResourceGroupIdsScope', 'ResourceIdsScope', 'ResourceNameScope',
  'ResourceTypesScope', 'RiskLevel', 'Source', 'TagKeyLogicScope', 'TagKeyScope', 'TagValueScope', 'Tags', 'TagsScope',
];
const CREATE_BY_KEYS = ['AggregatorId', 'AggregatorName', 'CompliancePackId', 'CompliancePackName', 'CreatorId', 'CreatorName', 'CreatorType'];
const MANAGED_KEYS = ['CompulsoryInputParameterDetails', 'Description', 'Identifier', 'Labels', 'ManagedRuleName', 'OptionalInputParameterDetails', 'SourceDetails'];
const EVAL_KEYS = [
  'FirstActivatedTimestamp', 'FirstEvaluationStarted', 'LastErrorCode', 'LastErrorMessage', 'LastFailedEvaluationTimestamp',
  'LastFailedInvocationTimestamp', 'LastSuccessfulEvaluationTimestamp', 'LastSuccessfulInvocationTimestamp',
];
const LIST_KEYS = [
  'AccountId', 'AutomationType', 'Compliance', 'ConfigRuleArn', 'ConfigRuleId', 'ConfigRuleName', 'ConfigRuleState', 'CreateBy', 'CreateDate',
  'Description', 'ResourceTypesScope', 'RiskLevel', 'SourceIdentifier', 'SourceOwner', 'Tags',
];
const sorted = (o: object) => Object.keys(o).sort();

const base = {
  AggregatorId: AGG,
  ConfigRuleName: 'eip-limit',
  ConfigRuleTriggerTypes: 'ConfigurationItemChangeNotification',
  ResourceTypesScope: 'ACS::EIP::EipAddress',
  RiskLevel: 1,
  SourceIdentifier: 'eip-bandwidth-limit',
  SourceOwner: 'ALIYUN',
};

async function create(em: TestEmulator, params: Record<string, string | number | boolean> = {}) {
  const res = await call(em, 'CreateAggregateConfigRule', { ...base, ...params });
  if (res.status !== 200) throw new Error(res.body);
  return res.json.ConfigRuleId as string;
}

t.test('CreateAggregateConfigRule + GetAggregateConfigRule in JSON and XML', async (t) => {
  const em = await testApp(t);
  const id = await create(em, {
    InputParameters: JSON.stringify({ bandwidth: 20 }),
    Description: 'EIPs stay small',
    RegionIdsScope: 'cn-hangzhou,cn-shanghai',
    'TagsScope.1.TagKey': 'env',
    'TagsScope.1.TagValue': 'prod',
    ExcludeTagsScope: JSON.stringify([{ tagKey: 'skip', tagValue: 'yes' }]),
    AccountIdsScope: String(DEMO.aliceAccountId),
    TagKeyLogicScope: 'and',
    ExtendContent: '{"fixedHour":"12"}',
    Tag: JSON.stringify([{ Key: 'team', Value: 'sec' }]),
  });
  t.match(id, /^cr-[0-9a-f]{20}$/);
  const res = await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id });
  t.equal(res.status, 200);
  const r = res.json.ConfigRule;
  t.same(sorted(r), GET_KEYS);
  t.same(sorted(r.CreateBy), CREATE_BY_KEYS);
  t.same(sorted(r.ManagedRule), MANAGED_KEYS);
  t.same(sorted(r.ConfigRuleEvaluationStatus), EVAL_KEYS);
  t.same(r.InputParameters, { bandwidth: '20' });
  t.equal(r.ConfigRuleArn, `acs:config::${DEMO.managementAccountId}:rule/${id}`);
  t.equal(r.ConfigRuleState, 'ACTIVE');
  t.same(r.Compliance, { ComplianceType: 'NON_COMPLIANT', Count: 1 }, 'evaluated over the demo inventory at creation');
  t.same(r.TagsScope, [{ TagKey: 'env', TagValue: 'prod' }]);
  t.same(r.ExcludeTagsScope, [{ TagKey: 'skip', TagValue: 'yes' }]);
  t.same(r.Tags, [{ TagKey: 'team', TagValue: 'sec' }]);
  t.equal(r.TagKeyLogicScope, 'AND');
  t.equal(r.AccountIdsScope, String(DEMO.aliceAccountId));
  t.equal(r.RegionIdsScope, 'cn-hangzhou,cn-shanghai');
  t.equal(r.ResourceTypesScope, 'ACS::EIP::EipAddress');
  t.equal(r.Source.Owner, 'ALIYUN');
  t.equal(r.Source.Identifier, 'eip-bandwidth-limit');
  t.equal(r.CreateBy.AggregatorName, 'Test_Group');
  t.equal(r.CreateBy.CreatorType, 'AGGREGATOR');
  t.equal(r.ExtendContent, '{"fixedHour":"12"}');

  const xml = await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id }, { format: 'XML' });
  t.equal(xml.status, 200);
  t.match(xml.body, /^<\?xml version="1.0" encoding="utf-8"\?><GetAggregateConfigRuleResponse><RequestId>/);
  t.match(xml.body, `<ConfigRuleId>${id}</ConfigRuleId>`);
  t.match(xml.body, '<InputParameters><bandwidth>20</bandwidth></InputParameters>');
  t.match(xml.body, '<TagsScope><TagKey>env</TagKey><TagValue>prod</TagValue></TagsScope>');

  const cx = await call(em, 'CreateAggregateConfigRule', { ...base, ConfigRuleName: 'xml-rule' }, { format: 'XML', method: 'POST' });
  t.equal(cx.status, 200);
  t.match(cx.body, /<CreateAggregateConfigRuleResponse><RequestId>[^<]+<\/RequestId><ConfigRuleId>cr-[0-9a-f]{20}<\/ConfigRuleId><\/CreateAggregateConfigRuleResponse>/);
});

t.test('managed-rule parameter defaults, custom rules and encodings', async (t) => {
  const em = await testApp(t);
  const id = await create(em, { SourceIdentifier: 'ecs-instance-expired-check', ConfigRuleName: 'exp', ResourceTypesScope: 'ACS::ECS::Instance', ConfigRuleTriggerTypes: 'ScheduledNotification' });
  const r = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id })).json.ConfigRule;
  t.same(r.InputParameters, { days: '30' }, 'default filled');
  t.equal(r.MaximumExecutionFrequency, 'TwentyFour_Hours');
  t.same(r.ManagedRule.CompulsoryInputParameterDetails, { days: { type: r.ManagedRule.CompulsoryInputParameterDetails.days.type, defaultValue: '30' } });
  // flattened InputParameters and a JSON-array ResourceTypesScope
  const id2 = await create(em, { ConfigRuleName: 'flat', 'InputParameters.bandwidth': '5', ResourceTypesScope: '["ACS::EIP::EipAddress","ACS::ECS::Instance"]' });
  const r2 = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id2 })).json.ConfigRule;
  t.same(r2.InputParameters, { bandwidth: '5' });
  t.equal(r2.ResourceTypesScope, 'ACS::EIP::EipAddress,ACS::ECS::Instance');
  const fc = await create(em, {
    ConfigRuleName: 'fc', SourceOwner: 'CUSTOM_FC', SourceIdentifier: 'acs:fc:cn-hangzhou:1009318965421234:services/s/functions/f',
    InputParameters: '{"anything":"goes"}',
  });
  const r3 = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: fc })).json.ConfigRule;
  t.equal(r3.Source.Owner, 'CUSTOM_FC');
  t.notOk('ManagedRule' in r3);
});

t.test('ConfigRuleEvaluationStatus follows the engine: started, last run at the stamp of the results', async (t) => {
  const em = await testApp(t);
  const status = async (id: string) =>
    (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id })).json.ConfigRule.ConfigRuleEvaluationStatus;
  const createdAt = em.clock.now();
  const id = await create(em);
  t.same(await status(id), {
    FirstActivatedTimestamp: createdAt, FirstEvaluationStarted: true, LastErrorCode: '', LastErrorMessage: '',
    LastFailedEvaluationTimestamp: 0, LastFailedInvocationTimestamp: 0,
    LastSuccessfulEvaluationTimestamp: createdAt, LastSuccessfulInvocationTimestamp: createdAt,
  }, 'evaluated by its create (it has results)');
  em.clock.advance(60_000);
  t.equal((await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: AGG, ConfigRuleId: id })).status, 200);
  const rerun = await status(id);
  t.equal(rerun.LastSuccessfulEvaluationTimestamp, createdAt + 60_000, 'a later run moves it');
  t.equal(rerun.LastSuccessfulInvocationTimestamp, createdAt + 60_000);
  t.equal(rerun.FirstActivatedTimestamp, createdAt);

  em.clock.advance(60_000);
  const empty = await create(em, { ConfigRuleName: 'nothing-in-reach', RegionIdsScope: 'ap-nowhere-1' });
  t.same(em.services.store.evaluations.byRule(empty), [], 'its run found nothing in its reach');
  t.match(await status(empty), { FirstEvaluationStarted: true, LastSuccessfulEvaluationTimestamp: createdAt + 120_000 }, 'ran when created');

  const fc = await create(em, { ConfigRuleName: 'fc', SourceOwner: 'CUSTOM_FC', SourceIdentifier: 'acs:fc:cn-hangzhou:1009318965421234:services/s/functions/f' });
  t.match(await status(fc), { FirstEvaluationStarted: false, LastSuccessfulEvaluationTimestamp: 0, LastSuccessfulInvocationTimestamp: 0 }, 'a custom function is never run');
  t.equal((await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: id })).status, 200);
  t.match(await status(id), { FirstEvaluationStarted: false, LastSuccessfulEvaluationTimestamp: 0 }, 'a disabled rule keeps no results');
});

t.test('CreateAggregateConfigRule documented errors leave the store unchanged', async (t) => {
  const em = await testApp(t);
  for (const name of ['AggregatorId', 'ConfigRuleName', 'ConfigRuleTriggerTypes', 'ResourceTypesScope', 'RiskLevel', 'SourceIdentifier', 'SourceOwner'] as const) {
    const params: Record<string, string | number> = { ...base };
    delete params[name];
    await expectError(t, em, 'CreateAggregateConfigRule', params, { status: 400, code: `Missing${name}` });
  }
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, AccessKeyId: DEMO.aliceKey.id }, { status: 403, code: 'AggregatorMemberNoPermission' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, SourceIdentifier: 'no-such-managed-rule' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, ConfigRuleName: 'eip-bandwidth-limit' }, { status: 400, code: 'ConfigRuleExists' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, RiskLevel: 4 }, { status: 400, code: 'InvalidRiskLevel' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, SourceOwner: 'NOBODY' }, { status: 400, code: 'InvalidSourceOwner' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, ConfigRuleTriggerTypes: 'Sometimes' }, { status: 400, code: 'InvalidConfigRuleTriggerTypes' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, ResourceTypesScope: 'not-a-type' }, { status: 400, code: 'InvalidResourceTypesScope' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, InputParameters: '{bad json' }, { status: 400, code: 'InvalidInputParameters' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, InputParameters: '["a"]' }, { status: 400, code: 'InvalidInputParameters' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, SourceIdentifier: 'ecs-cpu-min-count-limit' }, { status: 400, code: 'InvalidInputParameters' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, MaximumExecutionFrequency: 'Daily' }, { status: 400, code: 'InvalidMaximumExecutionFrequency' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, Tag: '[{"Key":"acs:x","Value":"v"}]' }, { status: 400, code: 'Invalid.Tag.Value' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, ExtendContent: 'nope' }, { status: 400, code: 'InvalidExtendContent' });
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, SourceOwner: 'CUSTOM_FC', SourceIdentifier: 'not-an-arn' }, { status: 400, code: 'InvalidSourceIdentifier' });
  // XML error envelope
  const xml = await call(em, 'CreateAggregateConfigRule', { ...base, RiskLevel: 9 }, { format: 'XML' });
  t.match(xml.body, '<Code>InvalidRiskLevel</Code>');
});

t.test('ExceedMaxRuleCount at the per-group limit', async (t) => {
  const em = await testApp(t);
  const store = em.services.store;
  const fill = (from: number, to: number) => store.transaction(() => {
    for (let i = from; i < to; i++) {
      store.rules.insert({
        configRuleId: `cr-fill${String(i).padStart(16, '0')}`, accountId: DEMO.managementAccountId, aggregatorId: AGG, compliancePackId: '',
        name: `fill-${i}`, description: '', sourceOwner: 'ALIYUN', sourceIdentifier: 'eip-bandwidth-limit', riskLevel: 2, inputParameters: {},
        scope: {}, triggerTypes: 'ConfigurationItemChangeNotification', maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: 0, modifiedAt: 0,
      });
    }
  });
  fill(store.rules.count(DEMO.managementAccountId, AGG), 500);
  await expectError(t, em, 'CreateAggregateConfigRule', base, { status: 400, code: 'ExceedMaxRuleCount' });
  // The pack actions hold the same limit with their own code; nothing is written.
  const rules = JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]);
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'one-too-many', ConfigRules: rules }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' });
  const demoRules = store.rules.byPack(DEMO.compliancePackId).length;
  const plusOne = JSON.stringify(Array.from({ length: demoRules + 1 }, () => ({ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' })));
  await expectError(t, em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRules: plusOne }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
  await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: DEMO.compliancePackId }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
  const same = JSON.stringify(Array.from({ length: demoRules }, () => ({ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' })));
  const res = await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRules: same }, { method: 'POST' });
  t.equal(res.status, 200, 'an update that keeps the count stays within the limit');
  // Over the limit already (a fixture may load more): an update that does not grow the owner passes.
  fill(500, 503);
  const again = await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRules: same }, { method: 'POST' });
  t.equal(again.status, 200, 'over the limit, an update that adds nothing passes');
  const fewer = JSON.stringify(Array.from({ length: demoRules - 1 }, () => ({ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' })));
  t.equal((await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRules: fewer }, { method: 'POST' })).status, 200, 'and so does one that lowers the count');
  await expectError(t, em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRules: same }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
});

t.test('ClientToken makes CreateAggregateConfigRule idempotent', async (t) => {
  const em = await testApp(t);
  const a = await call(em, 'CreateAggregateConfigRule', { ...base, ClientToken: 'tok-1' });
  const before = dumpStore(em);
  const b = await call(em, 'CreateAggregateConfigRule', { ...base, ClientToken: 'tok-1' });
  t.equal(b.json.ConfigRuleId, a.json.ConfigRuleId);
  t.equal(dumpStore(em), before, 'nothing created the second time');
  await expectError(t, em, 'CreateAggregateConfigRule', { ...base, ConfigRuleName: 'other', ClientToken: 'tok-1' }, { status: 400, code: 'IdempotentParameterMismatch' });
});

t.test('UpdateAggregateConfigRule', async (t) => {
  const em = await testApp(t);
  const id = await create(em, { InputParameters: '{"bandwidth":"20"}', RegionIdsScope: 'cn-hangzhou' });
  const u = await call(em, 'UpdateAggregateConfigRule', {
    AggregatorId: AGG, ConfigRuleId: id, ConfigRuleName: 'renamed', RiskLevel: 3, Description: 'd2', InputParameters: '{"bandwidth":"50"}',
    ExcludeResourceIdsScope: 'eip-1',
  });
  t.equal(u.status, 200);
  t.same(u.json.ConfigRuleId, id);
  const r = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id })).json.ConfigRule;
  t.equal(r.ConfigRuleName, 'renamed');
  t.equal(r.RiskLevel, 3);
  t.equal(r.Description, 'd2');
  t.same(r.InputParameters, { bandwidth: '50' });
  t.equal(r.RegionIdsScope, 'cn-hangzhou', 'untouched scope kept');
  t.equal(r.ExcludeResourceIdsScope, 'eip-1');
  const x = await call(em, 'UpdateAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id, RiskLevel: 2 }, { format: 'XML' });
  t.match(x.body, `<ConfigRuleId>${id}</ConfigRuleId>`);

  await expectError(t, em, 'UpdateAggregateConfigRule', { AggregatorId: AGG }, { status: 400, code: 'MissingConfigRuleId' });
  await expectError(t, em, 'UpdateAggregateConfigRule', { ConfigRuleId: id }, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'UpdateAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: 'cr-00000000000000000000' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'UpdateAggregateConfigRule', { AggregatorId: 'ca-00000000000000000000', ConfigRuleId: id }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'UpdateAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id, ConfigRuleName: 'eip-bandwidth-limit' }, { status: 400, code: 'ConfigRuleExists' });
  await expectError(t, em, 'UpdateAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id, AccessKeyId: DEMO.aliceKey.id }, { status: 403, code: 'AggregatorMemberNoPermission' });
});

t.test('GetAggregateConfigRule errors', async (t) => {
  const em = await testApp(t);
  await expectError(t, em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: 'cr-00000000000000000000' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'GetAggregateConfigRule', { AggregatorId: 'ca-00000000000000000000', ConfigRuleId: 'cr-a260626622af0005a1b2' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'GetAggregateConfigRule', { AggregatorId: AGG }, { status: 400, code: 'MissingConfigRuleId' });
  await expectError(t, em, 'GetAggregateConfigRule', { ConfigRuleId: 'cr-a260626622af0005a1b2' }, { status: 400, code: 'MissingAggregatorId' });
  // a pack rule from the demo fixtures shows its pack
  const r = (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: 'cr-a260626622af0005a1b3' })).json.ConfigRule;
  t.equal(r.CreateBy.CompliancePackId, DEMO.compliancePackId);
  t.equal(r.CreateBy.CompliancePackName, 'Demo security baseline');
});

t.test('ListAggregateConfigRules: shape, paging, filters', async (t) => {
  const em = await testApp(t);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push(await create(em, { ConfigRuleName: `r-${String(i).padStart(2, '0')}`, RiskLevel: (i % 3) + 1, Tag: i === 5 ? '[{"key":"env","value":"prod"}]' : '[]' }));
  const first = await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG });
  t.equal(first.status, 200);
  const page = first.json.ConfigRules;
  t.same(sorted(page), ['ConfigRuleList', 'PageNumber', 'PageSize', 'TotalCount']);
  t.equal(page.PageNumber, 1);
  t.equal(page.PageSize, 10);
  t.equal(page.TotalCount, 21, '9 demo pack rules + 12');
  t.equal(page.ConfigRuleList.length, 10);
  t.same(sorted(page.ConfigRuleList[0]), LIST_KEYS);
  t.same(sorted(page.ConfigRuleList[0].CreateBy), CREATE_BY_KEYS);
  const second = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageNumber: 2 })).json.ConfigRules;
  t.equal(second.ConfigRuleList.length, 10);
  const third = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageNumber: 3 })).json.ConfigRules;
  t.equal(third.ConfigRuleList.length, 1);
  const all = [...page.ConfigRuleList, ...second.ConfigRuleList, ...third.ConfigRuleList].map((r: { ConfigRuleId: string }) => r.ConfigRuleId);
  t.equal(new Set(all).size, 21, 'pages do not overlap');
  t.same(all.slice(9), ids, 'creation order');
  const big = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageSize: 100 })).json.ConfigRules;
  t.equal(big.ConfigRuleList.length, 21);
  const beyond = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageNumber: 9 })).json.ConfigRules;
  t.same(beyond.ConfigRuleList, []);
  t.equal(beyond.TotalCount, 21);

  const tagged = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, Tag: '[{"Key":"env","Value":"prod"}]' })).json.ConfigRules;
  t.same(tagged.ConfigRuleList.map((r: { ConfigRuleId: string }) => r.ConfigRuleId), [ids[5]]);
  t.same(tagged.ConfigRuleList[0].Tags, [{ Key: 'env', Value: 'prod' }], 'list tags are {Key,Value}');
  const risk = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, RiskLevel: 3, PageSize: 100 })).json.ConfigRules;
  t.ok(risk.ConfigRuleList.every((r: { RiskLevel: number }) => r.RiskLevel === 3));
  const byPack = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId })).json.ConfigRules;
  t.equal(byPack.TotalCount, 9);
  const kw = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, Keyword: 'MFA' })).json.ConfigRules;
  t.equal(kw.TotalCount, 1);
  const name = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, ConfigRuleName: 'r-1' })).json.ConfigRules;
  t.equal(name.TotalCount, 2, 'r-10, r-11');
  const types = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, ResourceTypes: 'ACS::RAM::User' })).json.ConfigRules;
  t.equal(types.TotalCount, 1);
  const state = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, ConfigRuleState: 'INACTIVE' })).json.ConfigRules;
  t.equal(state.TotalCount, 0);
  for (const type of ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']) {
    const ct = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, ComplianceType: type, PageSize: 100 })).json.ConfigRules;
    const expected = big.ConfigRuleList.filter((r: { Compliance: { ComplianceType: string } }) => r.Compliance.ComplianceType === type).length;
    t.equal(ct.TotalCount, expected, `the ComplianceType filter agrees with the rules' Compliance (${type})`);
  }

  const xml = await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageSize: 2 }, { format: 'XML' });
  t.match(xml.body, /<ConfigRules><ConfigRuleList>.*<\/ConfigRuleList><ConfigRuleList>.*<\/ConfigRuleList><PageNumber>1<\/PageNumber><PageSize>2<\/PageSize><TotalCount>21<\/TotalCount><\/ConfigRules>/);

  await expectError(t, em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageSize: 0 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateConfigRules', { AggregatorId: AGG, PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
  await expectError(t, em, 'ListAggregateConfigRules', {}, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'ListAggregateConfigRules', { AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'ListAggregateConfigRules', { AggregatorId: AGG, ConfigRuleState: 'SLEEPING' }, { status: 400, code: 'InvalidConfigRuleState' });
});

t.test('Deactive/Active/Delete: per-item results and state transitions', async (t) => {
  const em = await testApp(t);
  const a = await create(em, { ConfigRuleName: 'a' });
  const b = await create(em, { ConfigRuleName: 'b' });
  const missing = 'cr-00000000000000000000';

  const d = await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: `${a},${missing}` });
  t.equal(d.status, 200);
  t.same(d.json.OperateRuleResult.OperateRuleItemList, [
    { ConfigRuleId: a, ErrorCode: '', Success: true },
    { ConfigRuleId: missing, ErrorCode: 'ConfigRuleNotExists', Success: false },
  ]);
  const get = async (id: string) => (await call(em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: id })).json.ConfigRule;
  t.equal((await get(a)).ConfigRuleState, 'INACTIVE');
  t.equal((await get(a)).Compliance.ComplianceType, 'NOT_APPLICABLE');
  const again = await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: a });
  t.same(again.json.OperateRuleResult.OperateRuleItemList, [{ ConfigRuleId: a, ErrorCode: 'ConfigRuleStatusNotActive', Success: false }]);
  const againXml = await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: a }, { format: 'XML' });
  t.match(againXml.body, /<DeactiveAggregateConfigRulesResponse><RequestId>[^<]+<\/RequestId><OperateRuleResult><OperateRuleItemList><ConfigRuleId>cr-[0-9a-f]{20}<\/ConfigRuleId><ErrorCode>ConfigRuleStatusNotActive<\/ErrorCode><Success>false<\/Success><\/OperateRuleItemList><\/OperateRuleResult><\/DeactiveAggregateConfigRulesResponse>/);

  const act = await call(em, 'ActiveAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: `${a},${b}` }, { format: 'XML' });
  t.equal(act.status, 200);
  t.match(act.body, `<OperateRuleResult><OperateRuleItemList><ConfigRuleId>${a}</ConfigRuleId><ErrorCode></ErrorCode><Success>true</Success></OperateRuleItemList><OperateRuleItemList><ConfigRuleId>${b}</ConfigRuleId><ErrorCode>ConfigRuleStatusNotInActive</ErrorCode><Success>false</Success></OperateRuleItemList></OperateRuleResult>`);
  t.equal((await get(a)).ConfigRuleState, 'ACTIVE');

  // a whole pack by CompliancePackId
  const packOff = await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId });
  t.equal(packOff.json.OperateRuleResult.OperateRuleItemList.length, 9);
  t.ok(packOff.json.OperateRuleResult.OperateRuleItemList.every((i: { Success: boolean }) => i.Success));
  const packOn = await call(em, 'ActiveAggregateConfigRules', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId, ConfigRuleIds: `cr-a260626622af0005a1b2,${a}` });
  t.same(packOn.json.OperateRuleResult.OperateRuleItemList.map((i: { Success: boolean }) => i.Success), [true, false], 'rules outside the pack fail');

  const del = await call(em, 'DeleteAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: `${a},cr-a260626622af0005a1b2,${missing}` });
  t.same(del.json.OperateRuleResult.OperateRuleItemList, [
    { ConfigRuleId: a, ErrorCode: '', Success: true },
    { ConfigRuleId: 'cr-a260626622af0005a1b2', ErrorCode: 'ConfigRuleCanNotDelete', Success: false },
    { ConfigRuleId: missing, ErrorCode: 'ConfigRuleNotExists', Success: false },
  ]);
  await expectError(t, em, 'GetAggregateConfigRule', { AggregatorId: AGG, ConfigRuleId: a }, { status: 400, code: 'ConfigRuleNotExists' });
  const delXml = await call(em, 'DeleteAggregateConfigRules', { AggregatorId: AGG, ConfigRuleIds: b }, { format: 'XML' });
  t.match(delXml.body, `<DeleteAggregateConfigRulesResponse><RequestId>`);
  t.match(delXml.body, `<Success>true</Success>`);

  const many = Array.from({ length: 21 }, (_, i) => `cr-${String(i).padStart(20, '0')}`).join(',');
  for (const action of ['DeleteAggregateConfigRules', 'ActiveAggregateConfigRules', 'DeactiveAggregateConfigRules']) {
    await expectError(t, em, action, { AggregatorId: AGG, ConfigRuleIds: many }, { status: 400, code: 'Invalid.ConfigRuleIds.SizeExceed' });
    await expectError(t, em, action, { AggregatorId: 'ca-00000000000000000000', ConfigRuleIds: b }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, action, { AggregatorId: AGG, ConfigRuleIds: b, AccessKeyId: DEMO.aliceKey.id }, { status: 403, code: 'AggregatorMemberNoPermission' });
    await expectError(t, em, action, { ConfigRuleIds: b }, { status: 400, code: 'MissingAggregatorId' });
  }
  await expectError(t, em, 'DeleteAggregateConfigRules', { AggregatorId: AGG }, { status: 400, code: 'MissingConfigRuleIds' });
  await expectError(t, em, 'ActiveAggregateConfigRules', { AggregatorId: AGG }, { status: 400, code: 'MissingConfigRuleIds' });
  await expectError(t, em, 'ActiveAggregateConfigRules', { AggregatorId: AGG, CompliancePackId: 'cp-00000000000000000000' }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
});

t.test('CopyConfigRules', async (t) => {
  const em = await testApp(t);
  const a = await create(em, { ConfigRuleName: 'copy-me', Tag: '[{"Key":"k","Value":"v"}]' });
  const same = await call(em, 'CopyConfigRules', { SrcAggregatorId: AGG, SrcConfigRuleIds: a });
  t.equal(same.status, 200);
  t.same(same.json, { RequestId: same.json.RequestId, CopyRulesResult: true });
  const names = (await call(em, 'ListAggregateConfigRules', { AggregatorId: AGG, Keyword: 'copy-me' })).json.ConfigRules.ConfigRuleList.map((r: { ConfigRuleName: string }) => r.ConfigRuleName);
  t.same(names, ['copy-me', 'copy-me-copy']);
  const x = await call(em, 'CopyConfigRules', { SrcConfigRuleIds: a, SrcAggregatorId: AGG, DesAggregatorIds: AGG }, { format: 'XML' });
  t.match(x.body, '<CopyRulesResult>true</CopyRulesResult>');
  await expectError(t, em, 'CopyConfigRules', {}, { status: 400, code: 'MissingSrcConfigRuleIds' });
  await expectError(t, em, 'CopyConfigRules', { SrcAggregatorId: AGG, SrcConfigRuleIds: 'cr-00000000000000000000' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, 'CopyConfigRules', { SrcAggregatorId: 'ca-00000000000000000000', SrcConfigRuleIds: a }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'CopyConfigRules', { SrcAggregatorId: AGG, SrcConfigRuleIds: a, DesAggregatorIds: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
});
