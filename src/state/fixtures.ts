/**
 * The fixtures format: one JSON document describing accounts (with access keys), aggregators,
 * compliance packs (with their rules) and generated reports. The same format is what the control
 * plane exports, so a state can be saved and loaded again.
 *
 * Fixtures are checked before anything is written; an error names the file, the path inside it and
 * what is wrong, and leaves the store as it was.
 */
import { readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ACCESS_KEY, BOOTSTRAP_ACCOUNT_ID } from '../auth/index.js';
import { bundledCatalog, ruleParameters, type Catalog } from '../catalog.js';
import { MAX_TIME_MS } from '../clock.js';
import { evaluateAll } from '../engine/index.js';
import { createPackReport } from '../reports/service.js';
import { schemaProblem } from './schema.js';
import type { Scope, Store } from '../store/index.js';
import { AGGREGATOR_TYPES, type AggregatorType } from '../store/index.js';

export interface FixtureAccessKey { accessKeyId: string; accessKeySecret: string }
export interface FixtureAccount { accountId: number; accountName?: string; configEnabled?: boolean; accessKeys?: FixtureAccessKey[] }
export interface FixtureMember { accountId: number; accountName?: string; accountType?: string }
export interface FixtureAggregator {
  aggregatorId: string; accountId: number; aggregatorName: string; description?: string; aggregatorType?: AggregatorType;
  folderId?: string; createdAt: number;
  /** End of the creating state; defaults to createdAt (ready). Written by the state export. */
  readyAt?: number;
  members: FixtureMember[]; tags?: Record<string, string>;
}
export interface FixtureRule {
  configRuleId: string; configRuleName?: string; managedRuleIdentifier: string; description?: string; riskLevel?: number;
  inputParameters?: Record<string, string>; state?: 'ACTIVE' | 'INACTIVE'; createdAt?: number;
}
export interface FixturePack {
  compliancePackId: string; accountId: number; aggregatorId?: string; compliancePackName: string; description?: string;
  compliancePackTemplateId?: string; riskLevel?: number; createdAt: number; scope?: Scope; templateContent?: string;
  /** End of the creating state; defaults to createdAt (ready). Written by the state export. */
  readyAt?: number;
  configRules: FixtureRule[]; tags?: Record<string, string>;
}
export interface FixtureReport { compliancePackId: string; createdAt: number; readyAt?: number }
/**
 * One resource of the inventory the compliance engine evaluates. `configuration` uses the attribute
 * names of Config's configuration items (reference/rules/resource-types.json), e.g.
 * `{ "AccessControlList": { "Grant": "public-read" } }` for an OSS bucket.
 */
export interface FixtureResource {
  accountId: number; regionId: string; resourceType: string; resourceId: string; resourceName?: string; resourceGroupId?: string;
  tags?: Record<string, string>; configuration: Record<string, unknown>; createdAt?: number;
}
export interface Fixtures {
  $schema?: string;
  accounts?: FixtureAccount[];
  aggregators?: FixtureAggregator[];
  compliancePacks?: FixturePack[];
  reports?: FixtureReport[];
  resources?: FixtureResource[];
}

export class FixtureError extends Error {
  constructor(readonly file: string, readonly at: string, readonly problem: string) {
    super(`${file}: ${at}: ${problem}`);
    this.name = 'FixtureError';
  }
}

/** Reads a fixtures file, or every *.json file of a directory (merged in name order). */
export function readFixtures(target: string): { file: string; fixtures: Fixtures }[] {
  const files = statSync(target).isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).sort().map((f) => path.join(target, f))
    : [target];
  return files.map((file) => {
    let fixtures: unknown;
    try {
      fixtures = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new FixtureError(file, '$', `not valid JSON (${(err as Error).message})`);
    }
    if (!fixtures || typeof fixtures !== 'object' || Array.isArray(fixtures)) throw new FixtureError(file, '$', 'must be a JSON object');
    return { file, fixtures: fixtures as Fixtures };
  });
}

type Check = (cond: unknown, at: string, problem: string) => void;

function validate(f: Fixtures, check: Check, known: { accounts: Set<number>; packIds: Set<string>; aggregatorIds: Set<string>; owners: Map<string, number> }): void {
  const isId = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  const isTime = (v: unknown) => isId(v) && (v as number) <= MAX_TIME_MS;
  // Shapes first (the JSON Schema), so a hand-written document gets a FixtureError, not a TypeError.
  const shape = schemaProblem(f);
  check(!shape, shape?.at ?? '$', shape?.problem ?? '');
  // An id defined twice in one document is a mistake (the second would silently replace the first).
  const once = (seen: Set<unknown>, id: unknown, at: string, what: string) => {
    check(!seen.has(id), at, `duplicate ${what} ${String(id)}`);
    seen.add(id);
  };
  const ids = { accounts: new Set<unknown>(), aggregators: new Set<unknown>(), packs: new Set<unknown>(), rules: new Set<unknown>() };
  (f.accounts ?? []).forEach((a, i) => {
    const at = `$.accounts[${i}]`;
    check(isId(a.accountId), `${at}.accountId`, 'must be a positive integer account id');
    once(ids.accounts, a.accountId, `${at}.accountId`, 'account');
    (a.accessKeys ?? []).forEach((k, j) => {
      check(typeof k.accessKeyId === 'string' && k.accessKeyId !== '', `${at}.accessKeys[${j}].accessKeyId`, 'must be a non-empty string');
      check(typeof k.accessKeySecret === 'string' && k.accessKeySecret !== '', `${at}.accessKeys[${j}].accessKeySecret`, 'must be a non-empty string');
    });
    known.accounts.add(a.accountId);
  });
  (f.aggregators ?? []).forEach((g, i) => {
    const at = `$.aggregators[${i}]`;
    check(typeof g.aggregatorId === 'string' && /^ca-[0-9a-z]{1,40}$/.test(g.aggregatorId), `${at}.aggregatorId`, 'must look like ca-<hex>');
    once(ids.aggregators, g.aggregatorId, `${at}.aggregatorId`, 'aggregator');
    known.owners.set(g.aggregatorId, g.accountId);
    check(known.accounts.has(g.accountId), `${at}.accountId`, `account ${g.accountId} is not defined in accounts`);
    check(typeof g.aggregatorName === 'string' && g.aggregatorName !== '', `${at}.aggregatorName`, 'must be a non-empty string');
    check(g.aggregatorType === undefined || AGGREGATOR_TYPES.includes(g.aggregatorType), `${at}.aggregatorType`, `must be one of ${AGGREGATOR_TYPES.join(', ')}`);
    check(isTime(g.createdAt), `${at}.createdAt`, 'must be a timestamp in ms (at most year 9999)');
    check(g.readyAt === undefined || isTime(g.readyAt), `${at}.readyAt`, 'must be a timestamp in ms (at most year 9999)');
    check(Array.isArray(g.members), `${at}.members`, 'must be an array');
    const members = new Set<unknown>();
    (g.members ?? []).forEach((m, j) => {
      check(isId(m.accountId), `${at}.members[${j}].accountId`, 'must be a positive integer account id');
      once(members, m.accountId, `${at}.members[${j}].accountId`, 'member');
    });
    known.aggregatorIds.add(g.aggregatorId);
  });
  (f.compliancePacks ?? []).forEach((pk, i) => {
    const at = `$.compliancePacks[${i}]`;
    check(typeof pk.compliancePackId === 'string' && /^cp-[0-9a-z]{1,40}$/.test(pk.compliancePackId), `${at}.compliancePackId`, 'must look like cp-<hex>');
    once(ids.packs, pk.compliancePackId, `${at}.compliancePackId`, 'compliance pack');
    check(known.accounts.has(pk.accountId), `${at}.accountId`, `account ${pk.accountId} is not defined in accounts`);
    check(pk.aggregatorId === undefined || known.aggregatorIds.has(pk.aggregatorId), `${at}.aggregatorId`, `aggregator ${pk.aggregatorId} is not defined in aggregators`);
    const owner = pk.aggregatorId === undefined ? undefined : known.owners.get(pk.aggregatorId);
    check(owner === undefined || owner === pk.accountId, `${at}.accountId`, `must be the account that owns aggregator ${pk.aggregatorId} (${owner})`);
    check(typeof pk.compliancePackName === 'string' && pk.compliancePackName !== '', `${at}.compliancePackName`, 'must be a non-empty string');
    check(isTime(pk.createdAt), `${at}.createdAt`, 'must be a timestamp in ms (at most year 9999)');
    check(pk.readyAt === undefined || isTime(pk.readyAt), `${at}.readyAt`, 'must be a timestamp in ms (at most year 9999)');
    check(pk.riskLevel === undefined || [1, 2, 3].includes(pk.riskLevel), `${at}.riskLevel`, 'must be 1, 2 or 3');
    check(Array.isArray(pk.configRules), `${at}.configRules`, 'must be an array');
    (pk.configRules ?? []).forEach((r, j) => {
      check(typeof r.configRuleId === 'string' && /^cr-[0-9a-z]{1,40}$/.test(r.configRuleId), `${at}.configRules[${j}].configRuleId`, 'must look like cr-<hex>');
      check(typeof r.managedRuleIdentifier === 'string', `${at}.configRules[${j}].managedRuleIdentifier`, 'must be a managed rule identifier');
      once(ids.rules, r.configRuleId, `${at}.configRules[${j}].configRuleId`, 'config rule');
      check(r.createdAt === undefined || isTime(r.createdAt), `${at}.configRules[${j}].createdAt`, 'must be a timestamp in ms (at most year 9999)');
    });
    known.packIds.add(pk.compliancePackId);
  });
  const seen = new Set<string>();
  (f.resources ?? []).forEach((r, i) => {
    const at = `$.resources[${i}]`;
    check(known.accounts.has(r.accountId), `${at}.accountId`, `account ${r.accountId} is not defined in accounts`);
    check(typeof r.regionId === 'string' && /^[a-z0-9-]+$/.test(r.regionId), `${at}.regionId`, 'must be a region id such as cn-hangzhou (or global)');
    check(typeof r.resourceType === 'string' && /^ACS::[A-Za-z0-9]*::[A-Za-z0-9]+$/.test(r.resourceType), `${at}.resourceType`, 'must be a resource type such as ACS::OSS::Bucket');
    check(typeof r.resourceId === 'string' && r.resourceId !== '', `${at}.resourceId`, 'must be a non-empty string');
    check(r.resourceName === undefined || typeof r.resourceName === 'string', `${at}.resourceName`, 'must be a string');
    check(r.resourceGroupId === undefined || typeof r.resourceGroupId === 'string', `${at}.resourceGroupId`, 'must be a string');
    check(r.createdAt === undefined || isTime(r.createdAt), `${at}.createdAt`, 'must be a timestamp in ms (at most year 9999)');
    const key = `${r.accountId}/${r.resourceType}/${r.resourceId}`;
    check(!seen.has(key), `${at}.resourceId`, `duplicate resource ${r.resourceType} ${r.resourceId} in account ${r.accountId}`);
    seen.add(key);
  });
  (f.reports ?? []).forEach((r, i) => {
    check(known.packIds.has(r.compliancePackId), `$.reports[${i}].compliancePackId`, `compliance pack ${r.compliancePackId} is not defined in compliancePacks`);
    check(isTime(r.createdAt), `$.reports[${i}].createdAt`, 'must be a timestamp in ms (at most year 9999)');
    check(r.readyAt === undefined || isTime(r.readyAt), `$.reports[${i}].readyAt`, 'must be a timestamp in ms (at most year 9999)');
  });
}

export interface LoadSummary { accounts: number; aggregators: number; compliancePacks: number; configRules: number; reports: number; resources: number }

export interface LoadOptions {
  /** Catalog that managed-rule identifiers are checked against, with parameter defaults and resource types (default: the bundled catalog). */
  catalog?: Catalog;
  /**
   * Evaluation time of the loaded rules (the injected clock's now). Default: the latest timestamp the
   * fixtures mention, so a load is deterministic without a clock.
   */
  now?: number;
}

/** The latest timestamp a set of fixtures mentions (default evaluation time of a load). */
export function latestFixtureTime(docs: { fixtures: Fixtures }[]): number {
  let t = 0;
  for (const { fixtures: f } of docs) {
    for (const g of f.aggregators ?? []) t = Math.max(t, g.createdAt);
    for (const pk of f.compliancePacks ?? []) {
      t = Math.max(t, pk.createdAt);
      for (const r of pk.configRules ?? []) t = Math.max(t, r.createdAt ?? 0);
    }
    for (const r of f.resources ?? []) t = Math.max(t, r.createdAt ?? 0);
    for (const r of f.reports ?? []) t = Math.max(t, r.createdAt);
  }
  return t;
}

/**
 * Loads fixture documents into the store in one transaction: all of them or nothing.
 * Managed-rule identifiers are checked against the catalog (`options.catalog`).
 */
export function loadFixtures(store: Store, docs: { file: string; fixtures: Fixtures }[], options: LoadOptions = {}): LoadSummary {
  const catalog = options.catalog ?? bundledCatalog();
  // What the documents may refer to: the store's accounts and groups (a merge), then each document's.
  const known = {
    accounts: new Set(store.accounts.list().map((a) => a.accountId)),
    packIds: new Set<string>(),
    aggregatorIds: new Set<string>(),
    owners: new Map(store.aggregators.all().map((g) => [g.aggregatorId, g.accountId])),
  };
  for (const { file, fixtures } of docs) {
    const check: Check = (cond, at, problem) => {
      if (!cond) throw new FixtureError(file, at, problem);
    };
    validate(fixtures, check, known);
    (fixtures.compliancePacks ?? []).forEach((pk, i) =>
      pk.configRules.forEach((r, j) => check(catalog.managedRule(r.managedRuleIdentifier) !== undefined, `$.compliancePacks[${i}].configRules[${j}].managedRuleIdentifier`, `unknown managed rule "${r.managedRuleIdentifier}"`)),
    );
  }
  const summary: LoadSummary = { accounts: 0, aggregators: 0, compliancePacks: 0, configRules: 0, reports: 0, resources: 0 };
  const evaluatedAt = options.now ?? latestFixtureTime(docs);
  store.transaction(() => {
    for (const { fixtures: f } of docs) {
      for (const a of f.accounts ?? []) {
        store.accounts.upsert({ accountId: a.accountId, accountName: a.accountName ?? '', configEnabled: a.configEnabled ?? true });
        for (const k of a.accessKeys ?? []) store.accounts.upsertAccessKey({ accessKeyId: k.accessKeyId, secret: k.accessKeySecret, accountId: a.accountId });
        summary.accounts++;
      }
      for (const g of f.aggregators ?? []) {
        // A definition replaces what the store held under that id, its tags included (a merge).
        store.aggregators.delete(g.aggregatorId);
        store.tags.removeAll(g.aggregatorId);
        store.aggregators.insert({
          aggregatorId: g.aggregatorId, accountId: g.accountId, name: g.aggregatorName, description: g.description ?? '',
          aggregatorType: g.aggregatorType ?? 'CUSTOM', folderId: g.folderId ?? '', createdAt: g.createdAt, readyAt: g.readyAt ?? g.createdAt,
          members: g.members.map((m) => ({ accountId: m.accountId, accountName: m.accountName ?? '', accountType: m.accountType ?? 'ResourceDirectory' })),
        });
        for (const [key, value] of Object.entries(g.tags ?? {})) store.tags.put({ resourceId: g.aggregatorId, resourceType: 'ACS::Config::Aggregator', accountId: g.accountId, key, value });
        summary.aggregators++;
      }
      for (const pk of f.compliancePacks ?? []) {
        for (const r of store.rules.byPack(pk.compliancePackId)) {
          store.rules.delete(r.configRuleId);
          store.tags.removeAll(r.configRuleId);
        }
        store.packs.delete(pk.compliancePackId);
        store.tags.removeAll(pk.compliancePackId);
        store.packs.insert({
          compliancePackId: pk.compliancePackId, accountId: pk.accountId, aggregatorId: pk.aggregatorId ?? '', name: pk.compliancePackName,
          description: pk.description ?? '', templateId: pk.compliancePackTemplateId ?? '', riskLevel: pk.riskLevel ?? 2, scope: pk.scope ?? {},
          templateContent: pk.templateContent ?? '', createdAt: pk.createdAt, readyAt: pk.readyAt ?? pk.createdAt,
        });
        for (const r of pk.configRules) {
          store.rules.delete(r.configRuleId);
          // As the API builds a pack's rule (pack-rules.ts): the catalog's defaults, trigger types and frequency.
          const managed = catalog.managedRule(r.managedRuleIdentifier)!;
          store.rules.insert({
            configRuleId: r.configRuleId, accountId: pk.accountId, aggregatorId: pk.aggregatorId ?? '', compliancePackId: pk.compliancePackId,
            name: r.configRuleName ?? r.managedRuleIdentifier, description: r.description ?? '', sourceOwner: 'ALIYUN',
            sourceIdentifier: r.managedRuleIdentifier, riskLevel: r.riskLevel ?? 2, inputParameters: ruleParameters(managed, r.inputParameters ?? {}).values,
            scope: pk.scope ?? {}, triggerTypes: managed.triggerTypes.join(','), maximumExecutionFrequency: managed.maximumExecutionFrequency ?? '',
            state: r.state ?? 'ACTIVE', createdAt: r.createdAt ?? pk.createdAt, modifiedAt: r.createdAt ?? pk.createdAt,
          });
          summary.configRules++;
        }
        const packType = pk.aggregatorId ? 'ACS::Config::AggregateCompliancePack' : 'ACS::Config::CompliancePack';
        for (const [key, value] of Object.entries(pk.tags ?? {})) store.tags.put({ resourceId: pk.compliancePackId, resourceType: packType, accountId: pk.accountId, key, value });
        summary.compliancePacks++;
      }
      for (const r of f.resources ?? []) {
        store.resources.upsert({
          accountId: r.accountId, regionId: r.regionId, resourceType: r.resourceType, resourceId: r.resourceId,
          resourceName: r.resourceName ?? r.resourceId, resourceGroupId: r.resourceGroupId ?? '', tags: r.tags ?? {},
          configuration: r.configuration, createdAt: r.createdAt ?? 0,
        });
        summary.resources++;
      }
    }
    // The inventory (or the rules) changed: every rule is evaluated again before any report is taken.
    evaluateAll({ store, catalog }, evaluatedAt);
    for (const { fixtures: f } of docs) {
      for (const r of f.reports ?? []) {
        const pack = store.packs.get(r.compliancePackId)!;
        // Bytes built by the first download, not in the background as the server starts (reports/service.ts).
        createPackReport({ store }, pack, r.createdAt, (r.readyAt ?? r.createdAt) - r.createdAt, 'on-download');
        summary.reports++;
      }
    }
    ensureDefaultKey(store);
  });
  return summary;
}

/** Makes sure the documented default access key exists (bound to the first account). */
export function ensureDefaultKey(store: Store): void {
  if (store.accounts.accessKey(DEFAULT_ACCESS_KEY.accessKeyId)) return;
  let first = store.accounts.list()[0];
  if (!first) {
    first = { accountId: BOOTSTRAP_ACCOUNT_ID, accountName: 'default', configEnabled: true };
    store.accounts.upsert(first);
  }
  store.accounts.upsertAccessKey({ accessKeyId: DEFAULT_ACCESS_KEY.accessKeyId, secret: DEFAULT_ACCESS_KEY.secret, accountId: first.accountId });
}
