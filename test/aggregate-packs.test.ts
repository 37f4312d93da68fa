import t from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator, CREATE_DELAY_MS } from './helpers.js';

const sortedKeys = (o: object) => Object.keys(o).sort();
const AGG = DEMO.aggregatorId;
const ALICE = { AccessKeyId: DEMO.aliceKey.id };
const MISSING_PACK = 'cp-00000000000000000000';
const rules = (...ids: string[]) => JSON.stringify(ids.map((id) => ({ ManagedRuleIdentifier: id })));

// Reference example key sets (actions.md).
const PACK_KEYS = [
  'AccountId', 'AggregatorId', 'CompliancePackId', 'CompliancePackName', 'CompliancePackTemplateId', 'ConfigRules', 'CreateTimestamp',
  'Description', 'RiskLevel', 'Scope', 'Status', 'Tags', 'TemplateContent',
];
const PACK_RULE_KEYS = ['ConfigRuleId', 'ConfigRuleName', 'ConfigRuleParameters', 'Description', 'ManagedRuleIdentifier', 'ResourceTypesScope', 'RiskLevel'];
const SCOPE_KEYS = [
  'ExcludeRegionIdsScope', 'ExcludeResourceGroupIdsScope', 'ExcludeResourceIdsScope', 'ExcludeTagsScope', 'RegionIdsScope', 'ResourceGroupIdsScope',
  'ResourceIdsScope', 'TagKeyScope', 'TagValueScope', 'TagsScope',
];
const SUMMARY_KEYS = ['AccountId', 'AggregatorId', 'CompliancePackId', 'CompliancePackName', 'CompliancePackTemplateId', 'CreateTimestamp', 'Description', 'RiskLevel', 'Status', 'Tags'];

async function createPack(em: TestEmulator, name: string, ruleIds: string[] = ['oss-bucket-public-read-prohibited', 'eip-bandwidth-limit'], extra: Record<string, string> = {}) {
  const res = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: name, ConfigRules: rules(...ruleIds), ...extra }, { method: 'POST' });
  if (res.status !== 200) throw new Error(res.body);
  return res.json.CompliancePackId as string;
}
const getPack = async (em: TestEmulator, id: string) => (await call(em, 'GetAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: id })).json.CompliancePack;
const rulesOf = async (em: TestEmulator, id: string) => (await getPack(em, id)).ConfigRules as { ConfigRuleId: string; ManagedRuleIdentifier: string; ConfigRuleParameters: unknown[]; RiskLevel: number }[];

t.test('CreateAggregateCompliancePack: CREATING then ACTIVE, JSON and XML, idempotent', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: AGG,
    CompliancePackName: 'p1',
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'eip-bandwidth-limit', ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '20' }], RiskLevel: 1 }]),
    RegionIdsScope: 'cn-hangzhou',
    'TagsScope.1.TagKey': 'k',
    'TagsScope.1.TagValue': 'v',
    Tag: JSON.stringify([{ Key: 'team', Value: 'sec' }]),
    ClientToken: 'create-1',
  }, { method: 'POST' });
  t.equal(res.status, 200);
  t.same(sortedKeys(res.json), ['CompliancePackId', 'RequestId']);
  t.match(res.json.CompliancePackId, /^cp-[0-9a-f]{20}$/);
  const again = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: AGG,
    CompliancePackName: 'p1',
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'eip-bandwidth-limit', ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '20' }], RiskLevel: 1 }]),
    RegionIdsScope: 'cn-hangzhou',
    'TagsScope.1.TagKey': 'k',
    'TagsScope.1.TagValue': 'v',
    Tag: JSON.stringify([{ Key: 'team', Value: 'sec' }]),
    ClientToken: 'create-1',
  }, { method: 'POST' });
  t.equal(again.json.CompliancePackId, res.json.CompliancePackId, 'same ClientToken, same answer');
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'p2', ConfigRules: rules('eip-bandwidth-limit'), ClientToken: 'create-1' }, {
    status: 400,
    code: 'IdempotentParameterMismatch',
  });

  let pack = await getPack(em, res.json.CompliancePackId);
  t.equal(pack.Status, 'CREATING');
  t.same(sortedKeys(pack), PACK_KEYS);
  t.same(sortedKeys(pack.Scope), SCOPE_KEYS);
  t.same(sortedKeys(pack.ConfigRules[0]), PACK_RULE_KEYS);
  t.same(pack.ConfigRules[0].ConfigRuleParameters, [{ ParameterName: 'bandwidth', ParameterValue: '20', Required: true }]);
  t.same(pack.Scope.TagsScope, [{ TagKey: 'k', TagValue: 'v' }]);
  t.same(pack.Tags, [{ TagKey: 'team', TagValue: 'sec' }]);
  const creating = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, Status: 'CREATING' });
  t.same(creating.json.CompliancePacksResult.CompliancePacks.map((p: { CompliancePackId: string }) => p.CompliancePackId), [res.json.CompliancePackId]);
  em.clock.advance(CREATE_DELAY_MS);
  pack = await getPack(em, res.json.CompliancePackId);
  t.equal(pack.Status, 'ACTIVE');

  const xml = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'x', ConfigRules: rules('eip-bandwidth-limit') }, { format: 'XML' });
  t.equal(xml.status, 200);
  t.match(xml.body, /<CreateAggregateCompliancePackResponse><RequestId>[^<]+<\/RequestId><CompliancePackId>cp-[0-9a-f]{20}<\/CompliancePackId><\/CreateAggregateCompliancePackResponse>$/);
});

t.test('GetAggregateCompliancePack and ListAggregateCompliancePacks shapes, XML, paging', async (t) => {
  const em = await testApp(t);
  const xml = await call(em, 'GetAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: DEMO.compliancePackId }, { format: 'XML' });
  t.equal(xml.status, 200);
  t.match(xml.body, /<CompliancePack><AccountId>1009318965421234<\/AccountId><AggregatorId>ca-f632626622af0079a1b2<\/AggregatorId>/);
  t.match(xml.body, /<ConfigRules><ConfigRuleId>cr-a260626622af0005a1b2<\/ConfigRuleId>/);
  t.match(xml.body, /<Status>ACTIVE<\/Status>/);
  for (let i = 0; i < 11; i++) await createPack(em, `p${i}`, ['oss-bucket-public-read-prohibited']);
  const first = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG });
  const r = first.json.CompliancePacksResult;
  t.same(sortedKeys(r), ['CompliancePacks', 'PageNumber', 'PageSize', 'TotalCount']);
  t.same([r.PageNumber, r.PageSize, r.TotalCount, r.CompliancePacks.length], [1, 10, 12, 10]);
  t.same(sortedKeys(r.CompliancePacks[0]), SUMMARY_KEYS);
  const second = await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageNumber: 2, PageSize: 10 }, { format: 'XML' });
  t.match(second.body, /<PageNumber>2<\/PageNumber><PageSize>10<\/PageSize><TotalCount>12<\/TotalCount><\/CompliancePacksResult>/);
  t.equal((second.body.match(/<CompliancePacks>/g) ?? []).length, 2);
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListAggregateCompliancePacks', { AggregatorId: AGG, PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
});

t.test('creating a pack from a template id creates the template rules', async (t) => {
  const em = await testApp(t);
  const template = em.services.catalog.template('ct-a5edff4e06a3004a5e15')!;
  const res = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'from-template', CompliancePackTemplateId: template.CompliancePackTemplateId });
  t.equal(res.status, 200);
  const pack = await getPack(em, res.json.CompliancePackId);
  t.equal(pack.CompliancePackTemplateId, template.CompliancePackTemplateId);
  t.same(pack.ConfigRules.map((r: { ManagedRuleIdentifier: string }) => r.ManagedRuleIdentifier), template.ConfigRules.map((r) => r.ManagedRuleIdentifier));
  // the big template uses many rules that exist only in the template: they are created too
  const big = await call(em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'mlps', CompliancePackTemplateId: 'ct-5f26ff4e06a300c49609' });
  t.equal(big.status, 200);
  t.equal((await rulesOf(em, big.json.CompliancePackId)).length, em.services.catalog.template('ct-5f26ff4e06a300c49609')!.ConfigRules.length);
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'bad', CompliancePackTemplateId: 'ct-00000000000000000000' }, {
    status: 400,
    code: 'Invalid.CompliancePackTemplateId.Value',
  });
});

t.test('CreateAggregateCompliancePack documented errors', async (t) => {
  const em = await testApp(t);
  const ok = { AggregatorId: AGG, CompliancePackName: 'n', ConfigRules: rules('eip-bandwidth-limit') };
  await expectError(t, em, 'CreateAggregateCompliancePack', { CompliancePackName: 'n', ConfigRules: ok.ConfigRules }, { status: 400, code: 'MissingAggregatorId' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, ConfigRules: ok.ConfigRules }, { status: 400, code: 'MissingCompliancePackName' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, CompliancePackName: '  ' }, { status: 400, code: 'Invalid.CompliancePackName.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, CompliancePackName: 'Demo security baseline' }, { status: 400, code: 'CompliancePackExists' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackName: 'n' }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, ConfigRules: rules('no-such-rule') }, { status: 400, code: 'Invalid.ConfigRules.Value' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, ConfigRules: '[{' }, { status: 400, code: 'Invalid.ConfigRules.Value' });
  const many = rules(...Array.from({ length: 201 }, () => 'oss-bucket-public-read-prohibited'));
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, ConfigRules: many }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
  await expectError(t, em, 'CreateAggregateCompliancePack', { ...ok, ...ALICE }, { status: 403, code: 'AggregatorMemberNoPermission' });
  // the per-owner limit (500)
  const { store } = em.services;
  store.transaction(() => {
    for (let i = 0; i < 499; i++) {
      store.packs.insert({
        compliancePackId: `cp-limit${String(i).padStart(13, '0')}`, accountId: DEMO.managementAccountId, aggregatorId: AGG, name: `limit-${i}`, description: '',
        templateId: '', riskLevel: 2, scope: {}, templateContent: '', createdAt: 0, readyAt: 0,
      });
    }
  });
  await expectError(t, em, 'CreateAggregateCompliancePack', ok, { status: 400, code: 'CompliancePackExceedMaxCount' });
});

t.test('UpdateAggregateCompliancePack', async (t) => {
  const em = await testApp(t);
  const id = await createPack(em, 'u1', ['oss-bucket-public-read-prohibited', 'eip-bandwidth-limit']);
  await expectError(t, em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: id, Description: 'x' }, { status: 400, code: 'CompliancePackAlreadyPending' });
  em.clock.advance(CREATE_DELAY_MS);
  const before = await rulesOf(em, id);

  await t.test('JSON: fields, scope and rules (same managed rule keeps its id)', async (t) => {
    const res = await call(em, 'UpdateAggregateCompliancePack', {
      AggregatorId: AGG,
      CompliancePackId: id,
      CompliancePackName: 'u1-renamed',
      Description: 'described',
      RiskLevel: 3,
      ExcludeRegionIdsScope: 'cn-shanghai',
      ConfigRules: JSON.stringify([
        { ManagedRuleIdentifier: 'eip-bandwidth-limit', ConfigRuleParameters: [{ ParameterName: 'bandwidth', ParameterValue: '50' }] },
        { ManagedRuleIdentifier: 'ecs-instance-no-public-ip' },
      ]),
    }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(res.json, { RequestId: res.json.RequestId, CompliancePackId: id });
    const pack = await getPack(em, id);
    t.equal(pack.CompliancePackName, 'u1-renamed');
    t.equal(pack.Description, 'described');
    t.equal(pack.RiskLevel, 3);
    t.equal(pack.Scope.ExcludeRegionIdsScope, 'cn-shanghai');
    const after = pack.ConfigRules as typeof before;
    t.same(after.map((r) => r.ManagedRuleIdentifier), ['eip-bandwidth-limit', 'ecs-instance-no-public-ip']);
    t.equal(after[0].ConfigRuleId, before.find((r) => r.ManagedRuleIdentifier === 'eip-bandwidth-limit')!.ConfigRuleId, 'updated in place');
    t.same(after[0].ConfigRuleParameters, [{ ParameterName: 'bandwidth', ParameterValue: '50', Required: true }]);
    const dropped = before.find((r) => r.ManagedRuleIdentifier === 'oss-bucket-public-read-prohibited')!.ConfigRuleId;
    t.equal(em.services.store.rules.get(dropped), undefined, 'a rule left out of ConfigRules is deleted');
    t.equal(em.services.store.rules.get(after[1].ConfigRuleId)!.scope.excludeRegionIdsScope, 'cn-shanghai', 'rules follow the pack scope');
  });

  await t.test('XML: leaves the rules alone without ConfigRules', async (t) => {
    const res = await call(em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG, CompliancePackId: id, Description: 'xml' }, { format: 'XML' });
    t.equal(res.status, 200);
    t.match(res.body, `<UpdateAggregateCompliancePackResponse><RequestId>`);
    t.match(res.body, `<CompliancePackId>${id}</CompliancePackId></UpdateAggregateCompliancePackResponse>`);
    t.equal((await rulesOf(em, id)).length, 2);
    t.equal((await getPack(em, id)).CompliancePackName, 'u1-renamed');
  });

  await t.test('documented errors, store unchanged', async (t) => {
    const base = { AggregatorId: AGG, CompliancePackId: id };
    await expectError(t, em, 'UpdateAggregateCompliancePack', { CompliancePackId: id }, { status: 400, code: 'MissingAggregatorId' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { AggregatorId: AGG }, { status: 400, code: 'MissingCompliancePackId' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, CompliancePackId: MISSING_PACK }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, ConfigRules: '[]' }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, ConfigRules: '[{"Foo":1}]' }, { status: 400, code: 'Invalid.ConfigRules.Value' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, ConfigRules: rules('eip-bandwidth-limit', 'nope') }, { status: 400, code: 'Invalid.ConfigRules.Value' });
    const many = rules(...Array.from({ length: 201 }, () => 'oss-bucket-public-read-prohibited'));
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, ConfigRules: many }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, CompliancePackName: 'Demo security baseline' }, { status: 400, code: 'CompliancePackExists' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, ...ALICE, Description: 'a' }, { status: 403, code: 'AggregatorMemberNoPermission' });
    await expectError(t, em, 'UpdateAggregateCompliancePack', { ...base, RiskLevel: 7 }, { status: 400, code: 'InvalidRiskLevel' });
  });
});

t.test('DeleteAggregateCompliancePacks', async (t) => {
  const em = await testApp(t);
  const keep = await createPack(em, 'keep-rules');
  const drop = await createPack(em, 'drop-rules');
  const pending = await createPack(em, 'pending', ['oss-bucket-public-read-prohibited'], {});
  em.clock.advance(CREATE_DELAY_MS);
  // a pack created after the clock moved is still CREATING
  const young = await createPack(em, 'young');
  void pending;
  const keptRules = (await rulesOf(em, keep)).map((r) => r.ConfigRuleId);
  const droppedRules = (await rulesOf(em, drop)).map((r) => r.ConfigRuleId);

  await t.test('JSON: DeleteRule=false (default) keeps the rules, detached', async (t) => {
    const res = await call(em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG, CompliancePackIds: `${keep},${MISSING_PACK},${young}` }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['OperateCompliancePacksResult', 'RequestId']);
    t.same(res.json.OperateCompliancePacksResult.OperateCompliancePacks, [
      { CompliancePackId: keep, Success: true, ErrorCode: '' },
      { CompliancePackId: MISSING_PACK, Success: false, ErrorCode: 'Invalid.CompliancePackId.Value' },
      { CompliancePackId: young, Success: false, ErrorCode: 'CompliancePackAlreadyPending' },
    ]);
    t.equal(em.services.store.packs.get(keep), undefined);
    for (const rid of keptRules) t.equal(em.services.store.rules.get(rid)?.compliancePackId, '', 'rule kept, detached');
    t.ok(em.services.store.packs.get(young), 'the pending pack is still there');
  });

  await t.test('XML: DeleteRule=true deletes the rules', async (t) => {
    const res = await call(em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG, CompliancePackIds: drop, DeleteRule: true }, { format: 'XML' });
    t.equal(res.status, 200);
    t.match(res.body, `<OperateCompliancePacksResult><OperateCompliancePacks><CompliancePackId>${drop}</CompliancePackId><Success>true</Success><ErrorCode></ErrorCode></OperateCompliancePacks></OperateCompliancePacksResult>`);
    for (const rid of droppedRules) t.equal(em.services.store.rules.get(rid), undefined, 'rule deleted');
  });

  await t.test('documented errors', async (t) => {
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { CompliancePackIds: young }, { status: 400, code: 'MissingAggregatorId' });
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG }, { status: 400, code: 'MissingCompliancePackIds' });
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { AggregatorId: 'ca-00000000000000000000', CompliancePackIds: young }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    const six = Array.from({ length: 6 }, (_, i) => `cp-${String(i).padStart(20, '0')}`).join(',');
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG, CompliancePackIds: six }, {
      status: 400,
      code: 'Invalid.CompliancePackIds.SizeExceed',
      message: 'The maximum number of CompliancePackIds is 5.',
    });
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { ...ALICE, AggregatorId: AGG, CompliancePackIds: DEMO.compliancePackId }, { status: 403, code: 'AggregatorMemberNoPermission' });
    await expectError(t, em, 'DeleteAggregateCompliancePacks', { AggregatorId: AGG, CompliancePackIds: young, DeleteRule: 'maybe' }, { status: 400, code: 'InvalidDeleteRule' });
  });
});

t.test('Attach/DetachAggregateConfigRuleToCompliancePack move rules between packs', async (t) => {
  const em = await testApp(t);
  const a = await createPack(em, 'a', ['oss-bucket-public-read-prohibited']);
  const b = await createPack(em, 'b', ['eip-bandwidth-limit']);
  const [ra] = (await rulesOf(em, a)).map((r) => r.ConfigRuleId);
  const [rb] = (await rulesOf(em, b)).map((r) => r.ConfigRuleId);

  await t.test('attach (JSON): moves a rule from b into a; unknown ids fail alone', async (t) => {
    const res = await call(em, 'AttachAggregateConfigRuleToCompliancePack', { AggregatorId: AGG, CompliancePackId: a, ConfigRuleIds: `${rb},cr-00000000000000000000` }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['OperateRuleResult', 'RequestId']);
    t.same(res.json.OperateRuleResult.OperateRuleItemList, [
      { ConfigRuleId: rb, Success: true, ErrorCode: '' },
      { ConfigRuleId: 'cr-00000000000000000000', Success: false, ErrorCode: 'ConfigRuleNotExists' },
    ]);
    t.same((await rulesOf(em, a)).map((r) => r.ConfigRuleId), [ra, rb]);
    t.same(await rulesOf(em, b), []);
  });

  await t.test('detach (XML): the rule leaves the pack and is kept', async (t) => {
    const res = await call(em, 'DetachAggregateConfigRuleToCompliancePack', { AggregatorId: AGG, CompliancePackId: a, ConfigRuleIds: ra }, { format: 'XML' });
    t.equal(res.status, 200);
    t.match(res.body, `<OperateRuleResult><OperateRuleItemList><ConfigRuleId>${ra}</ConfigRuleId><Success>true</Success><ErrorCode></ErrorCode></OperateRuleItemList></OperateRuleResult>`);
    t.equal(em.services.store.rules.get(ra)?.compliancePackId, '');
    const again = await call(em, 'DetachAggregateConfigRuleToCompliancePack', { AggregatorId: AGG, CompliancePackId: a, ConfigRuleIds: ra });
    t.same(again.json.OperateRuleResult.OperateRuleItemList, [{ ConfigRuleId: ra, Success: false, ErrorCode: 'ConfigRuleNotExists' }], 'not in this pack');
  });

  await t.test('attach (XML) the detached rule back; detach (JSON)', async (t) => {
    const res = await call(em, 'AttachAggregateConfigRuleToCompliancePack', { AggregatorId: AGG, CompliancePackId: b, ConfigRuleIds: ra }, { format: 'XML' });
    t.match(res.body, `<ConfigRuleId>${ra}</ConfigRuleId><Success>true</Success>`);
    t.equal(em.services.store.rules.get(ra)?.compliancePackId, b);
    const d = await call(em, 'DetachAggregateConfigRuleToCompliancePack', { AggregatorId: AGG, CompliancePackId: b, ConfigRuleIds: ra });
    t.same(d.json.OperateRuleResult.OperateRuleItemList, [{ ConfigRuleId: ra, Success: true, ErrorCode: '' }]);
  });

  await t.test('errors', async (t) => {
    for (const action of ['AttachAggregateConfigRuleToCompliancePack', 'DetachAggregateConfigRuleToCompliancePack']) {
      await expectError(t, em, action, { CompliancePackId: a, ConfigRuleIds: ra }, { status: 400, code: 'MissingAggregatorId' });
      await expectError(t, em, action, { AggregatorId: AGG, ConfigRuleIds: ra }, { status: 400, code: 'MissingCompliancePackId' });
      await expectError(t, em, action, { AggregatorId: AGG, CompliancePackId: a }, { status: 400, code: 'MissingConfigRuleIds' });
      await expectError(t, em, action, { AggregatorId: AGG, CompliancePackId: a, ConfigRuleIds: ',' }, { status: 400, code: 'Invalid.ConfigRuleIds.Empty' });
      await expectError(t, em, action, { AggregatorId: 'ca-00000000000000000000', CompliancePackId: a, ConfigRuleIds: ra }, { status: 400, code: 'Invalid.AggregatorId.Value' });
      await expectError(t, em, action, { AggregatorId: AGG, CompliancePackId: MISSING_PACK, ConfigRuleIds: ra }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
      await expectError(t, em, action, { ...ALICE, AggregatorId: AGG, CompliancePackId: a, ConfigRuleIds: ra }, { status: 403, code: 'AggregatorMemberNoPermission' });
    }
  });
});

t.test('CopyCompliancePacks', async (t) => {
  const em = await testApp(t);
  const other = await call(em, 'CreateAggregator', { AggregatorName: 'other', Description: 'd', AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.tomAccountId }]) });
  const dest = other.json.AggregatorId as string;
  em.clock.advance(CREATE_DELAY_MS);

  await t.test('JSON: into the same group (a -copy name) and into another group', async (t) => {
    const res = await call(em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: DEMO.compliancePackId }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(res.json, { RequestId: res.json.RequestId, CopyRulesResult: true });
    const list = (await call(em, 'ListAggregateCompliancePacks', { AggregatorId: AGG })).json.CompliancePacksResult.CompliancePacks;
    t.same(list.map((p: { CompliancePackName: string }) => p.CompliancePackName), ['Demo security baseline', 'Demo security baseline-copy']);
    t.equal(list[1].Status, 'CREATING');
    const srcRules = await rulesOf(em, DEMO.compliancePackId);
    const copyRules = await rulesOf(em, list[1].CompliancePackId);
    t.same(copyRules.map((r) => r.ManagedRuleIdentifier), srcRules.map((r) => r.ManagedRuleIdentifier));
    t.notSame(copyRules.map((r) => r.ConfigRuleId), srcRules.map((r) => r.ConfigRuleId), 'new rule ids');

    const res2 = await call(em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: DEMO.compliancePackId, DesAggregatorIds: dest });
    t.equal(res2.status, 200);
    const there = (await call(em, 'ListAggregateCompliancePacks', { AggregatorId: dest })).json.CompliancePacksResult;
    t.equal(there.TotalCount, 1);
    t.equal(there.CompliancePacks[0].CompliancePackName, 'Demo security baseline');
    t.equal(there.CompliancePacks[0].AggregatorId, dest);
  });

  await t.test('XML', async (t) => {
    const res = await call(em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: DEMO.compliancePackId, DesAggregatorIds: dest }, { format: 'XML' });
    t.match(res.body, /<CopyCompliancePacksResponse><RequestId>[^<]+<\/RequestId><CopyRulesResult>true<\/CopyRulesResult><\/CopyCompliancePacksResponse>$/);
    const names = (await call(em, 'ListAggregateCompliancePacks', { AggregatorId: dest })).json.CompliancePacksResult.CompliancePacks.map((p: { CompliancePackName: string }) => p.CompliancePackName);
    t.same(names, ['Demo security baseline', 'Demo security baseline-copy']);
  });

  await t.test('errors', async (t) => {
    await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: AGG }, { status: 400, code: 'MissingSrcCompliancePackIds' });
    await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: 'ca-00000000000000000000', SrcCompliancePackIds: DEMO.compliancePackId }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: MISSING_PACK }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: DEMO.compliancePackId, DesAggregatorIds: 'ca-00000000000000000000' }, {
      status: 400,
      code: 'Invalid.AggregatorId.Value',
    });
    await expectError(t, em, 'CopyCompliancePacks', { SrcAggregatorId: AGG, SrcCompliancePackIds: ' ' }, { status: 400, code: 'Invalid.SrcCompliancePackIds.Empty' });
  });
});
