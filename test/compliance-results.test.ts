/**
 * The compliance result actions: shapes in JSON and XML, documented errors (store unchanged), and
 * the demo's one story told the same by ByPack, ByAccount, the summaries, the evaluation results
 * and the downloaded workbook.
 */
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import t from 'tap';
import { evaluatePack } from '../src/engine/index.js';
import { combine } from '../src/engine/rollup.js';
import type { ComplianceType } from '../src/store/index.js';
import { call, DEMO, expectError, NOW, testApp, type TestEmulator } from './helpers.js';

const PACK = { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId };
type Json = Record<string, any>;

/** Every evaluation result of the aggregator, paging with NextToken. */
async function allResults(em: TestEmulator, filter: Record<string, string | number> = {}, pageSize = 7): Promise<Json[]> {
  const out: Json[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await call(em, 'ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, MaxResults: pageSize, ...filter, ...(token ? { NextToken: token } : {}) });
    if (res.status !== 200) throw new Error(res.body);
    out.push(...res.json.EvaluationResults.EvaluationResultList);
    token = res.json.EvaluationResults.NextToken;
    if (++pages > 100) throw new Error('paging does not end');
  } while (token);
  return out;
}
const q = (r: Json) => r.EvaluationResultIdentifier.EvaluationResultQualifier;

async function downloadWorkbook(em: TestEmulator, url: string): Promise<ExcelJS.Workbook> {
  const u = new URL(url);
  const res = await em.app.inject({ method: 'GET', url: u.pathname + u.search });
  if (res.statusCode !== 200) throw new Error(res.body);
  const files = unzipSync(new Uint8Array(res.rawPayload));
  const names = Object.keys(files);
  if (names.length !== 1 || !names[0].endsWith('.xlsx')) throw new Error(`unexpected zip entries ${names.join(',')}`);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(files[names[0]]) as unknown as ExcelJS.Buffer);
  return wb;
}
const rowsOf = (ws: ExcelJS.Worksheet): unknown[][] => {
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

t.test('the demo story is the same in every query and in the downloaded workbook', async (t) => {
  const em = await testApp(t);
  const byRule = (await call(em, 'GetAggregateConfigRuleComplianceByPack', PACK)).json.ConfigRuleComplianceResult;
  const byResource = (await call(em, 'GetAggregateResourceComplianceByPack', PACK)).json.ResourceComplianceResult;
  const byAccount = (await call(em, 'GetAggregateAccountComplianceByPack', PACK)).json.AccountComplianceResult;
  const summary = (await call(em, 'GetAggregateConfigRuleSummaryByRiskLevel', { AggregatorId: DEMO.aggregatorId })).json.ConfigRuleSummaries;
  const pack = (await call(em, 'GetAggregateCompliancePack', PACK)).json.CompliancePack;
  const results = await allResults(em);
  const packResults = await allResults(em, { CompliancePackId: DEMO.compliancePackId }, 100);
  t.same(packResults, results, 'every aggregator result belongs to the demo pack; page size does not change the list');

  // Rules: ByPack equals the roll-up of the listed results.
  t.equal(byRule.TotalCount, 9);
  const resultTypes = new Map<string, ComplianceType[]>();
  for (const r of results) resultTypes.set(q(r).ConfigRuleId, [...(resultTypes.get(q(r).ConfigRuleId) ?? []), r.ComplianceType]);
  for (const rc of byRule.ConfigRuleCompliances) t.equal(rc.ComplianceType, combine(resultTypes.get(rc.ConfigRuleId) ?? []), `${rc.ConfigRuleName} agrees with its results`);
  const ruleTypes = byRule.ConfigRuleCompliances.map((r: Json) => r.ComplianceType);
  t.equal(byRule.NonCompliantCount, ruleTypes.filter((x: string) => x === 'NON_COMPLIANT').length);
  t.equal(byRule.CompliantCount, ruleTypes.filter((x: string) => x === 'COMPLIANT').length);
  t.equal(byRule.NonCompliantCount + byRule.CompliantCount + byRule.NotApplicableCount + byRule.InsufficientDataCount + byRule.IgnoredCount, byRule.TotalCount);
  t.same([byRule.NonCompliantCount, byRule.CompliantCount], [7, 2], 'the demo: 7 non-compliant rules, 2 compliant');

  // Resources: distinct (account, type, id) of the results, combined.
  const perResource = new Map<string, ComplianceType[]>();
  for (const r of results) {
    const k = `${q(r).ResourceOwnerId}|${q(r).ResourceType}|${q(r).ResourceId}`;
    perResource.set(k, [...(perResource.get(k) ?? []), r.ComplianceType]);
  }
  const combined = [...perResource.values()].map((x) => combine(x));
  t.equal(byResource.TotalCount, perResource.size);
  t.equal(byResource.NonCompliantCount, combined.filter((x) => x === 'NON_COMPLIANT').length);
  t.equal(byResource.CompliantCount, combined.filter((x) => x === 'COMPLIANT').length);
  t.equal(byResource.NotApplicableCount, combined.filter((x) => x === 'NOT_APPLICABLE').length);
  t.ok(byResource.NonCompliantCount > 0 && byResource.CompliantCount > 0, 'some compliant, some not');

  // Accounts.
  t.equal(byAccount.TotalCount, 3);
  for (const a of byAccount.AccountCompliances) {
    const types = results.filter((r) => q(r).ResourceOwnerId === a.AccountId).map((r) => r.ComplianceType);
    t.equal(a.ComplianceType, combine(types), `${a.AccountName} agrees with its results`);
  }
  t.equal(byAccount.NonCompliantCount, byAccount.AccountCompliances.filter((a: Json) => a.ComplianceType === 'NON_COMPLIANT').length);

  // Summary by risk level: rules of each level, from ByPack and the pack's rule risk levels.
  const risk = new Map(pack.ConfigRules.map((r: Json) => [r.ConfigRuleId, r.RiskLevel]));
  for (const s of summary) {
    const of = byRule.ConfigRuleCompliances.filter((r: Json) => risk.get(r.ConfigRuleId) === s.RiskLevel);
    t.equal(s.CompliantCount, of.filter((r: Json) => r.ComplianceType === 'COMPLIANT').length, `risk ${s.RiskLevel} compliant`);
    t.equal(s.NonCompliantCount, of.filter((r: Json) => r.ComplianceType === 'NON_COMPLIANT').length, `risk ${s.RiskLevel} non-compliant`);
  }
  t.same(summary.map((s: Json) => s.RiskLevel), [1, 2, 3]);

  // Filters narrow the same list.
  const nc = await allResults(em, { ComplianceType: 'NON_COMPLIANT' });
  t.same(nc, results.filter((r) => r.ComplianceType === 'NON_COMPLIANT'));
  const tom = await allResults(em, { ResourceAccountId: DEMO.tomAccountId, Regions: 'cn-shanghai,global', ResourceTypes: 'ACS::OSS::Bucket,ACS::RAM::User' });
  t.same(tom, results.filter((r) => q(r).ResourceOwnerId === DEMO.tomAccountId && ['cn-shanghai', 'global'].includes(q(r).RegionId) && ['ACS::OSS::Bucket', 'ACS::RAM::User'].includes(q(r).ResourceType)));
  t.ok(tom.length > 0);
  const oneRule = await allResults(em, { ConfigRuleId: 'cr-a260626622af0005a1b5' });
  t.same(oneRule.map((r) => q(r).ResourceName).sort(), ['admin', 'alice', 'alice-dev', 'ci-robot', 'tom', 'tom-deploy']);
  t.ok(oneRule.every((r) => q(r).RegionId === 'global'), 'RAM users live in the global region');
  const prod = await allResults(em, { ResourceGroupIds: 'rg-acfmdemoprod0001' });
  t.ok(prod.length > 0 && prod.every((r) => q(r).ResourceGroupId === 'rg-acfmdemoprod0001'));

  // The workbook of a report generated now tells the same story.
  t.equal((await call(em, 'GenerateAggregateCompliancePackReport', PACK)).status, 200);
  em.clock.advance(1000);
  const report = (await call(em, 'GetAggregateCompliancePackReport', PACK)).json.CompliancePackReport;
  t.equal(report.ReportStatus, 'COMPLETE');
  const wb = await downloadWorkbook(em, report.ReportUrl);
  t.same(wb.worksheets.map((w) => w.name), ['检测概览', '不合规资源']);
  const overview = rowsOf(wb.worksheets[0]);
  const fact = (label: RegExp) => overview.find((r) => label.test(String(r[0])))?.[1];
  t.equal(fact(/^规则总数/), byRule.TotalCount);
  t.equal(fact(/^合规规则数/), byRule.CompliantCount);
  t.equal(fact(/^不合规规则数/), byRule.NonCompliantCount);
  t.equal(fact(/^资源总数/), byResource.TotalCount);
  t.equal(fact(/^合规资源数/), byResource.CompliantCount);
  t.equal(fact(/^不合规资源数/), byResource.NonCompliantCount);
  const header = overview.findIndex((r) => String(r[0]).startsWith('规则名称'));
  const ruleRows = overview.slice(header + 1).map((r) => ({ id: r[1], type: r[4], nc: r[5] }));
  t.same(
    ruleRows,
    byRule.ConfigRuleCompliances.map((r: Json) => ({ id: r.ConfigRuleId, type: r.ComplianceType, nc: nc.filter((x) => q(x).ConfigRuleId === r.ConfigRuleId).length })),
    'one overview row per rule, with its compliance and non-compliant count',
  );
  const sheet = rowsOf(wb.worksheets[1]);
  t.match(String(sheet[0][0]), /^账号ID/);
  t.same(
    sheet.slice(1).map((r) => `${r[0]}|${r[2]}|${r[4]}|${r[6]}|${r[7]}`),
    nc.map((r) => `${q(r).ResourceOwnerId}|${q(r).ConfigRuleId}|${q(r).ResourceId}|${q(r).ResourceType}|${q(r).RegionId}`),
    'one non-compliant row per listed NON_COMPLIANT result',
  );
});

t.test('each action answers in JSON and XML with the reference shapes', async (t) => {
  const em = await testApp(t);
  const single = insertSinglePack(em);
  const cases: [string, Record<string, string>, string[]][] = [
    ['GetAggregateConfigRuleComplianceByPack', PACK, ['ConfigRuleComplianceResult', 'ConfigRuleCompliances', 'ConfigRuleId', 'NonCompliantCount', 'TotalCount', 'CompliantCount']],
    ['GetAggregateResourceComplianceByPack', PACK, ['ResourceComplianceResult', 'NonCompliantCount', 'TotalCount', 'NotApplicableCount']],
    ['GetAggregateAccountComplianceByPack', PACK, ['AccountComplianceResult', 'AccountCompliances', 'AccountName', 'NonCompliantCount']],
    ['GetConfigRuleComplianceByPack', { CompliancePackId: single }, ['ConfigRuleComplianceResult', 'ConfigRuleCompliances', 'InsufficientDataCount']],
    ['GetResourceComplianceByPack', { CompliancePackId: single }, ['ResourceComplianceResult', 'CompliantCount']],
    ['ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, MaxResults: '2' }, ['EvaluationResults', 'EvaluationResultList', 'EvaluationResultQualifier', 'ConfigRuleArn', 'NextToken']],
    ['GetAggregateConfigRuleSummaryByRiskLevel', { AggregatorId: DEMO.aggregatorId }, ['ConfigRuleSummaries', 'RiskLevel', 'CompliantCount']],
    ['GetConfigRuleSummaryByRiskLevel', {}, ['ConfigRuleSummaries', 'NonCompliantCount']],
    ['StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-a260626622af0005a1b2' }, ['Result']],
  ];
  for (const [action, params, fields] of cases) {
    const json = await call(em, action, params);
    t.equal(json.status, 200, `${action} JSON`);
    for (const f of fields) t.ok(json.body.includes(`"${f}"`), `${action} JSON has ${f}`);
    const xml = await call(em, action, params, { format: 'XML' });
    t.equal(xml.status, 200, `${action} XML`);
    t.equal(xml.headers['content-type'], 'application/xml;charset=utf-8');
    t.ok(xml.body.includes(`<${action}Response>`), `${action} XML root`);
    for (const f of fields) t.ok(xml.body.includes(`<${f}>`), `${action} XML has ${f}`);
  }
  const list = (await call(em, 'ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, MaxResults: 1, ComplianceType: 'NON_COMPLIANT' })).json.EvaluationResults;
  const r = list.EvaluationResultList[0];
  t.match(r, {
    Annotation: /^\{"configuration":/,
    ComplianceType: 'NON_COMPLIANT',
    ConfigRuleInvokedTimestamp: NOW,
    EvaluationId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        CompliancePackId: DEMO.compliancePackId,
        ConfigRuleArn: `acs:config::${DEMO.managementAccountId}:rule/cr-a260626622af0005a1b2`,
        ConfigRuleId: 'cr-a260626622af0005a1b2',
        ConfigRuleName: 'oss-bucket-public-read-prohibited',
        ResourceType: 'ACS::OSS::Bucket',
      },
      OrderingTimestamp: NOW,
    },
    InvokingEventMessageType: 'ConfigurationItemChangeNotification',
    LastNonCompliantRecordTimestamp: NOW,
    RemediationEnabled: false,
    ResultRecordedTimestamp: NOW,
    RiskLevel: 1,
  });
  t.equal(list.MaxResults, 1);
});

/** A single-account pack of the management account, inserted through the store (issue 3 adds the actions). */
function insertSinglePack(em: TestEmulator): string {
  const { store } = em.services;
  const id = 'cp-51a91e0000000000a1b2';
  store.transaction(() => {
    store.packs.insert({ compliancePackId: id, accountId: DEMO.managementAccountId, aggregatorId: '', name: 'own pack', description: '', templateId: '', riskLevel: 2, scope: {}, templateContent: '', createdAt: NOW, readyAt: NOW });
    const rule = (n: number, identifier: string, riskLevel: number, inputParameters: Record<string, string> = {}) =>
      store.rules.insert({
        configRuleId: `cr-51a91e000000000000${n}`, accountId: DEMO.managementAccountId, aggregatorId: '', compliancePackId: id, name: identifier, description: '',
        sourceOwner: 'ALIYUN', sourceIdentifier: identifier, riskLevel, inputParameters, scope: {}, triggerTypes: 'ConfigurationItemChangeNotification',
        maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: NOW, modifiedAt: NOW,
      });
    rule(1, 'oss-bucket-public-read-prohibited', 1);
    rule(2, 'ecs-instance-deletion-protection-enabled', 2);
    rule(3, 'slb-acl-public-access-check', 3);
    evaluatePack(em.services, store.packs.get(id)!, NOW);
  });
  return id;
}

t.test('single-account packs: rules, resources and summary come from the owner account only', async (t) => {
  const em = await testApp(t);
  const id = insertSinglePack(em);
  const rules = (await call(em, 'GetConfigRuleComplianceByPack', { CompliancePackId: id })).json.ConfigRuleComplianceResult;
  t.same(rules.ConfigRuleCompliances.map((r: Json) => r.ComplianceType), ['NON_COMPLIANT', 'COMPLIANT', 'INSUFFICIENT_DATA']);
  t.match(rules, { TotalCount: 3, NonCompliantCount: 1, CompliantCount: 1, InsufficientDataCount: 1, NotApplicableCount: 0, IgnoredCount: 0 });
  const resources = (await call(em, 'GetResourceComplianceByPack', { CompliancePackId: id })).json.ResourceComplianceResult;
  t.match(resources, { CompliancePackId: id, TotalCount: 4, NonCompliantCount: 1, CompliantCount: 3 }, 'the management account: 2 buckets, 2 instances');
  const summary = (await call(em, 'GetConfigRuleSummaryByRiskLevel')).json.ConfigRuleSummaries;
  t.same(summary, [
    { CompliantCount: 0, NonCompliantCount: 1, RiskLevel: 1 },
    { CompliantCount: 1, NonCompliantCount: 0, RiskLevel: 2 },
    { CompliantCount: 0, NonCompliantCount: 0, RiskLevel: 3 },
  ]);
  const alice = (await call(em, 'GetConfigRuleSummaryByRiskLevel', { AccessKeyId: DEMO.aliceKey.id })).json.ConfigRuleSummaries;
  t.same(alice.map((s: Json) => s.CompliantCount + s.NonCompliantCount), [0, 0, 0], 'Alice has no rules of her own');
});

t.test('StartAggregateConfigRuleEvaluation re-evaluates at the clock time; pack creation evaluates at once', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  const loadedAt = store.evaluations.byRule('cr-a260626622af0005a1b3')[0].evaluatedAt;
  const bucket = store.resources.get(DEMO.tomAccountId, 'ACS::OSS::Bucket', 'tom-share')!;
  store.resources.upsert({ ...bucket, configuration: { ...bucket.configuration, AccessControlList: { Grant: 'private' } } });
  em.clock.advance(60_000);
  const res = await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-a260626622af0005a1b2' });
  t.same(res.json.Result, true);
  const after = store.evaluations.byRule('cr-a260626622af0005a1b2');
  t.equal(after.find((r) => r.resourceId === 'tom-share')?.complianceType, 'COMPLIANT');
  t.ok(after.every((r) => r.evaluatedAt === NOW + 60_000));
  t.equal(store.evaluations.byRule('cr-a260626622af0005a1b3')[0].evaluatedAt, loadedAt, 'other rules untouched');
  em.clock.advance(60_000);
  t.same((await call(em, 'StartAggregateConfigRuleEvaluation', { ...PACK, RevertEvaluation: true })).json.Result, true);
  t.equal(store.evaluations.byRule('cr-a260626622af0005a1b3')[0].evaluatedAt, NOW + 120_000, 'the whole pack ran');

  const created = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: DEMO.aggregatorId, CompliancePackName: 'fresh', RiskLevel: 1,
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'rds-high-availability-category' }, { ManagedRuleIdentifier: 'ecs-disk-in-use' }]),
  });
  t.equal(created.status, 200);
  const fresh = (await call(em, 'GetAggregateConfigRuleComplianceByPack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: created.json.CompliancePackId })).json.ConfigRuleComplianceResult;
  t.same(fresh.ConfigRuleCompliances.map((r: Json) => r.ComplianceType), ['NON_COMPLIANT', 'NON_COMPLIANT'], 'evaluated as soon as created');
  const deactivated = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: DEMO.aggregatorId, CompliancePackName: 'disabled', DefaultEnable: false, ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'ecs-disk-in-use' }]),
  });
  const off = (await call(em, 'GetAggregateConfigRuleComplianceByPack', { AggregatorId: DEMO.aggregatorId, CompliancePackId: deactivated.json.CompliancePackId })).json.ConfigRuleComplianceResult;
  t.same(off.ConfigRuleCompliances.map((r: Json) => r.ComplianceType), ['NOT_APPLICABLE'], 'inactive rules are not evaluated and apply to nothing');
  t.match(off, { TotalCount: 1, NotApplicableCount: 1, InsufficientDataCount: 0 });
  const offRule = off.ConfigRuleCompliances[0].ConfigRuleId;
  t.same((await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: offRule })).json.Result, false, 'nothing evaluated');
});

t.test('results keep their history across runs: LastNonCompliantRecordTimestamp and LastCompliantFixedTimestamp', async (t) => {
  const em = await testApp(t);
  const { store } = em.services;
  const RULE = 'cr-a260626622af0005a1b2';
  const item = async (resourceId: string) => {
    const list = (await call(em, 'ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: RULE, MaxResults: 100 })).json;
    return list.EvaluationResults.EvaluationResultList.find((r: Json) => r.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId === resourceId);
  };
  const first = await item('tom-share');
  t.equal(first.ComplianceType, 'NON_COMPLIANT');
  const foundAt = first.ResultRecordedTimestamp;
  t.equal(first.LastNonCompliantRecordTimestamp, foundAt, 'non-compliant when last evaluated');
  t.notOk('LastCompliantFixedTimestamp' in first, 'never fixed');
  const compliant = (await call(em, 'ListAggregateConfigRuleEvaluationResults', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: RULE, ComplianceType: 'COMPLIANT', MaxResults: 100 })).json
    .EvaluationResults.EvaluationResultList[0];
  t.ok(compliant, 'the rule has a resource compliant from the first run');
  t.notOk('LastNonCompliantRecordTimestamp' in compliant || 'LastCompliantFixedTimestamp' in compliant, 'which carries neither');

  // Fixed, then evaluated again a minute later.
  const bucket = store.resources.get(DEMO.tomAccountId, 'ACS::OSS::Bucket', 'tom-share')!;
  store.resources.upsert({ ...bucket, configuration: { ...bucket.configuration, AccessControlList: { Grant: 'private' } } });
  em.clock.advance(60_000);
  await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: RULE });
  const fixed = await item('tom-share');
  t.match(fixed, { ComplianceType: 'COMPLIANT', LastNonCompliantRecordTimestamp: foundAt, LastCompliantFixedTimestamp: NOW + 60_000 });
  t.same(Object.keys(fixed).slice(-2), ['RiskLevel', 'LastCompliantFixedTimestamp'], 'in the place of the reference example');

  // Still compliant a minute later: the fix keeps its time.
  em.clock.advance(60_000);
  await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: RULE });
  t.match(await item('tom-share'), { ResultRecordedTimestamp: NOW + 120_000, LastCompliantFixedTimestamp: NOW + 60_000, LastNonCompliantRecordTimestamp: foundAt });

  // Broken again: found non-compliant now, the last fix stays in the past.
  store.resources.upsert({ ...bucket });
  em.clock.advance(60_000);
  await call(em, 'StartAggregateConfigRuleEvaluation', { AggregatorId: DEMO.aggregatorId, ConfigRuleId: RULE });
  t.match(await item('tom-share'), { ComplianceType: 'NON_COMPLIANT', LastNonCompliantRecordTimestamp: NOW + 180_000, LastCompliantFixedTimestamp: NOW + 60_000 });
});

t.test('documented errors leave the store unchanged', async (t) => {
  const em = await testApp(t);
  const single = insertSinglePack(em);
  const badAgg = { status: 400, code: 'Invalid.AggregatorId.Value', message: 'The specified AggregatorId is invalid.' };
  const badPack = { status: 400, code: 'Invalid.CompliancePackId.Value', message: 'The specified CompliancePackId does not exist.' };
  for (const action of ['GetAggregateConfigRuleComplianceByPack', 'GetAggregateResourceComplianceByPack', 'GetAggregateAccountComplianceByPack']) {
    await expectError(t, em, action, { ...PACK, AggregatorId: 'ca-0000000000000000dead' }, badAgg);
    await expectError(t, em, action, { ...PACK, CompliancePackId: 'cp-0000000000000000dead' }, badPack);
    await expectError(t, em, action, { ...PACK, CompliancePackId: single }, badPack);
    await expectError(t, em, action, { ...PACK, AccessKeyId: DEMO.aliceKey.id }, badAgg);
    await expectError(t, em, action, { AggregatorId: DEMO.aggregatorId }, { status: 400, code: 'MissingCompliancePackId' });
  }
  for (const action of ['GetConfigRuleComplianceByPack', 'GetResourceComplianceByPack']) {
    await expectError(t, em, action, { CompliancePackId: 'cp-0000000000000000dead' }, badPack);
    await expectError(t, em, action, { CompliancePackId: DEMO.compliancePackId }, badPack);
    await expectError(t, em, action, { CompliancePackId: single, AccessKeyId: DEMO.aliceKey.id }, badPack);
    await expectError(t, em, action, {}, { status: 400, code: 'MissingCompliancePackId' });
  }
  const list = 'ListAggregateConfigRuleEvaluationResults';
  await expectError(t, em, list, { AggregatorId: 'ca-0000000000000000dead' }, badAgg);
  await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, CompliancePackId: 'cp-0000000000000000dead' }, badPack);
  await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 101 }, { status: 400, code: 'InvalidMaxResults' });
  await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, ComplianceType: 'BROKEN' }, { status: 400, code: 'InvalidComplianceType' });
  await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, NextToken: 'garbage' }, { status: 400, code: 'Invalid.NextToken.Value' });
  const page = (await call(em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 2 })).json.EvaluationResults;
  await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 2, ComplianceType: 'COMPLIANT', NextToken: page.NextToken }, { status: 400, code: 'Invalid.NextToken.Value' });
  await expectError(t, em, 'GetAggregateConfigRuleSummaryByRiskLevel', { AggregatorId: 'ca-0000000000000000dead' }, badAgg);
  await expectError(t, em, 'GetAggregateConfigRuleSummaryByRiskLevel', {}, { status: 400, code: 'MissingAggregatorId' });

  const start = 'StartAggregateConfigRuleEvaluation';
  await expectError(t, em, start, { AggregatorId: 'ca-0000000000000000dead', ConfigRuleId: 'cr-a260626622af0005a1b2' }, badAgg);
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId }, { status: 400, code: 'MissingConfigRuleId' });
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-a260626622af0005a1b2', AccessKeyId: DEMO.aliceKey.id }, { status: 403, code: 'AggregatorMemberNoPermission' });
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-0000000000000000dead' }, { status: 400, code: 'ConfigRuleNotExists', message: 'The ConfigRule does not exist.' });
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-51a91e0000000000001' }, { status: 400, code: 'ConfigRuleNotExists' });
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId, CompliancePackId: 'cp-0000000000000000dead' }, badPack);
  await expectError(t, em, start, { AggregatorId: DEMO.aggregatorId, ConfigRuleId: 'cr-a260626622af0005a1b2', CompliancePackId: 'cp-0000000000000000dead' }, badPack);
});

t.test('ListAggregateConfigRuleEvaluationResults: NextToken resumes after the last result given', async (t) => {
  const em = await testApp(t);
  const list = 'ListAggregateConfigRuleEvaluationResults';
  const id = (r: Json) => JSON.stringify(q(r));
  const before = await allResults(em, {}, 100);
  const page = (await call(em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 10 })).json.EvaluationResults;
  const last = page.EvaluationResultList[9];
  const firstRule = q(before[0]).ConfigRuleId;
  t.not(q(last).ConfigRuleId, firstRule, 'the page ends past the first rule');
  // Results before the cursor go: the first rule is deactivated.
  t.equal((await call(em, 'DeactiveAggregateConfigRules', { AggregatorId: DEMO.aggregatorId, ConfigRuleIds: firstRule })).status, 200);
  const now = await allResults(em, {}, 100);
  t.not(now.length, before.length, 'the list changed before the cursor');
  const rest: Json[] = [];
  let token: string | undefined = page.NextToken;
  while (token) {
    const res = (await call(em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 10, NextToken: token })).json.EvaluationResults;
    rest.push(...res.EvaluationResultList);
    token = res.NextToken;
  }
  const at = now.findIndex((r) => id(r) === id(last));
  t.ok(at >= 0);
  t.same(rest.map(id), now.slice(at + 1).map(id), 'nothing after the cursor skipped or repeated');
});

t.test('ListAggregateConfigRuleEvaluationResults: a NextToken stays short however long the filters', async (t) => {
  const em = await testApp(t);
  const filters = {
    AggregatorId: DEMO.aggregatorId,
    CompliancePackId: DEMO.compliancePackId,
    Regions: Array.from({ length: 40 }, (_, i) => `cn-region-number-${i}`).concat(['cn-hangzhou', 'cn-shanghai', 'cn-beijing']).join(','),
    ResourceTypes: Array.from({ length: 30 }, (_, i) => `ACS::Service::Type${i}`).concat(['ACS::ECS::Instance', 'ACS::OSS::Bucket', 'ACS::RAM::User']).join(','),
  };
  const all = await allResults(em, filters, 100);
  t.ok(all.length > 2, 'the filters keep some results');
  const first = (await call(em, 'ListAggregateConfigRuleEvaluationResults', { ...filters, MaxResults: 2 })).json.EvaluationResults;
  t.ok(first.NextToken.length < 200, `token of ${first.NextToken.length} characters`);
  t.same(await allResults(em, filters, 2), all, 'paging by two gives the same list');
});

t.test('ListAggregateConfigRuleEvaluationResults: a NextToken whose key has the wrong kinds is refused; a long key is not', async (t) => {
  const em = await testApp(t);
  const list = 'ListAggregateConfigRuleEvaluationResults';
  const page = (await call(em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 2 })).json.EvaluationResults;
  const token = JSON.parse(Buffer.from(page.NextToken, 'base64url').toString('utf8')) as { s: string; a: unknown[] };
  const withKey = (a: unknown) => Buffer.from(JSON.stringify({ s: token.s, a })).toString('base64url');
  const [seq, account, type, region, id] = token.a;
  const wrong: unknown[] = [
    [String(seq), account, type, region, id],
    [seq, account, 7, region, id],
    [seq, account, type, region],
    [seq, account, type, region, id, 'x'],
    [seq, 1e300, type, region, id],
    [seq, account, type, region, { id }],
    3,
  ];
  for (const a of wrong) await expectError(t, em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 2, NextToken: withKey(a) }, { status: 400, code: 'Invalid.NextToken.Value' });
  // A resource id has no length limit here: a token after a long one still reads (a position past every demo id).
  const long = withKey([seq, account, type, region, 'z'.repeat(2000)]);
  const after = await call(em, list, { AggregatorId: DEMO.aggregatorId, MaxResults: 2, NextToken: long });
  t.equal(after.status, 200, `a token of ${long.length} characters is taken`);
});
