/**
 * Compliance pack templates: ListCompliancePackTemplates, served from the catalog
 * (fixtures/catalog/templates.json). There is no GetCompliancePackTemplate: one template is read
 * with the CompliancePackTemplateId filter.
 */
import type { Catalog, PackTemplate, TemplateRule } from '../catalog.js';
import { templateRuleResourceTypes } from '../catalog.js';
import { p } from '../protocol/params.js';
import { defineAction } from './define.js';
import { checkRiskLevel, pageWindow } from './shared.js';

/** A template rule on the wire; gaps in the template are filled from the managed rule it uses. */
function wireTemplateRule(catalog: Catalog, r: TemplateRule): Record<string, unknown> {
  const managed = catalog.managedRule(r.ManagedRuleIdentifier);
  const types = templateRuleResourceTypes(r);
  return {
    ConfigRuleParameters: (r.ConfigRuleParameters ?? []).map((x) => ({ ParameterName: x.ParameterName, ParameterValue: x.ParameterValue ?? '', Required: x.Required === true })),
    ControlDescription: r.ControlDescription ?? '',
    ControlId: r.ControlId ?? '',
    // Packs created from a template enable its rules unless DefaultEnable=false is sent.
    DefaultEnable: r.DefaultEnable ?? true,
    Description: r.Description ?? managed?.description ?? '',
    ManagedRuleIdentifier: r.ManagedRuleIdentifier,
    ManagedRuleName: r.ManagedRuleName ?? managed?.name ?? r.ManagedRuleIdentifier,
    ResourceTypesScope: (types.length > 0 ? types : managed?.resourceTypes ?? []).join(','),
    RiskLevel: r.RiskLevel ?? managed?.defaultRiskLevel ?? 2,
  };
}

function wireTemplate(catalog: Catalog, t: PackTemplate, rules: TemplateRule[]): Record<string, unknown> {
  return {
    CompliancePackTemplateId: t.CompliancePackTemplateId,
    CompliancePackTemplateName: t.CompliancePackTemplateName,
    ConfigRules: rules.map((r) => wireTemplateRule(catalog, r)),
    Description: t.Description,
    Labels: t.Labels ?? '',
    // LastUpdate is left out when the catalog does not know it (never invented).
    ...(t.LastUpdate !== null && t.LastUpdate !== undefined ? { LastUpdate: t.LastUpdate } : {}),
    RiskLevel: t.RiskLevel,
  };
}

export const listCompliancePackTemplates = defineAction({
  name: 'ListCompliancePackTemplates',
  params: {
    CompliancePackTemplateId: p.string(),
    PageNumber: p.integer(),
    PageSize: p.integer(),
    ResourceTypes: p.string(),
    /** Accepted; the bundled templates carry no category, so it does not narrow the list. */
    FilterType: p.string({ maxLength: 64 }),
    RuleRiskLevel: p.integer(),
  },
  handler(ctx, q) {
    const { pageNumber, pageSize, offset } = pageWindow(q.PageNumber, q.PageSize);
    const risk = checkRiskLevel(q.RuleRiskLevel, 'RuleRiskLevel');
    const types = new Set((q.ResourceTypes ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
    const narrowed = types.size > 0 || risk !== undefined;
    const matches: { t: PackTemplate; rules: TemplateRule[] }[] = [];
    for (const t of ctx.catalog.templateList()) {
      if (q.CompliancePackTemplateId && t.CompliancePackTemplateId !== q.CompliancePackTemplateId) continue;
      const rules = t.ConfigRules.filter((r) => {
        const wire = wireTemplateRule(ctx.catalog, r);
        if (risk !== undefined && wire.RiskLevel !== risk) return false;
        if (types.size > 0 && !String(wire.ResourceTypesScope).split(',').some((x) => types.has(x.toLowerCase()))) return false;
        return true;
      });
      if (narrowed && rules.length === 0) continue;
      matches.push({ t, rules });
    }
    return {
      CompliancePackTemplatesResult: {
        CompliancePackTemplates: matches.slice(offset, offset + pageSize).map((m) => wireTemplate(ctx.catalog, m.t, m.rules)),
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matches.length,
      },
    };
  },
});

export default [listCompliancePackTemplates];
