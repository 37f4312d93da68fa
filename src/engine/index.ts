/**
 * The compliance engine: managed-rule evaluators over the resource inventory.
 *
 * - `EVALUATORS` maps a managed-rule identifier to its pure evaluator (evaluators/*.ts, one file per
 *   product). Adding a rule = its catalog entry (fixtures/catalog/managed-rules.json) + one evaluator.
 * - `evaluateRule` runs one rule over the resources in its reach (the aggregator's member accounts for
 *   an account-group rule, the owner's account for a single-account rule), filtered by resource type
 *   and scope, and REPLACES that rule's results, each carrying its resource's history over. Rules the
 *   engine does not run (`evaluatorOf`: inactive, custom, no evaluator) keep no results; their
 *   compliance reads NOT_APPLICABLE when inactive, INSUFFICIENT_DATA otherwise (rollup.ts).
 * - `evaluatePack`, `evaluateAccount`, `evaluateAll` are the batch entry points; `forgetRule` drops a
 *   deleted rule's results.
 *
 * Everything is synchronous and runs inside the caller's transaction; the time is always passed in
 * (the injected clock), never read here.
 */
import { ruleParameters, type Catalog } from '../catalog.js';
import { resourceKey, type CompliancePack, type ConfigRule, type EvaluationResult, type InventoryResource, type ResultHistory, type Store } from '../store/index.js';
import { ECS_EVALUATORS } from './evaluators/ecs.js';
import { GOVERNANCE_EVALUATORS, GOVERNANCE_WHEN_NONE } from './evaluators/governance.js';
import { NETWORK_EVALUATORS } from './evaluators/network.js';
import { OSS_EVALUATORS } from './evaluators/oss.js';
import { RAM_CHECKS_WHEN_SET, RAM_EVALUATORS } from './evaluators/ram.js';
import { RDS_EVALUATORS } from './evaluators/rds.js';
import { InsufficientData, insufficient, type EvalEnv, type Evaluator, type Outcome, type Params } from './kit.js';
import { accountFilter, scopeFilter } from './scope.js';

export type { Evaluator, Outcome, Params } from './kit.js';
export { inScope } from './scope.js';

export const EVALUATORS: ReadonlyMap<string, Evaluator> = new Map(
  Object.entries({ ...OSS_EVALUATORS, ...ECS_EVALUATORS, ...NETWORK_EVALUATORS, ...RAM_EVALUATORS, ...RDS_EVALUATORS, ...GOVERNANCE_EVALUATORS }),
);
/**
 * Rules that judge the account when it has no resource of their types at all ("NON_COMPLIANT when
 * no trail exists"): the result is on the account itself (ACS::::Account). Other rules have no
 * result for such an account.
 */
const WHEN_NONE: ReadonlyMap<string, () => Outcome> = new Map(Object.entries(GOVERNANCE_WHEN_NONE));

/** The evaluator that runs a rule, undefined when the engine does not evaluate it (inactive, not a managed rule, no evaluator). */
export function evaluatorOf(rule: ConfigRule): Evaluator | undefined {
  return rule.state === 'ACTIVE' && rule.sourceOwner === 'ALIYUN' ? EVALUATORS.get(rule.sourceIdentifier) : undefined;
}

/** What the engine needs from the app's services. */
export interface EngineServices {
  store: Store;
  catalog: Catalog;
  /** Set for a run of several rules: the inventory read (and parsed) once for all of them. */
  inventory?: InventoryRun;
}

/**
 * The inventory as a run of several rules sees it: each account's resources of a type read and
 * parsed once, however many rules look at them (40 rules over 10 000 resources read them ~40 times
 * without it, issue 8). Only for the span of one run, inside its transaction: the run writes
 * results, never resources.
 */
export class InventoryRun {
  private readonly read = new Map<string, InventoryResource[]>();
  constructor(private readonly store: Store) {}
  of(accountId: number, resourceType: string): InventoryResource[] {
    const key = `${accountId}\n${resourceType}`;
    let resources = this.read.get(key);
    if (resources === undefined) this.read.set(key, (resources = this.store.resources.byAccountAndType(accountId, resourceType)));
    return resources;
  }
}

/** `services` for a run of several rules: one InventoryRun for all of them. */
export function forRun<S extends EngineServices>(services: S): S {
  return services.inventory ? services : { ...services, inventory: new InventoryRun(services.store) };
}

/**
 * The rule's parameters: the catalog defaults under the rule's own values (`ruleParameters`). An
 * optional parameter the rule keeps as '' evaluates as its default, except for the rules that check
 * "every configured parameter" (RAM_CHECKS_WHEN_SET), where '' leaves that check out.
 */
export function effectiveParams(catalog: Catalog, identifier: string, input: Record<string, string>): Params {
  const managed = catalog.managedRule(identifier);
  if (!managed) return { ...input };
  const { values } = ruleParameters(managed, input);
  if (RAM_CHECKS_WHEN_SET.has(identifier)) return values;
  for (const p of managed.parameters) if (values[p.name] === '' && p.defaultValue) values[p.name] = p.defaultValue;
  return values;
}

/** Runs one evaluator safely: a missing attribute or parameter is INSUFFICIENT_DATA, never a crash. */
export function evaluateResource(evaluator: Evaluator, resource: InventoryResource, params: Params, env: EvalEnv): Outcome {
  try {
    return evaluator(resource, params, env);
  } catch (err) {
    if (err instanceof InsufficientData) return insufficient(err.property, err.reason);
    return insufficient('$', `Evaluation failed: ${(err as Error).message}`);
  }
}

/** Evaluates one resource against a managed rule by identifier, with catalog defaults (tests, tools). */
export function evaluateManaged(catalog: Catalog, identifier: string, resource: InventoryResource, input: Record<string, string> = {}, now = 0): Outcome | undefined {
  const evaluator = EVALUATORS.get(identifier);
  return evaluator && evaluateResource(evaluator, resource, effectiveParams(catalog, identifier, input), { now });
}

/** The resource types a rule looks at: its ResourceTypesScope, else the managed rule's types. */
export function ruleResourceTypes(catalog: Catalog, rule: ConfigRule): string[] {
  const scoped = rule.scope.resourceTypesScope ?? [];
  return scoped.length > 0 ? scoped : (catalog.managedRule(rule.sourceIdentifier)?.resourceTypes ?? []);
}

/** The accounts whose resources a rule evaluates. */
export function ruleAccounts(store: Store, rule: ConfigRule): readonly number[] {
  if (rule.aggregatorId === '') return [rule.accountId];
  return store.aggregators.memberIds(rule.aggregatorId);
}

export interface RuleRun {
  configRuleId: string;
  /** False for an inactive rule or one without an evaluator (its results are cleared). */
  evaluated: boolean;
  results: number;
}

/**
 * (Re-)evaluates one rule at `now` and replaces its results. `trigger` is the
 * InvokingEventMessageType written on the results (default: the rule's first trigger type).
 * Each result carries its resource's history over from the previous run: NON_COMPLIANT now stamps
 * `lastNonCompliantAt`; COMPLIANT right after NON_COMPLIANT stamps `lastFixedAt`; otherwise both stay.
 * `fresh`: the rule was inserted by this very write, so it has no results (and no history) to
 * read or replace: two statements fewer per rule of a new pack (issue 8, writes).
 */
export function evaluateRule(services: EngineServices, rule: ConfigRule, now: number, trigger?: string, fresh = false): RuleRun {
  const { store, catalog } = services;
  const evaluator = evaluatorOf(rule);
  if (!evaluator) {
    if (!fresh) store.evaluations.deleteForRule(rule.configRuleId);
    return { configRuleId: rule.configRuleId, evaluated: false, results: 0 };
  }
  const types = ruleResourceTypes(catalog, rule);
  const invoking = trigger ?? (rule.triggerTypes.split(',')[0] || 'ConfigurationItemChangeNotification');
  const whenNone = WHEN_NONE.get(rule.sourceIdentifier);
  // "No trail" is about the managed rule's own types, whatever the rule's ResourceTypesScope says.
  const ownTypes = whenNone ? (catalog.managedRule(rule.sourceIdentifier)?.resourceTypes ?? types) : types;
  // Each account's resources of a type read once in this run, also for a lone rule (an evaluator
  // may look at another type of the account per resource: env.resourcesOf).
  const inventory = services.inventory ?? new InventoryRun(store);
  const results: EvaluationResult[] = [];
  // The scope test, the parameters and the history are worked out at the first resource: most rules
  // of a new pack have none (issue 8, writes).
  let wanted: ((r: InventoryResource) => boolean) | undefined;
  let params: Params | undefined;
  let before: Map<string, ResultHistory> | undefined;
  const record = (accountId: number, resource: InventoryResource, outcome: Outcome) => {
    before ??= fresh ? new Map() : store.evaluations.history(rule.configRuleId);
    const compliance = outcome.complianceType;
    const prev = before.size === 0 ? undefined : before.get(resourceKey(accountId, resource.resourceType, resource.resourceId));
    results.push({
      configRuleId: rule.configRuleId,
      accountId,
      resourceType: resource.resourceType,
      resourceId: resource.resourceId,
      resourceName: resource.resourceName,
      resourceGroupId: resource.resourceGroupId,
      regionId: resource.regionId,
      complianceType: compliance,
      annotation: outcome.annotation,
      riskLevel: rule.riskLevel,
      evaluatedAt: now,
      invokingEventMessageType: invoking,
      lastNonCompliantAt: compliance === 'NON_COMPLIANT' ? now : (prev?.lastNonCompliantAt ?? 0),
      lastFixedAt: compliance === 'COMPLIANT' && prev?.complianceType === 'NON_COMPLIANT' ? now : (prev?.lastFixedAt ?? 0),
    });
  };
  const accounts = accountFilter(rule.scope);
  for (const accountId of types.length > 0 ? ruleAccounts(store, rule) : []) {
    if (accounts !== undefined && !accounts(accountId)) continue;
    const inScope: InventoryResource[] = [];
    for (const type of types) {
      for (const resource of inventory.of(accountId, type)) {
        wanted ??= scopeFilter(rule.scope);
        if (wanted(resource)) inScope.push(resource);
      }
    }
    if (whenNone && inScope.length === 0 && !hasAny(inventory, accountId, ownTypes)) {
      // No resource of the managed rule's own types at all ("no trail exists"): the account itself
      // is the result, when the rule's scope takes it in.
      const account = inventory.of(accountId, ACCOUNT_TYPE)[0] ?? accountItself(accountId);
      wanted ??= scopeFilter(rule.scope);
      if (!wanted(account)) continue;
      record(accountId, account, whenNone());
      continue;
    }
    if (inScope.length === 0) continue;
    params ??= effectiveParams(catalog, rule.sourceIdentifier, rule.inputParameters);
    const env: EvalEnv = { now, resourcesOf: (type) => inventory.of(accountId, type) };
    for (const resource of inScope) record(accountId, resource, evaluateResource(evaluator, resource, params, env));
  }
  store.evaluations.replaceForRule(rule.configRuleId, results, fresh);
  return { configRuleId: rule.configRuleId, evaluated: true, results: results.length };
}

/** Whether the account has any resource of these types (scope aside). */
const hasAny = (inventory: InventoryRun, accountId: number, types: readonly string[]) => types.some((type) => inventory.of(accountId, type).length > 0);

/** The resource type of an account itself (root-mfa-check, and account-level results). */
const ACCOUNT_TYPE = 'ACS::::Account';
/** The account as a resource when the inventory does not list it. */
function accountItself(accountId: number): InventoryResource {
  const id = String(accountId);
  return { accountId, regionId: 'global', resourceType: ACCOUNT_TYPE, resourceId: id, resourceName: id, resourceGroupId: '', tags: {}, configuration: {}, createdAt: 0 };
}

/** Evaluates every rule of a pack. */
export function evaluatePack(services: EngineServices, pack: CompliancePack, now: number, trigger?: string): RuleRun[] {
  const run = forRun(services);
  return services.store.rules.byPack(pack.compliancePackId).map((rule) => evaluateRule(run, rule, now, trigger));
}

/** Re-evaluates every rule that reaches the account's resources (after its inventory changed). */
export function evaluateAccount(services: EngineServices, accountId: number, now: number): RuleRun[] {
  return evaluateRuleIds(services, services.store.evaluations.ruleIdsTouchingAccount(accountId), now);
}

/** Re-evaluates every rule (after a fixture load). */
export function evaluateAll(services: EngineServices, now: number): RuleRun[] {
  return evaluateRuleIds(services, services.store.evaluations.allRuleIds(), now);
}

function evaluateRuleIds(services: EngineServices, ids: string[], now: number): RuleRun[] {
  const run = forRun(services);
  const runs: RuleRun[] = [];
  for (const id of ids) {
    const rule = services.store.rules.get(id);
    if (rule) runs.push(evaluateRule(run, rule, now));
  }
  return runs;
}

/** Drops the results of a deleted rule. */
export function forgetRule(services: Pick<EngineServices, 'store'>, configRuleId: string): void {
  services.store.evaluations.deleteForRule(configRuleId);
}
