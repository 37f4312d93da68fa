/**
 * State export: the whole store as a fixtures document (src/state/fixtures.ts), the format that
 * loadFixtures reads, so export -> import into a fresh emulator reproduces the same answers.
 *
 * One function per section; a new resource family adds its section function and one line in
 * exportState (and the matching loader in fixtures.ts).
 *
 * What is not exported: ClientToken memory, report file bytes (reports are regenerated from the
 * pack at import, so a report's content follows the pack's current rules), reports that do not
 * belong to a pack, rules outside packs (the fixture format has no section for them yet), and the
 * in-memory lifecycle read counters.
 */
import type { Store } from '../store/index.js';
import type { FixtureAccount, FixtureAggregator, FixturePack, FixtureReport, FixtureResource, FixtureRule, Fixtures } from './fixtures.js';

function tagRecord(store: Store, resourceId: string): Record<string, string> | undefined {
  const tags = store.tags.of(resourceId);
  if (tags.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) out[t.key] = t.value;
  return out;
}

export function exportAccounts(store: Store): FixtureAccount[] {
  const keys = store.accounts.accessKeys();
  return store.accounts.list().map((a) => ({
    accountId: a.accountId,
    accountName: a.accountName,
    configEnabled: a.configEnabled,
    accessKeys: keys.filter((k) => k.accountId === a.accountId).map((k) => ({ accessKeyId: k.accessKeyId, accessKeySecret: k.secret })),
  }));
}

export function exportAggregators(store: Store): FixtureAggregator[] {
  return store.aggregators.all().map((g) => {
    const out: FixtureAggregator = {
      aggregatorId: g.aggregatorId,
      accountId: g.accountId,
      aggregatorName: g.name,
      description: g.description,
      aggregatorType: g.aggregatorType,
      folderId: g.folderId,
      createdAt: g.createdAt,
      members: g.members.map((m) => ({ accountId: m.accountId, accountName: m.accountName, accountType: m.accountType })),
    };
    if (g.readyAt !== g.createdAt) out.readyAt = g.readyAt;
    const tags = tagRecord(store, g.aggregatorId);
    if (tags) out.tags = tags;
    return out;
  });
}

export function exportCompliancePacks(store: Store): FixturePack[] {
  return store.packs.all().map((p) => {
    const out: FixturePack = {
      compliancePackId: p.compliancePackId,
      accountId: p.accountId,
      ...(p.aggregatorId ? { aggregatorId: p.aggregatorId } : {}),
      compliancePackName: p.name,
      description: p.description,
      compliancePackTemplateId: p.templateId,
      riskLevel: p.riskLevel,
      createdAt: p.createdAt,
      scope: p.scope,
      templateContent: p.templateContent,
      // Managed rules only: the fixtures format has no place for a custom-function rule attached to the pack.
      configRules: store.rules.byPack(p.compliancePackId).filter((r) => r.sourceOwner === 'ALIYUN').map(
        (r): FixtureRule => ({
          configRuleId: r.configRuleId,
          configRuleName: r.name,
          managedRuleIdentifier: r.sourceIdentifier,
          description: r.description,
          riskLevel: r.riskLevel,
          inputParameters: r.inputParameters,
          state: r.state as FixtureRule['state'],
          createdAt: r.createdAt,
        }),
      ),
    };
    if (p.readyAt !== p.createdAt) out.readyAt = p.readyAt;
    const tags = tagRecord(store, p.compliancePackId);
    if (tags) out.tags = tags;
    return out;
  });
}

export function exportReports(store: Store): FixtureReport[] {
  const packIds = new Set(store.packs.all().map((p) => p.compliancePackId));
  return store.reports
    .all()
    .filter((r) => (r.kind === 'pack' || r.kind === 'aggregate-pack') && packIds.has(r.scopeId))
    .map((r) => ({ compliancePackId: r.scopeId, createdAt: r.createdAt, readyAt: r.readyAt }));
}

/** The resource inventory (the evaluation engine's input), account by account. */
export function exportResources(store: Store): FixtureResource[] {
  return store.resources.all().map((r) => ({
    accountId: r.accountId, regionId: r.regionId, resourceType: r.resourceType, resourceId: r.resourceId, resourceName: r.resourceName,
    ...(r.resourceGroupId ? { resourceGroupId: r.resourceGroupId } : {}), tags: r.tags, configuration: r.configuration,
    // 0: loaded without a time (the fixtures' default); left out, so the export loads again.
    ...(r.createdAt ? { createdAt: r.createdAt } : {}),
  }));
}

/** The whole state as a fixtures document; optionally only what one account owns. */
export function exportState(store: Store, accountId?: number): Fixtures {
  const mine = <T extends { accountId: number }>(items: T[]) => (accountId === undefined ? items : items.filter((i) => i.accountId === accountId));
  const compliancePacks = mine(exportCompliancePacks(store));
  const packIds = new Set(compliancePacks.map((p) => p.compliancePackId));
  return {
    accounts: mine(exportAccounts(store)),
    aggregators: mine(exportAggregators(store)),
    compliancePacks,
    reports: exportReports(store).filter((r) => packIds.has(r.compliancePackId)),
    resources: mine(exportResources(store)),
  };
}
