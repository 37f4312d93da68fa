/**
 * Reset and import: put the store back to the loaded fixtures (or empty), for everything or one
 * account, and load or merge a fixtures document. Each runs in one transaction: a bad document
 * (FixtureError naming the file, the path and the problem) changes nothing.
 */
import type { Services } from '../actions/define.js';
import { BOOTSTRAP_ACCOUNT_ID } from '../auth/index.js';
import { loadConfiguredKeys } from '../auth/keys.js';
import { ensureDefaultKey, FixtureError, loadFixtures, type Fixtures, type LoadSummary } from '../state/fixtures.js';

export interface FixtureDoc {
  file: string;
  fixtures: Fixtures;
}

export const RESET_TARGETS = ['fixtures', 'empty'] as const;
export type ResetTarget = (typeof RESET_TARGETS)[number];
export const IMPORT_MODES = ['replace', 'merge'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];


/**
 * Everything back to the configured fixtures (or to an empty emulator with its default key), with
 * the configured access keys (--access-keys), as a start on a new store.
 */
export function resetAll(services: Services, docs: FixtureDoc[], to: ResetTarget): LoadSummary | null {
  const { store } = services;
  return store.transaction(() => {
    store.clear();
    const loaded = to === 'fixtures' && docs.length > 0 ? loadFixtures(store, docs, { catalog: services.catalog, now: services.clock.now() }) : null;
    if (!loaded) ensureDefaultKey(store);
    loadConfiguredKeys(store, services.config);
    return loaded;
  });
}

/**
 * Whether a store holds state of its own: anything beyond the default account a start with
 * `--fixtures none` creates (and the configured access keys, which every start loads again).
 */
export const holdsState = (services: Services): boolean => services.store.holdsState(BOOTSTRAP_ACCOUNT_ID);

/** The parts of a fixtures document one account owns (its account entry, groups, packs, reports). */
export function accountSlice(f: Fixtures, accountId: number): Fixtures {
  const packs = (f.compliancePacks ?? []).filter((p) => p.accountId === accountId);
  const packIds = new Set(packs.map((p) => p.compliancePackId));
  return {
    accounts: (f.accounts ?? []).filter((a) => a.accountId === accountId),
    aggregators: (f.aggregators ?? []).filter((g) => g.accountId === accountId),
    compliancePacks: packs,
    reports: (f.reports ?? []).filter((r) => packIds.has(r.compliancePackId)),
    resources: (f.resources ?? []).filter((r) => r.accountId === accountId),
  };
}

/** True when the account exists in the store or in the fixtures. */
export function accountKnown(services: Services, docs: FixtureDoc[], accountId: number): boolean {
  return services.store.accounts.get(accountId) !== undefined || docs.some((d) => (d.fixtures.accounts ?? []).some((a) => a.accountId === accountId));
}

/**
 * One account back to its fixtures (or to nothing): deletes what it owns, keeps its account row and
 * access keys, then reloads its slice of the fixtures. Other accounts are untouched.
 */
export function resetAccount(services: Services, docs: FixtureDoc[], accountId: number, to: ResetTarget): LoadSummary | null {
  const { store } = services;
  return store.transaction(() => {
    store.clearAccount(accountId);
    if (to === 'empty') return null;
    const slices = docs.map((d) => ({ file: d.file, fixtures: accountSlice(d.fixtures, accountId) }));
    return loadFixtures(store, slices, { catalog: services.catalog, now: services.clock.now() });
  });
}

/** Loads a fixtures document: replace empties the store first, merge upserts by id. */
export function importState(services: Services, doc: unknown, mode: ImportMode, file: string): LoadSummary {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new FixtureError(file, '$', 'must be a JSON object');
  const { store } = services;
  return store.transaction(() => {
    if (mode === 'replace') store.clear();
    return loadFixtures(store, [{ file, fixtures: doc as Fixtures }], { catalog: services.catalog, now: services.clock.now() });
  });
}
