/**
 * Evaluation and report-size timings (issue 8, "once evaluation exists"): 40 managed rules over
 * 10 000 resources, and building the Excel report of 10 000 non-compliant rows. On an in-memory
 * store, so the figures are the engine's and the workbook writer's own cost; the bench runs it in a
 * process of its own (timeEvaluationApart).
 *
 * The evaluation yields more non-compliant results than that (18 249 with the demo inventory), so
 * before the report is timed, every non-compliant result after the first `reportRows` (in the
 * report's own order) is marked compliant: the pack keeps all its results and the report lists
 * exactly `reportRows` rows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pinnedNode } from './proc.js';
import path from 'node:path';
import { bundledCatalog } from '../../src/catalog.js';
import { EVALUATORS, evaluatePack } from '../../src/engine/index.js';
import { createPackReport, ensureReportFile } from '../../src/reports/service.js';
import { Store, type CompliancePack, type ConfigRule, type InventoryResource } from '../../src/store/index.js';

const ACCOUNT = 1009318965421234;
const T0 = 1_700_000_000_000;

export interface EvaluationTimings {
  rules: number;
  resources: number;
  results: number;
  /** Non-compliant results of the evaluation, before the cap. */
  nonCompliantResults: number;
  /** Rows of the report's non-compliant sheet. */
  nonCompliantRows: number;
  evaluateMs: number;
  reportMs: number;
  /**
   * CPU time of the report (user + system, all of the process's threads, so GC helpers count): on
   * this shared 2-core machine it moves much less with the load than the wall-clock figure.
   */
  reportCpuMs: number;
  reportBytes: number;
}

export async function timeEvaluation(root: string, resourceCount = 10_000, ruleCount = 40, reportRows = 10_000): Promise<EvaluationTimings> {
  const catalog = bundledCatalog();
  const demo = JSON.parse(readFileSync(path.join(root, 'fixtures', 'demo.json'), 'utf8')) as { resources: (Omit<InventoryResource, 'createdAt' | 'resourceName' | 'resourceGroupId' | 'tags'> & Partial<InventoryResource>)[] };
  const store = Store.open(':memory:');
  const services = { store, catalog };
  // The inventory: the demo resources, copied with new ids until there are `resourceCount`.
  store.transaction(() => {
    store.accounts.upsert({ accountId: ACCOUNT, accountName: 'bench', configEnabled: true });
    for (let i = 0; i < resourceCount; i++) {
      const r = demo.resources[i % demo.resources.length];
      store.resources.upsert({
        accountId: ACCOUNT, regionId: r.regionId, resourceType: r.resourceType, resourceId: `${r.resourceId}-${i}`, resourceName: `${r.resourceName ?? r.resourceId}-${i}`,
        resourceGroupId: r.resourceGroupId ?? '', tags: r.tags ?? {}, configuration: r.configuration, createdAt: T0,
      });
    }
  });
  const types = new Set(demo.resources.map((r) => r.resourceType));
  const identifiers = catalog.managedRules().filter((m) => EVALUATORS.has(m.identifier) && m.resourceTypes.some((t) => types.has(t))).map((m) => m.identifier).slice(0, ruleCount);
  const pack: CompliancePack = {
    compliancePackId: 'cp-00000000000000bench1', accountId: ACCOUNT, aggregatorId: '', name: 'bench', description: '', templateId: '',
    riskLevel: 1, scope: {}, templateContent: '', createdAt: T0, readyAt: T0,
  };
  store.transaction(() => {
    store.packs.insert(pack);
    identifiers.forEach((id, i) => {
      const m = catalog.managedRule(id)!;
      const params = Object.fromEntries(m.parameters.filter((p) => p.defaultValue).map((p) => [p.name, p.defaultValue!]));
      // Required parameters without a default get a plausible value, so every rule evaluates.
      for (const p of m.parameters) if (p.required && !params[p.name]) params[p.name] = p.name.toLowerCase().includes('count') || p.name.toLowerCase().includes('size') ? '4' : 'bench';
      const rule: ConfigRule = {
        configRuleId: `cr-${String(i).padStart(20, '0')}`, accountId: ACCOUNT, aggregatorId: '', compliancePackId: pack.compliancePackId, name: id, description: '',
        sourceOwner: 'ALIYUN', sourceIdentifier: id, riskLevel: m.defaultRiskLevel, inputParameters: params, scope: {}, triggerTypes: 'ConfigurationItemChangeNotification',
        maximumExecutionFrequency: '', state: 'ACTIVE', createdAt: T0, modifiedAt: T0,
      };
      store.rules.insert(rule);
    });
  });

  let t = performance.now();
  const runs = store.transaction(() => evaluatePack(services, pack, T0 + 1000));
  const evaluateMs = performance.now() - t;
  const results = runs.reduce((n, r) => n + r.results, 0);

  const countNonCompliant = () => (store.db.prepare("SELECT COUNT(*) AS n FROM evaluation_results WHERE compliance_type = 'NON_COMPLIANT'").get() as { n: number }).n;
  const nonCompliantResults = countNonCompliant();
  // Same order as EvaluationsRepo.byPack, which the report follows.
  store.db
    .prepare(
      `UPDATE evaluation_results SET compliance_type = 'COMPLIANT', annotation = '' WHERE rowid IN (
         SELECT e.rowid FROM evaluation_results e JOIN config_rules c ON c.config_rule_id = e.config_rule_id
         WHERE c.compliance_pack_id = ? AND e.compliance_type = 'NON_COMPLIANT'
         ORDER BY c.seq, e.account_id, e.resource_type, e.region_id, e.resource_id LIMIT -1 OFFSET ?)`,
    )
    .run(pack.compliancePackId, reportRows);

  t = performance.now();
  const cpu = process.cpuUsage();
  const report = store.transaction(() => createPackReport({ store }, pack, T0 + 2000, 0));
  const file = await ensureReportFile(store, report.objectKey);
  const reportMs = performance.now() - t;
  const reportCpu = process.cpuUsage(cpu);
  const nonCompliantRows = countNonCompliant();
  store.close();
  return {
    rules: identifiers.length, resources: resourceCount, results, nonCompliantResults, nonCompliantRows,
    evaluateMs: Math.round(evaluateMs), reportMs: Math.round(reportMs), reportCpuMs: Math.round((reportCpu.user + reportCpu.system) / 1000), reportBytes: file?.content.length ?? 0,
  };
}

/**
 * The same timings in a fresh node process pinned to `cpu` (the servers' core): measured in the
 * harness, they would also pay for the load generator's heap (the pool of signed requests) and
 * share its core.
 */
export async function timeEvaluationApart(root: string, cpu: number | undefined): Promise<EvaluationTimings> {
  const script = `import(${JSON.stringify(new URL(import.meta.url).href)}).then(async (m) => process.stdout.write(JSON.stringify(await m.timeEvaluation(${JSON.stringify(root)}))))`;
  const [cmd, args] = pinnedNode(cpu, ['--input-type=module', '-e', script]);
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 })) as EvaluationTimings;
}
