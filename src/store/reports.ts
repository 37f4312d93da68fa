import { writeClockOf, type Db } from './db.js';
import { Memo } from './memo.js';

export const REPORT_KINDS = ['aggregate-pack', 'pack', 'aggregate-rules', 'rules'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** A generated report file. `scopeId` is the pack id, or the aggregator/account it covers. */
export interface Report {
  objectKey: string;
  scopeId: string;
  kind: ReportKind;
  accountId: number;
  aggregatorId: string;
  createdAt: number;
  readyAt: number;
  contentType: string;
  etag: string;
}
export interface ReportFile extends Report {
  content: Buffer;
}

interface Row {
  object_key: string; scope_id: string; kind: ReportKind; account_id: number; aggregator_id: string;
  created_at: number; ready_at: number; content_type: string; etag: string; content?: Buffer;
}
const toReport = (r: Row): Report => ({
  objectKey: r.object_key, scopeId: r.scope_id, kind: r.kind, accountId: r.account_id, aggregatorId: r.aggregator_id,
  createdAt: r.created_at, readyAt: r.ready_at, contentType: r.content_type, etag: r.etag,
});
const META = 'object_key, scope_id, kind, account_id, aggregator_id, created_at, ready_at, content_type, etag';

export class ReportsRepo {
  private readonly latestStmt;
  private readonly fileStmt;
  private readonly insertStmt;
  private readonly deleteScopeStmt;
  private readonly allStmt;
  private readonly setReadyStmt;

  private readonly latestMemo: Memo<string, Report | undefined>;

  constructor(db: Db) {
    this.latestStmt = db.prepare<[string], Row>(`SELECT ${META} FROM reports WHERE scope_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`);
    this.fileStmt = db.prepare<[string], Row>('SELECT * FROM reports WHERE object_key = ?');
    this.insertStmt = db.prepare(
      `INSERT OR REPLACE INTO reports (object_key, scope_id, kind, account_id, aggregator_id, created_at, ready_at, content_type, content, etag)
       VALUES (@objectKey, @scopeId, @kind, @accountId, @aggregatorId, @createdAt, @readyAt, @contentType, @content, @etag)`,
    );
    this.deleteScopeStmt = db.prepare('DELETE FROM reports WHERE scope_id = ?');
    this.allStmt = db.prepare<[], Row>(`SELECT ${META} FROM reports ORDER BY created_at, rowid`);
    this.setReadyStmt = db.prepare('UPDATE reports SET ready_at = ? WHERE object_key = ?');
    this.latestMemo = new Memo(writeClockOf(db), ['reports'], (scopeId: string) => {
      const r = this.latestStmt.get(scopeId);
      return r && toReport(r);
    });
  }
  /** The newest report of a pack (or rules scope), without its bytes (memoized; do not change it). */
  latest(scopeId: string): Report | undefined {
    return this.latestMemo.get(scopeId);
  }
  file(objectKey: string): ReportFile | undefined {
    const r = this.fileStmt.get(objectKey);
    return r && { ...toReport(r), content: r.content! };
  }
  insert(f: ReportFile): void {
    this.insertStmt.run(f);
  }
  deleteScope(scopeId: string): void {
    this.deleteScopeStmt.run(scopeId);
  }
  /** Every report's metadata (no bytes), oldest first (state export, console). */
  all(): Report[] {
    return this.allStmt.all().map(toReport);
  }
  /** Moves the end of the CREATING state (lifecycle modes). */
  setReadyAt(objectKey: string, readyAt: number): void {
    this.setReadyStmt.run(readyAt, objectKey);
  }
}
