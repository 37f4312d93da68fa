import t from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator, CREATE_DELAY_MS } from './helpers.js';

const sortedKeys = (o: object) => Object.keys(o).sort();
const ALICE = { AccessKeyId: DEMO.aliceKey.id };
const MISSING_PACK = 'cp-00000000000000000000';
const rules = (...ids: string[]) => JSON.stringify(ids.map((id) => ({ ManagedRuleIdentifier: id })));

// Reference example key sets (actions.md, single-account packs have no AggregatorId).
const PACK_KEYS = [
  'AccountId', 'CompliancePackId', 'CompliancePackName', 'CompliancePackTemplateId', 'ConfigRules', 'CreateTimestamp', 'Description', 'RiskLevel', 'Scope',
  'Status', 'Tags', 'TemplateContent',
];
const SUMMARY_KEYS = ['AccountId', 'CompliancePackId', 'CompliancePackName', 'CompliancePackTemplateId', 'CreateTimestamp', 'Description', 'RiskLevel', 'Status', 'Tags'];
const REPORT_KEYS = ['AccountId', 'CompliancePackId', 'ReportCreateTimestamp', 'ReportStatus', 'ReportUrl'];

async function createPack(em: TestEmulator, name: string, ids = ['oss-bucket-public-read-prohibited', 'eip-bandwidth-limit'], extra: Record<string, string> = {}) {
  const res = await call(em, 'CreateCompliancePack', { CompliancePackName: name, ConfigRules: rules(...ids), ...extra }, { method: 'POST' });
  if (res.status !== 200) throw new Error(res.body);
  return res.json.CompliancePackId as string;
}
const getPack = async (em: TestEmulator, id: string, extra: Record<string, string> = {}) =>
  (await call(em, 'GetCompliancePack', { CompliancePackId: id, ...extra })).json.CompliancePack;
const ruleIdsOf = async (em: TestEmulator, id: string) => ((await getPack(em, id)).ConfigRules as { ConfigRuleId: string }[]).map((r) => r.ConfigRuleId);

t.test('CreateCompliancePack / GetCompliancePack / ListCompliancePacks', async (t) => {
  const em = await testApp(t);

  await t.test('create (JSON) from ConfigRules; get shape; CREATING -> ACTIVE', async (t) => {
    const res = await call(em, 'CreateCompliancePack', {
      CompliancePackName: 'mine',
      Description: 'single account',
      RiskLevel: 1,
      ConfigRules: JSON.stringify([{ managedRuleIdentifier: 'eip-bandwidth-limit', configRuleParameters: [{ parameterName: 'bandwidth', parameterValue: '5' }] }]),
      'ExcludeTagsScope.1.TagKey': 'skip',
      'ExcludeTagsScope.1.TagValue': 'yes',
      Tag: JSON.stringify([{ Key: 'owner', Value: 'me' }]),
    }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['CompliancePackId', 'RequestId']);
    const pack = await getPack(em, res.json.CompliancePackId);
    t.same(sortedKeys(pack), PACK_KEYS);
    t.equal(pack.AccountId, DEMO.managementAccountId);
    t.equal(pack.Status, 'CREATING');
    t.equal(pack.RiskLevel, 1);
    t.same(pack.Scope.ExcludeTagsScope, [{ TagKey: 'skip', TagValue: 'yes' }]);
    t.same(pack.ConfigRules[0].ConfigRuleParameters, [{ ParameterName: 'bandwidth', ParameterValue: '5', Required: true }]);
    t.same(pack.Tags, [{ TagKey: 'owner', TagValue: 'me' }]);
    t.equal(em.services.store.tags.of(res.json.CompliancePackId)[0].resourceType, 'ACS::Config::CompliancePack');
    em.clock.advance(CREATE_DELAY_MS);
    t.equal((await getPack(em, res.json.CompliancePackId)).Status, 'ACTIVE');
  });

  await t.test('create (XML) from a template id creates the template rules', async (t) => {
    const template = em.services.catalog.template('ct-484cff4e06a300621b5b')!;
    const res = await call(em, 'CreateCompliancePack', { CompliancePackName: 'sg', CompliancePackTemplateId: template.CompliancePackTemplateId }, { format: 'XML' });
    t.equal(res.status, 200);
    const id = /<CompliancePackId>(cp-[0-9a-f]{20})<\/CompliancePackId><\/CreateCompliancePackResponse>$/.exec(res.body)?.[1];
    t.ok(id);
    const pack = await getPack(em, id!);
    t.equal(pack.CompliancePackTemplateId, template.CompliancePackTemplateId);
    t.same(
      pack.ConfigRules.map((r: { ManagedRuleIdentifier: string }) => r.ManagedRuleIdentifier),
      template.ConfigRules.map((r) => r.ManagedRuleIdentifier),
    );
  });

  await t.test('create from TemplateContent', async (t) => {
    const content = JSON.stringify({
      configRuleTemplates: [{ configRuleName: 'referer', source: { owner: 'ALIYUN', identifier: 'oss-bucket-referer-limit' }, inputParameters: { allowEmptyReferer: 'false', allowReferers: 'https://a.example' } }],
    });
    const id = (await call(em, 'CreateCompliancePack', { CompliancePackName: 'tc', TemplateContent: content }, { method: 'POST' })).json.CompliancePackId;
    const pack = await getPack(em, id);
    t.equal(pack.TemplateContent, content);
    t.equal(pack.ConfigRules[0].ConfigRuleName, 'referer');
  });

  await t.test('idempotent with a ClientToken', async (t) => {
    const params = { CompliancePackName: 'tok', ConfigRules: rules('eip-bandwidth-limit'), ClientToken: 'single-1' };
    const a = await call(em, 'CreateCompliancePack', params);
    const b = await call(em, 'CreateCompliancePack', params);
    t.equal(b.json.CompliancePackId, a.json.CompliancePackId);
    await expectError(t, em, 'CreateCompliancePack', { ...params, CompliancePackName: 'tok2' }, { status: 400, code: 'IdempotentParameterMismatch' });
  });

  await t.test('get (XML) and get errors', async (t) => {
    const id = (await call(em, 'ListCompliancePacks', {})).json.CompliancePacksResult.CompliancePacks[0].CompliancePackId;
    const xml = await call(em, 'GetCompliancePack', { CompliancePackId: id }, { format: 'XML' });
    t.match(xml.body, new RegExp(`<GetCompliancePackResponse><RequestId>[^<]+</RequestId><CompliancePack><AccountId>${DEMO.managementAccountId}</AccountId><CompliancePackId>${id}</CompliancePackId>`));
    t.notMatch(xml.body, '<AggregatorId>');
    await expectError(t, em, 'GetCompliancePack', {}, { status: 400, code: 'MissingCompliancePackId' });
    await expectError(t, em, 'GetCompliancePack', { CompliancePackId: MISSING_PACK }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, 'GetCompliancePack', { CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.CompliancePackId.Value' }, {});
    await expectError(t, em, 'GetCompliancePack', { CompliancePackId: id, ...ALICE }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
  });

  await t.test('list: JSON and XML, paging, filters', async (t) => {
    const all = await call(em, 'ListCompliancePacks', {});
    const r = all.json.CompliancePacksResult;
    t.same(sortedKeys(r), ['CompliancePacks', 'PageNumber', 'PageSize', 'TotalCount']);
    t.same([r.PageNumber, r.PageSize, r.TotalCount], [1, 10, 4]);
    t.same(sortedKeys(r.CompliancePacks[0]), SUMMARY_KEYS);
    t.notOk(r.CompliancePacks.some((p: { CompliancePackId: string }) => p.CompliancePackId === DEMO.compliancePackId), 'group packs are not single-account packs');
    const page2 = await call(em, 'ListCompliancePacks', { PageNumber: 2, PageSize: 3 }, { format: 'XML' });
    t.match(page2.body, /<CompliancePacksResult><CompliancePacks><AccountId>/);
    t.match(page2.body, /<PageNumber>2<\/PageNumber><PageSize>3<\/PageSize><TotalCount>4<\/TotalCount>/);
    t.equal((page2.body.match(/<CompliancePacks>/g) ?? []).length, 1);
    const high = await call(em, 'ListCompliancePacks', { RiskLevel: 1 });
    t.same(high.json.CompliancePacksResult.CompliancePacks.map((p: { CompliancePackName: string }) => p.CompliancePackName), ['mine']);
    const tagged = await call(em, 'ListCompliancePacks', { Tag: JSON.stringify([{ Key: 'owner', Value: 'me' }]) });
    t.equal(tagged.json.CompliancePacksResult.TotalCount, 1);
    const creating = await call(em, 'ListCompliancePacks', { Status: 'CREATING' });
    t.equal(creating.json.CompliancePacksResult.TotalCount, 3);
    const beyond = await call(em, 'ListCompliancePacks', { PageNumber: 9 });
    t.same(beyond.json.CompliancePacksResult.CompliancePacks, []);
    t.equal(beyond.json.CompliancePacksResult.TotalCount, 4);
    await expectError(t, em, 'ListCompliancePacks', { PageSize: 0 }, { status: 400, code: 'InvalidPageSize' });
    await expectError(t, em, 'ListCompliancePacks', { PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
    await expectError(t, em, 'ListCompliancePacks', { PageNumber: -1 }, { status: 400, code: 'InvalidPageNumber' });
    await expectError(t, em, 'ListCompliancePacks', { Status: 'DELETED' }, { status: 400, code: 'InvalidStatus' });
  });

  await t.test('create errors', async (t) => {
    const ok = { CompliancePackName: 'n', ConfigRules: rules('eip-bandwidth-limit') };
    await expectError(t, em, 'CreateCompliancePack', { ConfigRules: ok.ConfigRules }, { status: 400, code: 'MissingCompliancePackName', message: 'CompliancePackName is mandatory for this action.' });
    await expectError(t, em, 'CreateCompliancePack', { ...ok, CompliancePackName: 'mine' }, { status: 400, code: 'CompliancePackExists' });
    await expectError(t, em, 'CreateCompliancePack', { ...ok, CompliancePackName: 'x'.repeat(129) }, { status: 400, code: 'Invalid.CompliancePackName.Value' });
    await expectError(t, em, 'CreateCompliancePack', { ...ok, CompliancePackTemplateId: 'ct-nope' }, { status: 400, code: 'Invalid.CompliancePackTemplateId.Value' });
    await expectError(t, em, 'CreateCompliancePack', { CompliancePackName: 'n' }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
    // A TemplateContent without rule templates gives no rules, like an empty ConfigRules.
    const noTemplates = JSON.stringify({ configRuleTemplates: [] });
    await expectError(t, em, 'CreateCompliancePack', { CompliancePackName: 'n', TemplateContent: noTemplates }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
    await expectError(t, em, 'CreateCompliancePack', { CompliancePackName: 'n', ConfigRules: '[]', TemplateContent: noTemplates }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
    await expectError(t, em, 'CreateCompliancePack', { ...ok, ConfigRules: '{"a":1}' }, { status: 400, code: 'Invalid.ConfigRules.Value' });
    // a required parameter without value or default
    await expectError(t, em, 'CreateCompliancePack', { ...ok, ConfigRules: rules('ecs-instance-attached-security-group') }, { status: 400, code: 'Invalid.ConfigRules.Value' });
    const many = rules(...Array.from({ length: 201 }, () => 'eip-bandwidth-limit'));
    await expectError(t, em, 'CreateCompliancePack', { ...ok, ConfigRules: many }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
    const { store } = em.services;
    store.transaction(() => {
      for (let i = store.packs.count(DEMO.managementAccountId, ''); i < 500; i++) {
        store.packs.insert({
          compliancePackId: `cp-limit${String(i).padStart(13, '0')}`, accountId: DEMO.managementAccountId, aggregatorId: '', name: `limit-${i}`, description: '',
          templateId: '', riskLevel: 2, scope: {}, templateContent: '', createdAt: 0, readyAt: 0,
        });
      }
    });
    await expectError(t, em, 'CreateCompliancePack', ok, { status: 400, code: 'CompliancePackExceedMaxCount' });
  });
});

t.test('UpdateCompliancePack', async (t) => {
  const em = await testApp(t);
  const id = await createPack(em, 'u');
  const other = await createPack(em, 'taken');
  void other;
  await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, Description: 'x' }, { status: 400, code: 'CompliancePackAlreadyPending' });
  em.clock.advance(CREATE_DELAY_MS);

  await t.test('JSON', async (t) => {
    const res = await call(em, 'UpdateCompliancePack', {
      CompliancePackId: id, CompliancePackName: 'u2', RiskLevel: 3, ConfigRules: rules('ecs-instance-no-public-ip'), TagKeyScope: 'env', TagValueScope: 'prod',
    }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['CompliancePackId', 'RequestId']);
    const pack = await getPack(em, id);
    t.equal(pack.CompliancePackName, 'u2');
    t.equal(pack.RiskLevel, 3);
    t.equal(pack.Scope.TagKeyScope, 'env');
    t.same(pack.ConfigRules.map((r: { ManagedRuleIdentifier: string }) => r.ManagedRuleIdentifier), ['ecs-instance-no-public-ip']);
  });

  await t.test('XML', async (t) => {
    const res = await call(em, 'UpdateCompliancePack', { CompliancePackId: id, Description: 'by xml' }, { format: 'XML' });
    t.match(res.body, `<UpdateCompliancePackResponse><RequestId>`);
    t.match(res.body, `<CompliancePackId>${id}</CompliancePackId></UpdateCompliancePackResponse>`);
    t.equal((await getPack(em, id)).Description, 'by xml');
  });

  await t.test('errors', async (t) => {
    await expectError(t, em, 'UpdateCompliancePack', { Description: 'x' }, { status: 400, code: 'MissingCompliancePackId' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: MISSING_PACK }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, ConfigRules: '[]' }, { status: 400, code: 'Invalid.ConfigRules.Empty' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, ConfigRules: rules('nope') }, { status: 400, code: 'Invalid.ConfigRules.Value' });
    const many = rules(...Array.from({ length: 201 }, () => 'eip-bandwidth-limit'));
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, ConfigRules: many }, { status: 400, code: 'ConfigRuleExceedMaxRuleCount' }, { method: 'POST' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, CompliancePackName: 'taken' }, { status: 400, code: 'CompliancePackExists' });
    await expectError(t, em, 'UpdateCompliancePack', { CompliancePackId: id, TagValueScope: 'v' }, { status: 400, code: 'MissingTagKeyScope' });
  });
});

t.test('DeleteCompliancePacks', async (t) => {
  const em = await testApp(t);
  const a = await createPack(em, 'a');
  const b = await createPack(em, 'b');
  em.clock.advance(CREATE_DELAY_MS);
  const aRules = await ruleIdsOf(em, a);
  const bRules = await ruleIdsOf(em, b);

  await t.test('JSON: default keeps rules; unknown and other-owner ids fail per item', async (t) => {
    const res = await call(em, 'DeleteCompliancePacks', { CompliancePackIds: `${a},${MISSING_PACK},${DEMO.compliancePackId}` }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(res.json.OperateCompliancePacksResult.OperateCompliancePacks, [
      { CompliancePackId: a, Success: true, ErrorCode: '' },
      { CompliancePackId: MISSING_PACK, Success: false, ErrorCode: 'Invalid.CompliancePackId.Value' },
      { CompliancePackId: DEMO.compliancePackId, Success: false, ErrorCode: 'Invalid.CompliancePackId.Value' },
    ]);
    t.same(sortedKeys(res.json.OperateCompliancePacksResult.OperateCompliancePacks[0]), ['CompliancePackId', 'ErrorCode', 'Success']);
    for (const r of aRules) t.equal(em.services.store.rules.get(r)?.compliancePackId, '');
    t.ok(em.services.store.packs.get(DEMO.compliancePackId));
  });

  await t.test('XML: DeleteRule=true', async (t) => {
    const res = await call(em, 'DeleteCompliancePacks', { CompliancePackIds: b, DeleteRule: true }, { format: 'XML' });
    t.match(res.body, `<DeleteCompliancePacksResponse><RequestId>`);
    t.match(res.body, `<OperateCompliancePacks><CompliancePackId>${b}</CompliancePackId><Success>true</Success><ErrorCode></ErrorCode></OperateCompliancePacks>`);
    for (const r of bRules) t.equal(em.services.store.rules.get(r), undefined);
  });

  await t.test('errors', async (t) => {
    await expectError(t, em, 'DeleteCompliancePacks', {}, { status: 400, code: 'MissingCompliancePackIds' });
    await expectError(t, em, 'DeleteCompliancePacks', { CompliancePackIds: 'cp-1,cp-2,cp-3,cp-4,cp-5,cp-6' }, {
      status: 400,
      code: 'Invalid.CompliancePackIds.SizeExceed',
      message: 'The maximum number of CompliancePackIds is 5.',
    });
    await expectError(t, em, 'DeleteCompliancePacks', { CompliancePackIds: ',' }, { status: 400, code: 'Invalid.CompliancePackIds.Empty' });
  });
});

t.test('GenerateCompliancePackReport / GetCompliancePackReport', async (t) => {
  const em = await testApp(t);
  const id = await createPack(em, 'r');
  const none = await call(em, 'GetCompliancePackReport', { CompliancePackId: id });
  t.equal(none.json.CompliancePackReport.ReportStatus, 'NONE');
  t.equal(none.json.CompliancePackReport.ReportUrl, '');

  const gen = await call(em, 'GenerateCompliancePackReport', { CompliancePackId: id }, { method: 'POST' });
  t.equal(gen.status, 200);
  t.same(gen.json, { RequestId: gen.json.RequestId, CompliancePackId: id });
  const creating = await call(em, 'GetCompliancePackReport', { CompliancePackId: id });
  t.equal(creating.json.CompliancePackReport.ReportStatus, 'CREATING');
  await expectError(t, em, 'GenerateCompliancePackReport', { CompliancePackId: id }, { status: 400, code: 'CompliancePackReportCreating' });
  em.clock.advance(1000);
  const done = await call(em, 'GetCompliancePackReport', { CompliancePackId: id });
  const report = done.json.CompliancePackReport;
  t.same(sortedKeys(report), REPORT_KEYS);
  t.equal(report.ReportStatus, 'COMPLETE');
  t.equal(report.AccountId, DEMO.managementAccountId);
  t.match(report.ReportUrl, new RegExp(`/CompliancePackReports/${DEMO.managementAccountId}/${id}/.*\\.xls\\?Expires=\\d+&OSSAccessKeyId=`), "single-account pack reports are a bare .xls workbook");
  const file = await em.app.inject({ method: 'GET', url: report.ReportUrl.replace(/^https?:\/\/[^/]+/, '') });
  t.equal(file.statusCode, 200, 'the link downloads');

  const xml = await call(em, 'GetCompliancePackReport', { CompliancePackId: id }, { format: 'XML' });
  t.match(xml.body, new RegExp(`<CompliancePackReport><CompliancePackId>${id}</CompliancePackId><AccountId>${DEMO.managementAccountId}</AccountId><ReportUrl>`));
  const genXml = await call(em, 'GenerateCompliancePackReport', { CompliancePackId: id }, { format: 'XML' });
  t.match(genXml.body, `<CompliancePackId>${id}</CompliancePackId></GenerateCompliancePackReportResponse>`);

  await expectError(t, em, 'GenerateCompliancePackReport', {}, { status: 400, code: 'MissingCompliancePackId' });
  await expectError(t, em, 'GenerateCompliancePackReport', { CompliancePackId: MISSING_PACK }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
  await expectError(t, em, 'GetCompliancePackReport', {}, { status: 400, code: 'MissingCompliancePackId' });
  await expectError(t, em, 'GetCompliancePackReport', { CompliancePackId: DEMO.compliancePackId }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
});

t.test('Attach/DetachConfigRuleToCompliancePack', async (t) => {
  const em = await testApp(t);
  const a = await createPack(em, 'a', ['oss-bucket-public-read-prohibited']);
  const loose = await createPack(em, 'loose', ['eip-bandwidth-limit', 'ecs-instance-no-public-ip']);
  const looseRules = await ruleIdsOf(em, loose);
  em.clock.advance(CREATE_DELAY_MS);
  // deleting a pack without DeleteRule leaves its rules as standalone rules of the account
  await call(em, 'DeleteCompliancePacks', { CompliancePackIds: loose });
  const groupRule = 'cr-a260626622af0005a1b2';

  await t.test('attach (JSON)', async (t) => {
    const res = await call(em, 'AttachConfigRuleToCompliancePack', { CompliancePackId: a, ConfigRuleIds: [...looseRules, groupRule].join(',') }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['OperateRuleResult', 'RequestId']);
    t.same(res.json.OperateRuleResult.OperateRuleItemList, [
      { ConfigRuleId: looseRules[0], Success: true, ErrorCode: '' },
      { ConfigRuleId: looseRules[1], Success: true, ErrorCode: '' },
      { ConfigRuleId: groupRule, Success: false, ErrorCode: 'ConfigRuleNotExists' },
    ]);
    t.equal((await ruleIdsOf(em, a)).length, 3);
  });

  await t.test('detach (XML)', async (t) => {
    const res = await call(em, 'DetachConfigRuleToCompliancePack', { CompliancePackId: a, ConfigRuleIds: looseRules[0] }, { format: 'XML' });
    t.match(res.body, `<DetachConfigRuleToCompliancePackResponse><RequestId>`);
    t.match(res.body, `<OperateRuleItemList><ConfigRuleId>${looseRules[0]}</ConfigRuleId><Success>true</Success><ErrorCode></ErrorCode></OperateRuleItemList>`);
    t.equal(em.services.store.rules.get(looseRules[0])?.compliancePackId, '');
  });

  await t.test('attach (XML), detach (JSON)', async (t) => {
    const res = await call(em, 'AttachConfigRuleToCompliancePack', { CompliancePackId: a, ConfigRuleIds: looseRules[0] }, { format: 'XML' });
    t.match(res.body, `<AttachConfigRuleToCompliancePackResponse><RequestId>`);
    t.match(res.body, `<ConfigRuleId>${looseRules[0]}</ConfigRuleId><Success>true</Success>`);
    const d = await call(em, 'DetachConfigRuleToCompliancePack', { CompliancePackId: a, ConfigRuleIds: `${looseRules[1]},cr-00000000000000000000` });
    t.same(d.json.OperateRuleResult.OperateRuleItemList, [
      { ConfigRuleId: looseRules[1], Success: true, ErrorCode: '' },
      { ConfigRuleId: 'cr-00000000000000000000', Success: false, ErrorCode: 'ConfigRuleNotExists' },
    ]);
  });

  await t.test('errors', async (t) => {
    for (const action of ['AttachConfigRuleToCompliancePack', 'DetachConfigRuleToCompliancePack']) {
      await expectError(t, em, action, { ConfigRuleIds: looseRules[0] }, { status: 400, code: 'MissingCompliancePackId' });
      await expectError(t, em, action, { CompliancePackId: a }, { status: 400, code: 'MissingConfigRuleIds' });
      await expectError(t, em, action, { CompliancePackId: MISSING_PACK, ConfigRuleIds: looseRules[0] }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
      await expectError(t, em, action, { CompliancePackId: DEMO.compliancePackId, ConfigRuleIds: groupRule }, { status: 400, code: 'Invalid.CompliancePackId.Value' });
      await expectError(t, em, action, { CompliancePackId: a, ConfigRuleIds: ' ' }, { status: 400, code: 'Invalid.ConfigRuleIds.Empty' });
    }
  });
});

t.test('flattened ConfigRules (RPC repeat-list style) and AccountNotExisted', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'CreateCompliancePack', {
    CompliancePackName: 'flat',
    'ConfigRules.1.ManagedRuleIdentifier': 'eip-bandwidth-limit',
    'ConfigRules.1.ConfigRuleParameters.1.ParameterName': 'bandwidth',
    'ConfigRules.1.ConfigRuleParameters.1.ParameterValue': '30',
    'ConfigRules.2.ManagedRuleIdentifier': 'oss-bucket-public-read-prohibited',
    'ConfigRules.2.RiskLevel': '3',
  }, { method: 'POST' });
  t.equal(res.status, 200);
  const pack = await getPack(em, res.json.CompliancePackId);
  t.same(pack.ConfigRules.map((r: { ManagedRuleIdentifier: string }) => r.ManagedRuleIdentifier), ['eip-bandwidth-limit', 'oss-bucket-public-read-prohibited']);
  t.same(pack.ConfigRules[0].ConfigRuleParameters, [{ ParameterName: 'bandwidth', ParameterValue: '30', Required: true }]);
  t.equal(pack.ConfigRules[1].RiskLevel, 3);

  // an account that has not enabled Cloud Config
  const { store } = em.services;
  store.transaction(() => {
    store.accounts.upsert({ accountId: 1999999999999999, accountName: 'off', configEnabled: false });
    store.accounts.upsertAccessKey({ accessKeyId: 'LTAI5tOffKey', secret: 'OffSecret', accountId: 1999999999999999 });
  });
  const id = res.json.CompliancePackId as string;
  const valid: [string, Record<string, string>][] = [
    ['CreateCompliancePack', { CompliancePackName: 'x', ConfigRules: rules('eip-bandwidth-limit') }],
    ['ListCompliancePacks', {}],
    ['GetCompliancePack', { CompliancePackId: id }],
    ['DeleteCompliancePacks', { CompliancePackIds: id }],
  ];
  for (const [action, params] of valid) {
    await expectError(t, em, action, { AccessKeyId: 'LTAI5tOffKey', ...params }, { status: 404, code: 'AccountNotExisted' });
  }
  // The gateway checks the parameters before the service looks at the account.
  await expectError(t, em, 'GetCompliancePack', { AccessKeyId: 'LTAI5tOffKey' }, { status: 400, code: 'MissingCompliancePackId' });
  await expectError(t, em, 'ListCompliancePacks', { AccessKeyId: 'LTAI5tOffKey', PageSize: 'ten' }, { status: 400, code: 'InvalidPageSize' });
  await expectError(t, em, 'ListCompliancePacks', { AccessKeyId: 'LTAI5tOffKey', Nope: '1' }, { status: 400, code: 'InvalidParameter' });
});
