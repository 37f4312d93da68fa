/**
 * Database files prepared before a run, written through the store classes (the API caps a pack
 * owner at PACK_LIMITS.packsPerOwner = 500 packs, so large stores are seeded directly; no product
 * limit is raised). Each file is started with `--db <file> --fixtures none`.
 */
import { existsSync, rmSync } from 'node:fs';
import { DEFAULT_ACCESS_KEY } from '../../src/auth/index.js';
import { createPackReport } from '../../src/reports/service.js';
import { Store, type CompliancePack } from '../../src/store/index.js';

export const ACCOUNT_ID = 1009318965421234;
/** The aggregator and pack every Get scenario asks about. */
export const TARGET_AGGREGATOR = 'ca-f632626622af0079a1b2';
export const TARGET_PACK = 'cp-fdc8626622af00f9a1b2';
export const PACKS_PER_AGGREGATOR = 500;
const T0 = 1_700_000_000_000;

const hex = (n: number, width = 20) => n.toString(16).padStart(width, '0');
const aggId = (i: number) => `ca-${hex(i)}`;
const packId = (i: number) => `cp-${hex(i)}`;

function removeDb(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
}

function baseStore(file: string): Store {
  removeDb(file);
  const store = Store.open(file);
  store.transaction(() => {
    store.accounts.upsert({ accountId: ACCOUNT_ID, accountName: 'bench', configEnabled: true });
    store.accounts.upsertAccessKey({ accessKeyId: DEFAULT_ACCESS_KEY.accessKeyId, secret: DEFAULT_ACCESS_KEY.secret, accountId: ACCOUNT_ID });
  });
  return store;
}

function aggregator(store: Store, id: string, name: string): void {
  store.aggregators.insert({
    aggregatorId: id, accountId: ACCOUNT_ID, name, description: '', aggregatorType: 'CUSTOM', folderId: '',
    createdAt: T0, readyAt: T0, members: [{ accountId: ACCOUNT_ID, accountName: 'bench', accountType: 'ResourceDirectory' }],
  });
}

function pack(id: string, aggregatorId: string, i: number): CompliancePack {
  return {
    compliancePackId: id, accountId: ACCOUNT_ID, aggregatorId, name: `pack-${i}`, description: 'seeded for the benchmark',
    templateId: '', riskLevel: 1 + (i % 3), scope: {}, templateContent: '', createdAt: T0 + i, readyAt: T0 + i,
  };
}

/**
 * A store of `total` compliance packs, each with a tag and a (small) report row:
 *  - the target aggregator holds `listed` packs, the target pack (with a real report file) first;
 *  - the rest sit in other aggregators of the same account, PACKS_PER_AGGREGATOR each.
 * So Get and List touch the same rows whatever the store size; only the store around them grows.
 */
export function seedPacks(file: string, total: number, listed: number): void {
  const store = baseStore(file);
  const tiny = Buffer.from('seeded');
  store.transaction(() => {
    aggregator(store, TARGET_AGGREGATOR, 'bench-target');
    let n = 0;
    let owner = TARGET_AGGREGATOR;
    let ownerCount = 0;
    let ownerIndex = 0;
    for (let i = 0; i < total; i++) {
      const inTarget = i < listed;
      if (!inTarget && (owner === TARGET_AGGREGATOR || ownerCount >= PACKS_PER_AGGREGATOR)) {
        owner = aggId(++ownerIndex);
        aggregator(store, owner, `bench-${ownerIndex}`);
        ownerCount = 0;
      }
      const id = i === 0 ? TARGET_PACK : packId(i);
      const p = pack(id, owner, i);
      store.packs.insert(p);
      store.tags.put({ resourceId: id, resourceType: 'ACS::Config::AggregateCompliancePack', accountId: ACCOUNT_ID, key: 'env', value: `v${i % 7}` });
      if (i === 0) {
        store.rules.insert({
          configRuleId: 'cr-a260626622af0005a1b2', accountId: ACCOUNT_ID, aggregatorId: owner, compliancePackId: id,
          name: 'oss-bucket-public-read-prohibited', description: '', sourceOwner: 'ALIYUN', sourceIdentifier: 'oss-bucket-public-read-prohibited',
          riskLevel: 1, inputParameters: {}, scope: {}, triggerTypes: 'ConfigurationItemChangeNotification', maximumExecutionFrequency: '',
          state: 'ACTIVE', createdAt: T0, modifiedAt: T0,
        });
        createPackReport({ store }, p, T0 + 1000, 0);
      } else {
        store.reports.insert({
          objectKey: `CompliancePackReports/${ACCOUNT_ID}/${id}/seeded.zip`, scopeId: id, kind: 'aggregate-pack', accountId: ACCOUNT_ID,
          aggregatorId: owner, createdAt: T0 + i, readyAt: T0 + i, contentType: 'application/zip', etag: 'SEEDED', content: tiny,
        });
      }
      ownerCount++;
      n++;
    }
    return n;
  });
  store.close();
}

/** `count` empty aggregators for the write scenario (creates spread over them, well under the limit). */
export function seedAggregators(file: string, count: number): string[] {
  const store = baseStore(file);
  const ids: string[] = [];
  store.transaction(() => {
    for (let i = 1; i <= count; i++) {
      aggregator(store, aggId(i), `bench-${i}`);
      ids.push(aggId(i));
    }
  });
  store.close();
  return ids;
}

/** EXPLAIN QUERY PLAN of a statement against a seeded file. */
export function explain(file: string, sql: string, params: unknown[] | Record<string, unknown>): string[] {
  const store = Store.open(file);
  try {
    const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[];
    return rows.map((r) => r.detail);
  } finally {
    store.close();
  }
}
