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

export class TagsRepo {
  private readonly ofStmt;
  private readonly putStmt;
  private readonly removeStmt;
  private readonly removeAllStmt;

  constructor(db: Db) {
    this.ofStmt = db.prepare<[string], Row>('SELECT * FROM tags WHERE resource_id = ? ORDER BY rowid');
    this.putStmt = db.prepare(
      `INSERT INTO tags (resource_id, resource_type, account_id, tag_key, tag_value) VALUES (@resourceId, @resourceType, @accountId, @key, @value)
       ON CONFLICT(resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
    );
    this.removeStmt = db.prepare('DELETE FROM tags WHERE resource_id = ? AND tag_key = ?');
    this.removeAllStmt = db.prepare('DELETE FROM tags WHERE resource_id = ?');
  }
  of(resourceId: string): Tag[] {
    return this.ofStmt.all(resourceId).map(toTag);
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
