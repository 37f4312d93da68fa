import type Database from 'better-sqlite3';
import type { Db } from './db.js';

export interface Tag {
  resourceId: string;
  resourceType: string;
  accountId: number;
  key: string;
  value: string;
}

interface Row { resource_id: string; resource_type: string; account_id: number; tag_key: string; tag_value: string }
const toTag = (r: Row): Tag => ({ resourceId: r.resource_id, resourceType: r.resource_type, accountId: r.account_id, key: r.tag_key, value: r.tag_value });
/** The same row read raw (an array: cheaper than better-sqlite3's row object, see packs.ts). */
const TAG_COLUMNS = 'resource_id, resource_type, account_id, tag_key, tag_value';
type RawRow = [resourceId: string, resourceType: string, accountId: number, key: string, value: string];
const rawTag = (r: RawRow): Tag => ({ resourceId: r[0], resourceType: r[1], accountId: r[2], key: r[3], value: r[4] });

/** Filters of ListTagResources: one resource type, optionally some resources and tag pairs. */
export interface TagSearch {
  accountId: number;
  resourceType: string;
  resourceIds?: string[];
  /** Tag pairs to match (any of them); an empty value matches every value of the key. */
  tags?: { key: string; value: string }[];
}

export class TagsRepo {
  private readonly ofStmt;
  private readonly ofManyStmt;
  private readonly putStmt;
  private readonly removeStmt;
  private readonly removeAllStmt;

  private readonly searchCache = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {
    this.ofStmt = db.prepare<[string], RawRow>(`SELECT ${TAG_COLUMNS} FROM tags WHERE resource_id = ? ORDER BY rowid`).raw();
    this.ofManyStmt = db.prepare<[string], RawRow>(`SELECT ${TAG_COLUMNS} FROM tags WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`).raw();
    this.putStmt = db.prepare(
      `INSERT INTO tags (resource_id, resource_type, account_id, tag_key, tag_value) VALUES (@resourceId, @resourceType, @accountId, @key, @value)
       ON CONFLICT(resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
    );
    this.removeStmt = db.prepare('DELETE FROM tags WHERE resource_id = ? AND tag_key = ?');
    this.removeAllStmt = db.prepare('DELETE FROM tags WHERE resource_id = ?');
  }
  of(resourceId: string): Tag[] {
    return this.ofStmt.all(resourceId).map(rawTag);
  }
  /** The tags of several resources in one lookup (a page of a List): id -> tags, each in `of` order. */
  ofMany(resourceIds: string[]): Map<string, Tag[]> {
    const out = new Map<string, Tag[]>();
    if (resourceIds.length === 0) return out;
    for (const r of this.ofManyStmt.all(JSON.stringify(resourceIds))) {
      const tag = rawTag(r);
      const list = out.get(tag.resourceId);
      if (list) list.push(tag);
      else out.set(tag.resourceId, [tag]);
    }
    return out;
  }
  /** Tag rows after position `after` (rowid), in a stable order; statements cached per filter shape. */
  search(f: TagSearch, after: number, limit: number): { seq: number; tag: Tag }[] {
    const ids = f.resourceIds ?? [];
    const tags = f.tags ?? [];
    const shape = `${ids.length}|${tags.map((t) => (t.value === '' ? 'k' : 'kv')).join(',')}`;
    let stmt = this.searchCache.get(shape);
    if (!stmt) {
      const where = ['account_id = @accountId', 'resource_type = @resourceType', 'rowid > @after'];
      if (ids.length > 0) where.push(`resource_id IN (${ids.map((_, i) => `@r${i}`).join(', ')})`);
      if (tags.length > 0) where.push(`(${tags.map((t, i) => (t.value === '' ? `tag_key = @k${i}` : `(tag_key = @k${i} AND tag_value = @v${i})`)).join(' OR ')})`);
      stmt = this.db.prepare(`SELECT rowid AS seq, * FROM tags WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT @limit`);
      this.searchCache.set(shape, stmt);
    }
    const args: Record<string, unknown> = { accountId: f.accountId, resourceType: f.resourceType, after, limit };
    ids.forEach((id, i) => (args[`r${i}`] = id));
    tags.forEach((t, i) => {
      args[`k${i}`] = t.key;
      if (t.value !== '') args[`v${i}`] = t.value;
    });
    return (stmt.all(args) as (Row & { seq: number })[]).map((r) => ({ seq: r.seq, tag: toTag(r) }));
  }
  put(t: Tag): void {
    this.putStmt.run(t);
  }
  remove(resourceId: string, key: string): void {
    this.removeStmt.run(resourceId, key);
  }
  removeAll(resourceId: string): void {
    this.removeAllStmt.run(resourceId);
  }
}
