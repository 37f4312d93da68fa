/**
 * The managed-rule and compliance-pack-template catalogs, loaded once from fixtures/catalog/.
 * They are data, not code: adding a managed rule means adding its JSON entry (and, for
 * evaluation, an evaluator).
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
}
export interface TemplateRule {
  ManagedRuleIdentifier: string;
  ManagedRuleName?: string;
  Description?: string;
  RiskLevel?: number;
  ResourceTypesScope?: string;
  DefaultEnable?: boolean | null;
  ControlId?: string;
  ControlDescription?: string;
  ConfigRuleParameters?: { ParameterName: string; ParameterValue: string; Required?: boolean }[];
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
    for (const r of managedRules) this.rules.set(r.identifier, r);
    for (const t of templates) this.templates.set(t.CompliancePackTemplateId, t);
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
