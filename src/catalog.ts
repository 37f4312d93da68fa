/**
 * The managed-rule and compliance-pack-template catalogs, loaded once from fixtures/catalog/.
 * They are data, not code: adding a managed rule means adding its JSON entry (and, for
 * evaluation, an evaluator).
 *
 * Templates use managed rules that managed-rules.json does not describe. Each such identifier
 * becomes a catalog entry built from what the (first) template says about it: its name, its
 * description, its parameters (the template's values as defaults), its resource types and risk
 * level when given. Those entries carry `origin: 'template'`; see docs/fidelity.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './config.js';

export interface ManagedRuleParameter {
  name: string;
  type: string;
  valueType?: string;
  defaultValue?: string | null;
  required: boolean;
  description?: string;
}
export interface ManagedRule {
  identifier: string;
  name: string;
  nameZh?: string;
  description: string;
  resourceTypes: string[];
  parameters: ManagedRuleParameter[];
  defaultRiskLevel: number;
  triggerTypes: string[];
  maximumExecutionFrequency?: string;
  labels?: string[];
  autoRemediation?: boolean;
  evaluatedAttributes?: string[];
  logic?: string;
  annotationExample?: Record<string, string>;
  /** 'template' when the entry was derived from a template rule (no managed-rules.json entry). */
  origin?: 'catalog' | 'template';
}
/**
 * A managed rule's parameters as a rule keeps them: the given values over the catalog defaults. An
 * empty value of a required parameter takes its default; an empty optional one stays empty (the
 * rule then leaves that check out, e.g. one of ram-password-policy-check's limits). `missing`: a
 * required parameter has neither a value nor a default. Given names the catalog does not list are
 * kept as they are.
 */
export function ruleParameters(rule: ManagedRule, given: Record<string, string>): { values: Record<string, string>; missing: boolean } {
  const values: Record<string, string> = {};
  let missing = false;
  for (const p of rule.parameters) {
    const g = given[p.name];
    const v = g === undefined || g === null || (g === '' && p.required) ? (p.defaultValue ?? undefined) : g;
    if (v === undefined || v === null || v === '') {
      if (p.required) missing = true;
      if (v === undefined || v === null) continue;
    }
    values[p.name] = v;
  }
  for (const [k, v] of Object.entries(given)) if (!(k in values)) values[k] = v;
  return { values, missing };
}

export interface TemplateRule {
  ManagedRuleIdentifier: string;
  ManagedRuleName?: string | null;
  Description?: string | null;
  RiskLevel?: number | null;
  ResourceTypesScope?: string | null;
  DefaultEnable?: boolean | null;
  ControlId?: string;
  ControlDescription?: string;
  ConfigRuleParameters?: { ParameterName: string; ParameterValue: string | null; Required?: boolean | null }[] | null;
}

/** The resource types of a template rule (`ResourceTypesScope` is a comma-joined string). */
export function templateRuleResourceTypes(r: TemplateRule): string[] {
  return (r.ResourceTypesScope ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A catalog entry for a managed rule known only from a template. */
export function managedRuleFromTemplate(r: TemplateRule): ManagedRule {
  const resourceTypes = templateRuleResourceTypes(r);
  return {
    identifier: r.ManagedRuleIdentifier,
    name: r.ManagedRuleName ?? r.ManagedRuleIdentifier,
    ...(r.ManagedRuleName ? { nameZh: r.ManagedRuleName } : {}),
    description: r.Description ?? '',
    resourceTypes,
    parameters: (r.ConfigRuleParameters ?? []).map((p) => ({
      name: p.ParameterName,
      type: 'String',
      defaultValue: p.ParameterValue ?? null,
      required: p.Required === true,
    })),
    defaultRiskLevel: r.RiskLevel ?? 2,
    triggerTypes: ['ConfigurationItemChangeNotification'],
    labels: [...new Set(resourceTypes.map((t) => t.split('::')[1]).filter((x): x is string => !!x))],
    origin: 'template',
  };
}
export interface PackTemplate {
  CompliancePackTemplateId: string;
  CompliancePackTemplateName: string;
  Description: string;
  RiskLevel: number;
  Labels: string | null;
  LastUpdate: number | null;
  ConfigRules: TemplateRule[];
}

export class Catalog {
  private readonly rules = new Map<string, ManagedRule>();
  private readonly templates = new Map<string, PackTemplate>();

  constructor(managedRules: ManagedRule[], templates: PackTemplate[]) {
    for (const r of managedRules) this.rules.set(r.identifier, { ...r, origin: r.origin ?? 'catalog' });
    for (const t of templates) {
      this.templates.set(t.CompliancePackTemplateId, t);
      for (const r of t.ConfigRules) if (!this.rules.has(r.ManagedRuleIdentifier)) this.rules.set(r.ManagedRuleIdentifier, managedRuleFromTemplate(r));
    }
  }

  static load(dir = path.join(PACKAGE_ROOT, 'fixtures', 'catalog')): Catalog {
    const rules = JSON.parse(readFileSync(path.join(dir, 'managed-rules.json'), 'utf8')) as { managedRules: ManagedRule[] };
    const templates = JSON.parse(readFileSync(path.join(dir, 'templates.json'), 'utf8')) as { templates: PackTemplate[] };
    return new Catalog(rules.managedRules, templates.templates);
  }

  managedRule(identifier: string): ManagedRule | undefined {
    return this.rules.get(identifier);
  }
  managedRules(): ManagedRule[] {
    return [...this.rules.values()];
  }
  template(id: string): PackTemplate | undefined {
    return this.templates.get(id);
  }
  templateList(): PackTemplate[] {
    return [...this.templates.values()];
  }
}

let shared: Catalog | undefined;
/** The bundled catalog, parsed on first use and shared by every app in the process. */
export function bundledCatalog(): Catalog {
  return (shared ??= Catalog.load());
}
