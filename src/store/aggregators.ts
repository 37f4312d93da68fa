import type { ChangeSet } from './changes.js';
import { writeClockOf, type Db } from './db.js';
import { Memo } from './memo.js';

export const AGGREGATOR_TYPES = ['RD', 'CUSTOM', 'FOLDER'] as const;
export type AggregatorType = (typeof AGGREGATOR_TYPES)[number];

export interface AggregatorMember {
  accountId: number;
  accountName: string;
  accountType: string;
}
export interface Aggregator {
  aggregatorId: string;
  accountId: number;
  name: string;
  description: string;
  aggregatorType: AggregatorType;
  folderId: string;
  createdAt: number;
  readyAt: number;
  members: AggregatorMember[];
}

interface Row {
  seq: number; aggregator_id: string; account_id: number; name: string; description: string;
  aggregator_type: AggregatorType; folder_id: string; created_at: number; ready_at: number;
}
interface MemberRow { account_id: number; account_name: string; account_type: string }

export class AggregatorsRepo {
  private readonly getStmt;
  private readonly ownerStmt;
  private readonly byNameStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly membersStmt;
  private readonly memberIdsStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly insertMemberStmt;
  private readonly clearMembersStmt;
  private readonly deleteStmt;
  private readonly allStmt;
  private readonly setReadyStmt;

  private readonly owners: Memo<string, number | undefined>;
  private readonly members: Memo<string, readonly number[]>;

  constructor(db: Db, private readonly changes?: ChangeSet) {
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM aggregators WHERE aggregator_id = ?');
    this.ownerStmt = db.prepare<[string], number>('SELECT account_id FROM aggregators WHERE aggregator_id = ?').pluck();
    this.owners = new Memo(writeClockOf(db), ['aggregators'], (id: string) => this.ownerStmt.get(id));
    this.byNameStmt = db.prepare<[number, string], Row>('SELECT * FROM aggregators WHERE account_id = ? AND name = ?');
    this.pageStmt = db.prepare<[number, number, number], Row>('SELECT * FROM aggregators WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.countStmt = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM aggregators WHERE account_id = ?');
    this.membersStmt = db.prepare<[string], MemberRow>('SELECT account_id, account_name, account_type FROM aggregator_members WHERE aggregator_id = ? ORDER BY position');
    this.memberIdsStmt = db.prepare<[string], number>('SELECT account_id FROM aggregator_members WHERE aggregator_id = ? ORDER BY position').pluck();
    // Read by every evaluation of a group rule (each new pack's rules): kept until the members, or
    // the groups (whose deletes cascade to their members), may have changed.
    this.members = new Memo(writeClockOf(db), ['aggregator_members', 'aggregators'], (id: string) => this.memberIdsStmt.all(id));
    this.insertStmt = db.prepare(
      `INSERT INTO aggregators (aggregator_id, account_id, name, description, aggregator_type, folder_id, created_at, ready_at)
       VALUES (@aggregatorId, @accountId, @name, @description, @aggregatorType, @folderId, @createdAt, @readyAt)`,
    );
    this.updateStmt = db.prepare('UPDATE aggregators SET name = @name, description = @description, folder_id = @folderId WHERE aggregator_id = @aggregatorId');
    this.insertMemberStmt = db.prepare(
      'INSERT INTO aggregator_members (aggregator_id, position, account_id, account_name, account_type) VALUES (?, ?, ?, ?, ?)',
    );
    this.clearMembersStmt = db.prepare('DELETE FROM aggregator_members WHERE aggregator_id = ?');
    this.deleteStmt = db.prepare('DELETE FROM aggregators WHERE aggregator_id = ?');
    this.allStmt = db.prepare<[], Row>('SELECT * FROM aggregators ORDER BY seq');
    this.setReadyStmt = db.prepare('UPDATE aggregators SET ready_at = ? WHERE aggregator_id = ?');
  }

  private hydrate(r: Row): Aggregator {
    return {
      aggregatorId: r.aggregator_id, accountId: r.account_id, name: r.name, description: r.description,
      aggregatorType: r.aggregator_type, folderId: r.folder_id, createdAt: r.created_at, readyAt: r.ready_at,
      members: this.membersStmt.all(r.aggregator_id).map((m) => ({ accountId: m.account_id, accountName: m.account_name, accountType: m.account_type })),
    };
  }
  get(aggregatorId: string): Aggregator | undefined {
    const r = this.getStmt.get(aggregatorId);
    return r && this.hydrate(r);
  }
  /**
   * The owning account of an aggregator, without loading its members: what an ownership check
   * on a read path needs (one indexed lookup instead of two queries).
   */
  ownerOf(aggregatorId: string): number | undefined {
    return this.owners.get(aggregatorId);
  }
  /** The member account ids of an aggregator, in order ([] for a missing one); shared and frozen. */
  memberIds(aggregatorId: string): readonly number[] {
    return this.members.get(aggregatorId);
  }
  byName(accountId: number, name: string): Aggregator | undefined {
    const r = this.byNameStmt.get(accountId, name);
    return r && this.hydrate(r);
  }
  count(accountId: number): number {
    return this.countStmt.get(accountId)!.n;
  }
  /** Up to `limit` aggregators of an account after position `afterSeq`, each with its position. */
  page(accountId: number, afterSeq: number, limit: number): { seq: number; aggregator: Aggregator }[] {
    return this.pageStmt.all(accountId, afterSeq, limit).map((r) => ({ seq: r.seq, aggregator: this.hydrate(r) }));
  }
  insert(a: Aggregator): void {
    this.insertStmt.run({
      aggregatorId: a.aggregatorId, accountId: a.accountId, name: a.name, description: a.description,
      aggregatorType: a.aggregatorType, folderId: a.folderId, createdAt: a.createdAt, readyAt: a.readyAt,
    });
    this.setMembers(a.aggregatorId, a.members);
  }
  update(a: Pick<Aggregator, 'aggregatorId' | 'name' | 'description' | 'folderId'>): void {
    this.updateStmt.run(a);
  }
  setMembers(aggregatorId: string, members: AggregatorMember[]): void {
    this.changes?.aggregatorMembers.add(aggregatorId);
    this.clearMembersStmt.run(aggregatorId);
    members.forEach((m, i) => this.insertMemberStmt.run(aggregatorId, i, m.accountId, m.accountName, m.accountType));
  }
  delete(aggregatorId: string): void {
    this.deleteStmt.run(aggregatorId);
  }
  /** Every aggregator of every account, in creation order (state export, console). */
  all(): Aggregator[] {
    return this.allStmt.all().map((r) => this.hydrate(r));
  }
  /** Moves the end of the creating state (lifecycle modes). */
  setReadyAt(aggregatorId: string, readyAt: number): void {
    this.setReadyStmt.run(readyAt, aggregatorId);
  }
}
