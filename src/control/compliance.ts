/**
 * Compliance as the console shows it. THE ONE PLACE the control plane reads a pack's compliance:
 * it goes through snapshotPack (src/reports/service.ts), the same snapshot a generated report
 * holds, so when rule evaluation lands there the console follows without change here.
 */
import type { Services } from '../actions/define.js';
import type { ReportRuleRow } from '../reports/files.js';
import { snapshotPack } from '../reports/service.js';
import type { CompliancePack } from '../store/index.js';

export interface PackCompliance {
  /** NON_COMPLIANT if any rule is, else COMPLIANT if any rule is, else INSUFFICIENT_DATA (or NOT_APPLICABLE without rules). */
  complianceType: string;
  rules: ReportRuleRow[];
}

export function packCompliance(services: Pick<Services, 'store'>, pack: CompliancePack, now: number): PackCompliance {
  const rules = snapshotPack(services, pack, now).rules;
  const types = new Set(rules.map((r) => r.complianceType));
  const complianceType = types.has('NON_COMPLIANT')
    ? 'NON_COMPLIANT'
    : types.has('COMPLIANT')
      ? 'COMPLIANT'
      : rules.length > 0 && [...types].some((t) => t !== 'NOT_APPLICABLE')
        ? 'INSUFFICIENT_DATA'
        : 'NOT_APPLICABLE';
  return { complianceType, rules };
}
