/**
 * The report lifecycle: a report is CREATING from its generation until `readyAt`, then COMPLETE.
 * The state is computed from the clock, never from timers.
 *
 * Building the bytes. Generate* answers at once, and the workbook (a few hundred ms for 10 000
 * rows) is written after the answer. So generation is split in two:
 *   1. `createPackReport` (synchronous, inside the request's transaction) takes the SNAPSHOT of the
 *      evaluation results and stores the report row with the snapshot as a pending body
 *      (content type PENDING_CONTENT_TYPE, no ETag). This is what makes the report a snapshot: later
 *      changes to rules, results or inventory never reach it.
 *   2. Right after the request (setImmediate, so after the transaction committed; if it rolled back
 *      there is no row and nothing happens) the workbook is built off the request path and the row's
 *      body is replaced by the final bytes, content type and ETag.
 * The download route calls `ensureReportFile`, which awaits the same build when a link is fetched
 * before the background build finished (or after a restart of a file database). A half-built file is
 * never served: a pending row has no bytes to serve until its build has completed and been stored.
 * Reports loaded from fixtures skip step 2 (`build: 'on-download'`): in the background, their builds
 * (loading fflate, writing and deflating the workbook: hundreds of ms for a large report) would block
 * the event loop just as the server starts answering, so their bytes are built by the first download.
 */
import { createHash } from 'node:crypto';
import type { Services } from '../actions/define.js';
import { packResources, packRules, ruleCompliance, type PackRuleRow } from '../engine/rollup.js';
import type { CompliancePack, ComplianceType, EvaluationResultView, Report, ReportFile, ReportKind, Store } from '../store/index.js';
import { annotationReason, packReportObject, type PackReportSnapshot, type ReportPackaging } from './files.js';
import { packReportKey, rulesReportKey } from './links.js';

export type ReportStatus = 'NONE' | 'CREATING' | 'COMPLETE';

/** Content type of a report row whose bytes are not built yet (its body is the snapshot JSON). */
export const PENDING_CONTENT_TYPE = 'application/x.emulator-report-snapshot+json';

interface PendingBody {
  baseName: string;
  packaging: ReportPackaging;
  snapshot: PackReportSnapshot;
}

export function reportStatus(report: Report | undefined, now: number): ReportStatus {
  if (!report) return 'NONE';
  return now >= report.readyAt ? 'COMPLETE' : 'CREATING';
}

/**
 * What the report says about a pack at this instant, from the stored evaluation results. Only the
 * non-compliant results are read; the resource counts are rolled up in SQL (issue 8: a pack with
 * 40 000 results, 10 000 of them non-compliant, took about 1 s to snapshot when every result was read).
 */
export function snapshotPack(ctx: Pick<Services, 'store'>, pack: CompliancePack, at: number): PackReportSnapshot {
  const { store } = ctx;
  const resources = store.evaluations.resourceCountsByPack(pack.compliancePackId);
  return buildSnapshot(
    { compliancePackId: pack.compliancePackId, compliancePackName: pack.name, aggregatorId: pack.aggregatorId, accountId: pack.accountId, riskLevel: pack.riskLevel },
    packRules(store, pack),
    resources,
    store.evaluations.byPack(pack.compliancePackId, 'NON_COMPLIANT'),
    at,
  );
}

/** What the rules report says about every rule of an account group (or of an account: aggregatorId ''). */
export function snapshotRules(ctx: Pick<Services, 'store'>, owner: { accountId: number; aggregatorId: string }, at: number, ruleIds: string[] = []): PackReportSnapshot {
  const { store } = ctx;
  const wanted = new Set(ruleIds);
  const keep = (id: string) => wanted.size === 0 || wanted.has(id);
  const rules = store.rules.owned(owner.accountId, owner.aggregatorId).filter((r) => keep(r.configRuleId));
  const rows = rules.map((rule) => ({ rule, ...ruleCompliance(store, rule) }));
  const results = store.evaluations.search({ accountId: owner.accountId, aggregatorId: owner.aggregatorId }, -1).filter((r) => keep(r.configRuleId)); // LIMIT -1: no limit
  const resources = packResources(results);
  const count = (type: ComplianceType) => resources.filter((r) => r.complianceType === type).length;
  const scope = owner.aggregatorId || String(owner.accountId);
  return buildSnapshot(
    { compliancePackId: '', compliancePackName: scope, aggregatorId: owner.aggregatorId, accountId: owner.accountId, riskLevel: 0 },
    rows,
    { total: resources.length, compliant: count('COMPLIANT'), nonCompliant: count('NON_COMPLIANT') },
    results.filter((r) => r.complianceType === 'NON_COMPLIANT'),
    at,
  );
}

function buildSnapshot(
  head: Pick<PackReportSnapshot, 'compliancePackId' | 'compliancePackName' | 'aggregatorId' | 'accountId' | 'riskLevel'>,
  rules: PackRuleRow[],
  resources: { total: number; compliant: number; nonCompliant: number },
  nonCompliant: EvaluationResultView[],
  at: number,
): PackReportSnapshot {
  return {
    ...head,
    createdAt: at,
    totals: {
      rules: rules.length,
      compliantRules: rules.filter((r) => r.complianceType === 'COMPLIANT').length,
      nonCompliantRules: rules.filter((r) => r.complianceType === 'NON_COMPLIANT').length,
      resources: resources.total,
      compliantResources: resources.compliant,
      nonCompliantResources: resources.nonCompliant,
    },
    rules: rules.map((r) => ({
      configRuleId: r.rule.configRuleId,
      configRuleName: r.rule.name,
      managedRuleIdentifier: r.rule.sourceIdentifier,
      riskLevel: r.rule.riskLevel,
      complianceType: r.complianceType,
      nonCompliantCount: r.nonCompliantResources,
    })),
    nonCompliant: nonCompliant.map((r) => ({
      accountId: r.accountId,
      configRuleName: r.configRuleName,
      configRuleId: r.configRuleId,
      riskLevel: r.riskLevel,
      resourceId: r.resourceId,
      resourceName: r.resourceName,
      resourceType: r.resourceType,
      regionId: r.regionId,
      annotation: r.annotation,
      reason: annotationReason(r.annotation),
      // A report taken at `at` shows no evaluation after it. Only a report loaded from fixtures, dated
      // before the load that evaluated its results, can be earlier than them (docs/fidelity.md).
      evaluatedAt: Math.min(r.evaluatedAt, at),
    })),
  };
}

/**
 * When a report's bytes are built: right after the request (`background`, the default), or by the first
 * download (`on-download`: reports loaded from fixtures, see the top of this file).
 */
export type ReportBuild = 'background' | 'on-download';

/**
 * Stores a new pack report created at `at`, ready after `delayMs`, and schedules its bytes.
 * Account-group packs get a .zip holding the workbook; single-account packs a bare .xls workbook.
 */
export function createPackReport(ctx: Pick<Services, 'store'>, pack: CompliancePack, at: number, delayMs: number, build: ReportBuild = 'background'): Report {
  const packaging: ReportPackaging = pack.aggregatorId ? 'zip' : 'xls';
  return storePending(ctx.store, {
    objectKey: packReportKey(pack.accountId, pack.compliancePackId, at, packaging),
    scopeId: pack.compliancePackId,
    kind: pack.aggregatorId ? 'aggregate-pack' : 'pack',
    accountId: pack.accountId,
    aggregatorId: pack.aggregatorId,
    packaging,
    snapshot: snapshotPack(ctx, pack, at),
    delayMs,
    build,
  });
}

/**
 * Stores a new rules report (Generate[Aggregate]ConfigRulesReport) of an account group, or of an
 * account when `aggregatorId` is ''. Its scope id (for `reports.latest`) is the aggregator id, or the
 * account id as a string.
 */
export function createRulesReport(ctx: Pick<Services, 'store'>, owner: { accountId: number; aggregatorId: string }, at: number, delayMs: number, ruleIds: string[] = []): Report {
  return storePending(ctx.store, {
    objectKey: rulesReportKey(owner.accountId, owner.aggregatorId, at),
    scopeId: rulesReportScope(owner),
    kind: owner.aggregatorId ? 'aggregate-rules' : 'rules',
    accountId: owner.accountId,
    aggregatorId: owner.aggregatorId,
    packaging: owner.aggregatorId ? 'zip' : 'xls',
    snapshot: snapshotRules(ctx, owner, at, ruleIds),
    delayMs,
    build: 'background',
  });
}
export const rulesReportScope = (owner: { accountId: number; aggregatorId: string }): string => owner.aggregatorId || String(owner.accountId);

function storePending(
  store: Store,
  r: { objectKey: string; scopeId: string; kind: ReportKind; accountId: number; aggregatorId: string; packaging: ReportPackaging; snapshot: PackReportSnapshot; delayMs: number; build: ReportBuild },
): Report {
  const baseName = r.objectKey.slice(r.objectKey.lastIndexOf('/') + 1).replace(/\.(zip|xls)$/, '');
  const body: PendingBody = { baseName, packaging: r.packaging, snapshot: r.snapshot };
  const report: Report = {
    objectKey: r.objectKey,
    scopeId: r.scopeId,
    kind: r.kind,
    accountId: r.accountId,
    aggregatorId: r.aggregatorId,
    createdAt: r.snapshot.createdAt,
    readyAt: r.snapshot.createdAt + r.delayMs,
    contentType: PENDING_CONTENT_TYPE,
    etag: '',
  };
  store.reports.insert({ ...report, content: Buffer.from(JSON.stringify(body)) });
  if (r.build === 'background') scheduleBuild(store, r.objectKey);
  return report;
}

// ---- building the bytes -----------------------------------------------------------------------

const inflight = new WeakMap<Store, Map<string, Promise<ReportFile | undefined>>>();

/** Background builds scheduled or running, per store (so tests and shutdown can wait for them). */
const background = new WeakMap<Store, Set<Promise<void>>>();

function scheduleBuild(store: Store, objectKey: string): void {
  let set = background.get(store);
  if (!set) background.set(store, (set = new Set()));
  const job: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => ensureReportFile(store, objectKey))
    .then(
      () => undefined,
      () => undefined, // A failed background build is retried by the next download (ensureReportFile).
    )
    .finally(() => set.delete(job));
  set.add(job);
}

/**
 * Resolves once no report build is scheduled or running for `store`. The background builds are the
 * only writes made outside a request (they replace a pending row's snapshot by its final bytes), so a
 * caller that compares the store before and after a request waits for this first.
 */
export async function reportBuildsSettled(store: Store): Promise<void> {
  for (;;) {
    const jobs = [...(background.get(store) ?? []), ...(inflight.get(store)?.values() ?? [])];
    if (jobs.length === 0) return;
    await Promise.allSettled(jobs);
  }
}

export const isPending = (file: Pick<ReportFile, 'contentType'>): boolean => file.contentType === PENDING_CONTENT_TYPE;

/**
 * The report object with its final bytes: builds them first when the row is still pending (one build
 * per object at a time). Undefined when the object does not exist (or the store is closed).
 */
export function ensureReportFile(store: Store, objectKey: string): Promise<ReportFile | undefined> {
  if (!store.db.open) return Promise.resolve(undefined);
  const file = store.reports.file(objectKey);
  if (!file || !isPending(file)) return Promise.resolve(file);
  let builds = inflight.get(store);
  if (!builds) inflight.set(store, (builds = new Map()));
  const running = builds.get(objectKey);
  if (running) return running;
  const build = buildFile(store, file).finally(() => builds.delete(objectKey));
  builds.set(objectKey, build);
  return build;
}

async function buildFile(store: Store, pending: ReportFile): Promise<ReportFile | undefined> {
  const body = JSON.parse(pending.content.toString('utf8')) as PendingBody;
  const { content, contentType } = packReportObject(body.baseName, body.packaging, body.snapshot);
  if (!store.db.open) return undefined;
  // Store the bytes only if the row is still the pending one we built from (a report generated again
  // within the same minute replaces the row under the same key).
  const now = store.reports.file(pending.objectKey);
  if (!now) return undefined;
  if (!isPending(now)) return now;
  // Replaced meanwhile (generated again within the same minute): build the newer snapshot instead.
  // Not through ensureReportFile: this build is still the in-flight one for the key, and would wait on itself.
  if (!now.content.equals(pending.content)) return buildFile(store, now);
  const done: ReportFile = { ...now, content, contentType, etag: createHash('md5').update(content).digest('hex').toUpperCase() };
  store.transaction(() => store.reports.insert(done));
  return done;
}

/** The ReportId of a rules report: `crp-` + 20 hex characters derived from its object key. */
export function rulesReportId(objectKey: string): string {
  return `crp-${createHash('sha1').update(objectKey).digest('hex').slice(0, 20)}`;
}
