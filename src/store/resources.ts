import type { Db } from './db.js';

/**
 * One resource of the inventory the compliance engine evaluates. A resource is identified by its
 * account, type and id (RAM user names or bucket names may repeat across accounts).
 * `configuration` uses the attribute names of the real Config configuration items
 * (reference/rules/resource-types.json), e.g. `{ "AccessControlList": { "Grant": "private" } }`.
 */
export interface InventoryResource {
  accountId: number;
  regionId: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  resourceGroupId: string;
  tags: Record<string, string>;
  configuration: Record<string, unknown>;
  createdAt: number;
}

/** The columns of every resource read, in the order `toResource` takes them (raw rows: see packs.ts). */
const RESOURCE_COLUMNS = 'account_id, region_id, resource_type, resource_id, resource_name, resource_group_id, tags_json, configuration_json, created_at';
type Row = [
  accountId: number, regionId: string, resourceType: string, resourceId: string, resourceName: string, resourceGroupId: string,
  tagsJson: string, configurationJson: string, createdAt: number,
];
const toResource = (r: Row): InventoryResource => ({
  accountId: r[0], regionId: r[1], resourceType: r[2], resourceId: r[3], resourceName: r[4], resourceGroupId: r[5],
  tags: JSON.parse(r[6]) as Record<string, string>, configuration: JSON.parse(r[7]) as Record<string, unknown>, createdAt: r[8],
});
const toRow = (r: InventoryResource) => ({
  accountId: r.accountId, regionId: r.regionId, resourceType: r.resourceType, resourceId: r.resourceId, resourceName: r.resourceName,
  resourceGroupId: r.resourceGroupId, tagsJson: JSON.stringify(r.tags), configurationJson: JSON.stringify(r.configuration), createdAt: r.createdAt,
});

export class ResourcesRepo {
  private readonly getStmt;
  private readonly byAccountTypeStmt;
  private readonly byAccountStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly countStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[number, string, string], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE account_id = ? AND resource_type = ? AND resource_id = ?`).raw();
    this.byAccountTypeStmt = db
      .prepare<[number, string], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE account_id = ? AND resource_type = ? ORDER BY region_id, resource_id`)
      .raw();
    this.byAccountStmt = db.prepare<[number], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE account_id = ? ORDER BY resource_type, region_id, resource_id`).raw();
    this.upsertStmt = db.prepare(
      `INSERT INTO resources (account_id, region_id, resource_type, resource_id, resource_name, resource_group_id, tags_json, configuration_json, created_at)
       VALUES (@accountId, @regionId, @resourceType, @resourceId, @resourceName, @resourceGroupId, @tagsJson, @configurationJson, @createdAt)
       ON CONFLICT(account_id, resource_type, resource_id) DO UPDATE SET region_id = excluded.region_id, resource_name = excluded.resource_name,
         resource_group_id = excluded.resource_group_id, tags_json = excluded.tags_json, configuration_json = excluded.configuration_json,
         created_at = excluded.created_at`,
    );
    this.deleteStmt = db.prepare('DELETE FROM resources WHERE account_id = ? AND resource_type = ? AND resource_id = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM resources');
  }
  get(accountId: number, resourceType: string, resourceId: string): InventoryResource | undefined {
    const r = this.getStmt.get(accountId, resourceType, resourceId);
    return r && toResource(r);
  }
  /** Resources of one account and type, in a stable order (region, id). */
  byAccountAndType(accountId: number, resourceType: string): InventoryResource[] {
    return this.byAccountTypeStmt.all(accountId, resourceType).map(toResource);
  }
  byAccount(accountId: number): InventoryResource[] {
    return this.byAccountStmt.all(accountId).map(toResource);
  }
  upsert(r: InventoryResource): void {
    this.upsertStmt.run(toRow(r));
  }
  delete(accountId: number, resourceType: string, resourceId: string): void {
    this.deleteStmt.run(accountId, resourceType, resourceId);
  }
  /** Every resource, in the order they were loaded (exports keep the fixture order). */
  all(): InventoryResource[] {
    return (this.db.prepare(`SELECT ${RESOURCE_COLUMNS} FROM resources ORDER BY rowid`).raw().all() as Row[]).map(toResource);
  }
  count(): number {
    return this.countStmt.get()!.n;
  }
}
