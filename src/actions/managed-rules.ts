/** Managed rules: ListManagedRules and GetManagedRule, served from the catalog. */
import type { ManagedRule } from '../catalog.js';
import { Errors } from '../errors.js';
import { p } from '../protocol/params.js';
import { defineAction, type ActionContext } from './define.js';
import { checkRiskLevel, pageWindow } from './shared.js';

export const MANAGED_RULE_FILTER_TYPES = ['ALL', 'UNCOVERED_RESOURCE'] as const;

/** Fields both actions show; links and remediation templates are not part of the catalog (''). */
function wireCommon(r: ManagedRule): Record<string, unknown> {
  return {
    ConfigRuleName: r.identifier,
    Description: r.description,
    HelpUrls: '',
    Identifier: r.identifier,
    Labels: r.labels ?? [],
    RiskLevel: r.defaultRiskLevel,
    Scope: { ComplianceResourceTypes: r.resourceTypes },
  };
}

function wireListed(r: ManagedRule): Record<string, unknown> {
  return { ...wireCommon(r), RemediationTemplateIdentifier: '', RemediationTemplateName: '', SupportPreviewManagedRule: false };
}

function parameterDetails(r: ManagedRule, required: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const x of r.parameters) {
    if (x.required !== required) continue;
    out[x.name] = { type: x.valueType ?? x.type, defaultValue: x.defaultValue ?? '', description: x.description ?? '' };
  }
  return out;
}

/** Resource types the caller's single-account rules already evaluate. */
function coveredTypes(ctx: ActionContext): Set<string> {
  const covered = new Set<string>();
  for (const rule of ctx.store.rules.owned(ctx.accountId, '')) {
    for (const t of rule.scope.resourceTypesScope ?? ctx.catalog.managedRule(rule.sourceIdentifier)?.resourceTypes ?? []) covered.add(t);
  }
  return covered;
}

export const listManagedRules = defineAction({
  name: 'ListManagedRules',
  params: {
    FilterType: p.string({ enum: MANAGED_RULE_FILTER_TYPES }),
    Keyword: p.string({ maxLength: 256 }),
    PageNumber: p.integer(),
    PageSize: p.integer(),
    ResourceTypes: p.string(),
    RiskLevel: p.integer(),
  },
  handler(ctx, q) {
    const { pageNumber, pageSize, offset } = pageWindow(q.PageNumber, q.PageSize);
    const risk = checkRiskLevel(q.RiskLevel);
    const keyword = (q.Keyword ?? '').trim().toLowerCase();
    const types = new Set((q.ResourceTypes ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
    const covered = q.FilterType === 'UNCOVERED_RESOURCE' ? coveredTypes(ctx) : undefined;
    const matches = ctx.catalog.managedRules().filter((r) => {
      if (risk !== undefined && r.defaultRiskLevel !== risk) return false;
      if (types.size > 0 && !r.resourceTypes.some((t) => types.has(t.toLowerCase()))) return false;
      if (covered && !r.resourceTypes.some((t) => !covered.has(t))) return false;
      if (keyword !== '') {
        const text = [r.identifier, r.name, r.nameZh ?? '', r.description, ...(r.labels ?? [])].join('\n').toLowerCase();
        if (!text.includes(keyword)) return false;
      }
      return true;
    });
    return {
      ManagedRules: {
        ManagedRuleList: matches.slice(offset, offset + pageSize).map(wireListed),
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matches.length,
      },
    };
  },
});

export const getManagedRule = defineAction({
  name: 'GetManagedRule',
  params: { Identifier: p.string({ required: true }) },
  handler(ctx, q) {
    const r = ctx.catalog.managedRule(q.Identifier);
    if (!r) throw Errors.managedRuleNotFound();
    return {
      ManagedRule: {
        CompulsoryInputParameterDetails: parameterDetails(r, true),
        ...wireCommon(r),
        OptionalInputParameterDetails: parameterDetails(r, false),
        SourceDetails: r.triggerTypes.map((messageType) => ({
          ...(r.maximumExecutionFrequency ? { MaximumExecutionFrequency: r.maximumExecutionFrequency } : {}),
          MessageType: messageType,
        })),
      },
    };
  },
});

export default [listManagedRules, getManagedRule];
