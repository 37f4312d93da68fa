import t from 'tap';
import { bundledCatalog } from '../src/catalog.js';
import { call, expectError, testApp } from './helpers.js';

const sortedKeys = (o: object) => Object.keys(o).sort();
const catalog = bundledCatalog();
const TEMPLATE_COUNT = catalog.templateList().length;

// Reference example key sets (actions.md). LastUpdate is left out while the catalog does not know it.
const TEMPLATE_KEYS = ['CompliancePackTemplateId', 'CompliancePackTemplateName', 'ConfigRules', 'Description', 'Labels', 'RiskLevel'];
const TEMPLATE_RULE_KEYS = [
  'ConfigRuleParameters', 'ControlDescription', 'ControlId', 'DefaultEnable', 'Description', 'ManagedRuleIdentifier', 'ManagedRuleName', 'ResourceTypesScope', 'RiskLevel',
];
const LISTED_RULE_KEYS = [
  'ConfigRuleName', 'Description', 'HelpUrls', 'Identifier', 'Labels', 'RemediationTemplateIdentifier', 'RemediationTemplateName', 'RiskLevel', 'Scope', 'SupportPreviewManagedRule',
];
const RULE_KEYS = [
  'CompulsoryInputParameterDetails', 'ConfigRuleName', 'Description', 'HelpUrls', 'Identifier', 'Labels', 'OptionalInputParameterDetails', 'RiskLevel', 'Scope', 'SourceDetails',
];

t.test('the catalog turns template-only managed rules into entries', async (t) => {
  const ids = new Set(catalog.managedRules().filter((r) => r.origin === 'catalog').map((r) => r.identifier));
  const templateOnly = new Set(catalog.templateList().flatMap((x) => x.ConfigRules.map((r) => r.ManagedRuleIdentifier)).filter((id) => !ids.has(id)));
  t.equal(templateOnly.size, 62, 'the bundled templates use 62 rules that managed-rules.json does not describe');
  for (const id of templateOnly) {
    const r = catalog.managedRule(id);
    t.equal(r?.origin, 'template', id);
  }
  const vul = catalog.managedRule('ecs-all-updated-security-vul')!;
  t.equal(vul.name, 'ECS实例漏洞均已修复', 'the template name');
  t.equal(vul.defaultRiskLevel, 2, 'the API default risk level when the template gives none');
  t.same(vul.triggerTypes, ['ConfigurationItemChangeNotification']);
});

t.test('ListCompliancePackTemplates', async (t) => {
  const em = await testApp(t);

  await t.test('JSON: all templates, reference shape', async (t) => {
    const res = await call(em, 'ListCompliancePackTemplates', {});
    t.equal(res.status, 200);
    const r = res.json.CompliancePackTemplatesResult;
    t.same(sortedKeys(r), ['CompliancePackTemplates', 'PageNumber', 'PageSize', 'TotalCount']);
    t.same([r.PageNumber, r.PageSize, r.TotalCount], [1, 10, TEMPLATE_COUNT]);
    t.equal(r.CompliancePackTemplates.length, TEMPLATE_COUNT);
    t.same(sortedKeys(r.CompliancePackTemplates[0]), TEMPLATE_KEYS);
    t.same(sortedKeys(r.CompliancePackTemplates[0].ConfigRules[0]), TEMPLATE_RULE_KEYS);
    t.same(sortedKeys(r.CompliancePackTemplates[0].ConfigRules[0].ConfigRuleParameters[0]), ['ParameterName', 'ParameterValue', 'Required']);
  });

  await t.test('the CompliancePackTemplateId filter (JSON and XML)', async (t) => {
    const res = await call(em, 'ListCompliancePackTemplates', { CompliancePackTemplateId: 'ct-a5edff4e06a3004a5e15' });
    const r = res.json.CompliancePackTemplatesResult;
    t.equal(r.TotalCount, 1);
    t.equal(r.CompliancePackTemplates[0].CompliancePackTemplateId, 'ct-a5edff4e06a3004a5e15');
    t.equal(r.CompliancePackTemplates[0].ConfigRules.length, 7);
    const rule = r.CompliancePackTemplates[0].ConfigRules[0];
    t.same(rule.ConfigRuleParameters, [
      { ParameterName: 'allowEmptyReferer', ParameterValue: 'true', Required: true },
      { ParameterName: 'allowReferers', ParameterValue: 'www.landingzone.cc', Required: true },
    ]);
    const xml = await call(em, 'ListCompliancePackTemplates', { CompliancePackTemplateId: 'ct-a5edff4e06a3004a5e15' }, { format: 'XML' });
    t.match(xml.body, /^<\?xml version="1.0" encoding="utf-8"\?><ListCompliancePackTemplatesResponse><RequestId>[^<]+<\/RequestId><CompliancePackTemplatesResult><CompliancePackTemplates><CompliancePackTemplateId>ct-a5edff4e06a3004a5e15<\/CompliancePackTemplateId>/);
    t.match(xml.body, /<ConfigRuleParameters><ParameterName>allowEmptyReferer<\/ParameterName><ParameterValue>true<\/ParameterValue><Required>true<\/Required><\/ConfigRuleParameters>/);
    t.match(xml.body, /<TotalCount>1<\/TotalCount><\/CompliancePackTemplatesResult><\/ListCompliancePackTemplatesResponse>$/);
    const none = await call(em, 'ListCompliancePackTemplates', { CompliancePackTemplateId: 'ct-00000000000000000000' });
    t.same(none.json.CompliancePackTemplatesResult.CompliancePackTemplates, []);
    t.equal(none.json.CompliancePackTemplatesResult.TotalCount, 0);
  });

  await t.test('paging bounds and TotalCount', async (t) => {
    const p1 = (await call(em, 'ListCompliancePackTemplates', { PageSize: 2 })).json.CompliancePackTemplatesResult;
    const p2 = (await call(em, 'ListCompliancePackTemplates', { PageSize: 2, PageNumber: 2 })).json.CompliancePackTemplatesResult;
    const p3 = (await call(em, 'ListCompliancePackTemplates', { PageSize: 2, PageNumber: 3 })).json.CompliancePackTemplatesResult;
    t.same([p1.CompliancePackTemplates.length, p2.CompliancePackTemplates.length, p3.CompliancePackTemplates.length], [2, 2, 1]);
    t.same([p1.TotalCount, p2.TotalCount, p3.TotalCount], [5, 5, 5]);
    const ids = [...p1.CompliancePackTemplates, ...p2.CompliancePackTemplates, ...p3.CompliancePackTemplates].map((x: { CompliancePackTemplateId: string }) => x.CompliancePackTemplateId);
    t.same(ids, catalog.templateList().map((x) => x.CompliancePackTemplateId), 'stable order, no overlap');
    const beyond = (await call(em, 'ListCompliancePackTemplates', { PageSize: 2, PageNumber: 4 })).json.CompliancePackTemplatesResult;
    t.same(beyond.CompliancePackTemplates, []);
    await expectError(t, em, 'ListCompliancePackTemplates', { PageSize: 0 }, { status: 400, code: 'InvalidPageSize' });
    await expectError(t, em, 'ListCompliancePackTemplates', { PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
    await expectError(t, em, 'ListCompliancePackTemplates', { PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
    await expectError(t, em, 'ListCompliancePackTemplates', { PageNumber: 'x' }, { status: 400, code: 'InvalidPageNumber' });
    await expectError(t, em, 'ListCompliancePackTemplates', { RuleRiskLevel: 4 }, { status: 400, code: 'InvalidRuleRiskLevel' });
  });

  await t.test('ResourceTypes and RuleRiskLevel narrow the rules shown', async (t) => {
    const res = await call(em, 'ListCompliancePackTemplates', { ResourceTypes: 'ACS::OSS::Bucket', PageSize: 100 });
    const r = res.json.CompliancePackTemplatesResult;
    t.ok(r.TotalCount >= 1);
    for (const tpl of r.CompliancePackTemplates) {
      t.ok(tpl.ConfigRules.length > 0);
      for (const rule of tpl.ConfigRules) t.match(rule.ResourceTypesScope, 'ACS::OSS::Bucket');
    }
    const high = (await call(em, 'ListCompliancePackTemplates', { RuleRiskLevel: 1, PageSize: 100 })).json.CompliancePackTemplatesResult;
    for (const tpl of high.CompliancePackTemplates) for (const rule of tpl.ConfigRules) t.equal(rule.RiskLevel, 1);
  });
});

t.test('ListManagedRules', async (t) => {
  const em = await testApp(t);
  const total = catalog.managedRules().length;

  await t.test('JSON: defaults, shape, paging', async (t) => {
    const res = await call(em, 'ListManagedRules', {});
    const r = res.json.ManagedRules;
    t.same(sortedKeys(r), ['ManagedRuleList', 'PageNumber', 'PageSize', 'TotalCount']);
    t.same([r.PageNumber, r.PageSize, r.TotalCount, r.ManagedRuleList.length], [1, 10, total, 10]);
    t.same(sortedKeys(r.ManagedRuleList[0]), LISTED_RULE_KEYS);
    t.same(r.ManagedRuleList[0].Scope, { ComplianceResourceTypes: ['ACS::OSS::Bucket'] });
    const last = (await call(em, 'ListManagedRules', { PageSize: 100, PageNumber: 2 })).json.ManagedRules;
    t.equal(last.ManagedRuleList.length, total - 100);
    t.equal(last.TotalCount, total);
    await expectError(t, em, 'ListManagedRules', { PageSize: 101 }, { status: 400, code: 'InvalidPageSize' });
    await expectError(t, em, 'ListManagedRules', { PageNumber: 0 }, { status: 400, code: 'InvalidPageNumber' });
    await expectError(t, em, 'ListManagedRules', { RiskLevel: 9 }, { status: 400, code: 'InvalidRiskLevel' });
    await expectError(t, em, 'ListManagedRules', { FilterType: 'SOME' }, { status: 400, code: 'InvalidFilterType' });
  });

  await t.test('XML and filters', async (t) => {
    const xml = await call(em, 'ListManagedRules', { Keyword: 'EIP-Bandwidth-Limit' }, { format: 'XML' });
    t.match(xml.body, /<ListManagedRulesResponse><RequestId>[^<]+<\/RequestId><ManagedRules><ManagedRuleList><ConfigRuleName>eip-bandwidth-limit<\/ConfigRuleName>/);
    t.match(xml.body, /<Scope><ComplianceResourceTypes>ACS::EIP::EipAddress<\/ComplianceResourceTypes><\/Scope>/);
    t.match(xml.body, /<TotalCount>1<\/TotalCount><\/ManagedRules><\/ListManagedRulesResponse>$/);
    const oss = (await call(em, 'ListManagedRules', { ResourceTypes: 'ACS::OSS::Bucket', PageSize: 100 })).json.ManagedRules;
    t.ok(oss.TotalCount > 0);
    for (const r of oss.ManagedRuleList) t.ok(r.Scope.ComplianceResourceTypes.includes('ACS::OSS::Bucket'));
    const high = (await call(em, 'ListManagedRules', { RiskLevel: 1, PageSize: 100 })).json.ManagedRules;
    for (const r of high.ManagedRuleList) t.equal(r.RiskLevel, 1);
    const all = (await call(em, 'ListManagedRules', { FilterType: 'ALL' })).json.ManagedRules;
    t.equal(all.TotalCount, total);
  });

  await t.test('UNCOVERED_RESOURCE leaves out rules whose resource types are all covered', async (t) => {
    const before = (await call(em, 'ListManagedRules', { FilterType: 'UNCOVERED_RESOURCE', ResourceTypes: 'ACS::EIP::EipAddress' })).json.ManagedRules.TotalCount;
    t.ok(before > 0);
    await call(em, 'CreateCompliancePack', { CompliancePackName: 'eip', ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'eip-bandwidth-limit' }]) });
    const after = (await call(em, 'ListManagedRules', { FilterType: 'UNCOVERED_RESOURCE', ResourceTypes: 'ACS::EIP::EipAddress' })).json.ManagedRules.TotalCount;
    t.equal(after, 0);
  });
});

t.test('GetManagedRule', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'GetManagedRule', { Identifier: 'oss-bucket-referer-limit' });
  t.equal(res.status, 200);
  const r = res.json.ManagedRule;
  t.same(sortedKeys(r), RULE_KEYS);
  t.equal(r.Identifier, 'oss-bucket-referer-limit');
  t.same(r.Scope, { ComplianceResourceTypes: ['ACS::OSS::Bucket'] });
  t.same(Object.keys(r.CompulsoryInputParameterDetails), ['allowEmptyReferer', 'allowReferers']);
  t.same(r.OptionalInputParameterDetails, {});
  t.same(r.SourceDetails, [{ MessageType: 'ConfigurationItemChangeNotification' }]);

  const scheduled = (await call(em, 'GetManagedRule', { Identifier: 'ram-user-mfa-check' })).json.ManagedRule;
  t.same(scheduled.SourceDetails, [
    { MaximumExecutionFrequency: 'TwentyFour_Hours', MessageType: 'ConfigurationItemChangeNotification' },
    { MaximumExecutionFrequency: 'TwentyFour_Hours', MessageType: 'ScheduledNotification' },
  ]);

  const templateOnly = (await call(em, 'GetManagedRule', { Identifier: 'ecs-all-updated-security-vul' })).json.ManagedRule;
  t.equal(templateOnly.Identifier, 'ecs-all-updated-security-vul');
  t.same(templateOnly.Scope, { ComplianceResourceTypes: [] });

  const xml = await call(em, 'GetManagedRule', { Identifier: 'oss-bucket-referer-limit' }, { format: 'XML' });
  t.match(xml.body, /^<\?xml version="1.0" encoding="utf-8"\?><GetManagedRuleResponse><RequestId>[^<]+<\/RequestId><ManagedRule><CompulsoryInputParameterDetails><allowEmptyReferer><type>/);
  t.match(xml.body, /<OptionalInputParameterDetails\/><SourceDetails><MessageType>ConfigurationItemChangeNotification<\/MessageType><\/SourceDetails><\/ManagedRule><\/GetManagedRuleResponse>$/);

  await expectError(t, em, 'GetManagedRule', {}, { status: 400, code: 'MissingIdentifier', message: 'Identifier is mandatory for this action.' });
  await expectError(t, em, 'GetManagedRule', { Identifier: 'no-such-rule' }, { status: 400, code: 'Invalid.Identifier.Value' });
});
