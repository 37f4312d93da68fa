/**
 * Roll-ups of evaluation results (report-format.md §5), shared by the ByPack actions, the risk-level
 * summaries, the rules' Compliance fields and the report workbook, so they always tell one story.
 *
 *   - an INACTIVE rule is NOT_APPLICABLE, with no results (disabled, it applies to nothing);
 *   - an active rule is NON_COMPLIANT if one of its results is; else INSUFFICIENT_DATA if one is (or
 *     if it has no results at all: nothing in its reach, or no evaluator); else COMPLIANT if one is;
 *     else (every result NOT_APPLICABLE) NOT_APPLICABLE;
 *   - a resource (account + type + id) combines its results in the pack the same way;
 *   - an account combines the results on its resources the same way.
 */
import { resourceKey, type CompliancePack, type ComplianceType, type ConfigRule, type EvaluationResultView, type Store } from '../store/index.js';

const RANK: Record<ComplianceType, number> = { NON_COMPLIANT: 3, INSUFFICIENT_DATA: 2, COMPLIANT: 1, NOT_APPLICABLE: 0 };

export function combine(types: Iterable<ComplianceType>): ComplianceType {
  let best: ComplianceType | undefined;
  for (const t of types) if (best === undefined || RANK[t] > RANK[best]) best = t;
  return best ?? 'INSUFFICIENT_DATA';
}

export interface Counts {
  total: number;
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
  insufficientData: number;
  ignored: number;
}
export function countTypes(types: ComplianceType[]): Counts {
  const c: Counts = { total: types.length, compliant: 0, nonCompliant: 0, notApplicable: 0, insufficientData: 0, ignored: 0 };
  for (const t of types) {
    if (t === 'COMPLIANT') c.compliant++;
    else if (t === 'NON_COMPLIANT') c.nonCompliant++;
    else if (t === 'NOT_APPLICABLE') c.notApplicable++;
    else c.insufficientData++;
  }
  return c;
}

export interface RuleCompliance {
  complianceType: ComplianceType;
  /** Resources the rule finds non-compliant. */
  nonCompliantResources: number;
  /** Resources the rule evaluated. */
  evaluatedResources: number;
  /** Results of each compliance type. */
  counts: Record<ComplianceType, number>;
}

const NO_RESULTS: Readonly<Record<ComplianceType, number>> = Object.freeze({ COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0, INSUFFICIENT_DATA: 0 });

/** A rule's overall compliance: NOT_APPLICABLE when it is disabled, else from its stored results. */
export function ruleCompliance(store: Store, rule: ConfigRule): RuleCompliance {
  if (rule.state !== 'ACTIVE') return { complianceType: 'NOT_APPLICABLE', nonCompliantResources: 0, evaluatedResources: 0, counts: { ...NO_RESULTS } };
  const counts = store.evaluations.countsByRule(rule.configRuleId);
  const present = (Object.keys(counts) as ComplianceType[]).filter((t) => counts[t] > 0);
  return {
    complianceType: combine(present),
    nonCompliantResources: counts.NON_COMPLIANT,
    evaluatedResources: counts.COMPLIANT + counts.NON_COMPLIANT + counts.NOT_APPLICABLE + counts.INSUFFICIENT_DATA,
    counts,
  };
}

/**
 * The `Compliance` object of the Get/List config-rule answers: {ComplianceType, Count}, where Count
 * is the number of resources with that (the rule's overall) compliance type, e.g. NON_COMPLIANT 3.
 */
export function wireRuleCompliance(store: Store, rule: ConfigRule): { ComplianceType: ComplianceType; Count: number } {
  const c = ruleCompliance(store, rule);
  return { ComplianceType: c.complianceType, Count: c.counts[c.complianceType] };
}

export interface PackRuleRow extends RuleCompliance {
  rule: ConfigRule;
}
export function packRules(store: Store, pack: CompliancePack): PackRuleRow[] {
  return store.rules.byPack(pack.compliancePackId).map((rule) => ({ rule, ...ruleCompliance(store, rule) }));
}

export interface ResourceRow {
  accountId: number;
  resourceType: string;
  resourceId: string;
  complianceType: ComplianceType;
}
/** Every resource the pack's rules evaluated, with its combined compliance (stable order). */
export function packResources(results: EvaluationResultView[]): ResourceRow[] {
  const byKey = new Map<string, { row: ResourceRow; types: ComplianceType[] }>();
  for (const r of results) {
    const key = resourceKey(r.accountId, r.resourceType, r.resourceId);
    let e = byKey.get(key);
    if (!e) {
      e = { row: { accountId: r.accountId, resourceType: r.resourceType, resourceId: r.resourceId, complianceType: 'INSUFFICIENT_DATA' }, types: [] };
      byKey.set(key, e);
    }
    e.types.push(r.complianceType);
  }
  return [...byKey.values()]
    .map((e) => ({ ...e.row, complianceType: combine(e.types) }))
    .sort((a, b) => a.accountId - b.accountId || a.resourceType.localeCompare(b.resourceType) || a.resourceId.localeCompare(b.resourceId));
}

/** Each account's combined compliance over the pack's results ([] of results -> INSUFFICIENT_DATA). */
export function accountCompliance(results: EvaluationResultView[], accountIds: number[]): Map<number, ComplianceType> {
  const types = new Map<number, ComplianceType[]>(accountIds.map((a) => [a, []]));
  for (const r of results) types.get(r.accountId)?.push(r.complianceType);
  return new Map([...types].map(([a, t]) => [a, combine(t)]));
}

export interface RiskSummary {
  riskLevel: number;
  compliant: number;
  nonCompliant: number;
}
/** Rules per risk level that are COMPLIANT / NON_COMPLIANT (GetConfigRuleSummaryByRiskLevel). */
export function summaryByRiskLevel(store: Store, rules: ConfigRule[]): RiskSummary[] {
  const out = new Map<number, RiskSummary>([1, 2, 3].map((l) => [l, { riskLevel: l, compliant: 0, nonCompliant: 0 }]));
  for (const rule of rules) {
    const s = out.get(rule.riskLevel);
    if (!s) continue;
    const t = ruleCompliance(store, rule).complianceType;
    if (t === 'COMPLIANT') s.compliant++;
    if (t === 'NON_COMPLIANT') s.nonCompliant++;
  }
  return [...out.values()];
}
