import { writeClockOf, type Db } from './db.js';
import { Memo } from './memo.js';

export interface Account {
  accountId: number;
  accountName: string;
  configEnabled: boolean;
}
export interface AccessKey {
  accessKeyId: string;
  secret: string;
  accountId: number;
}

interface AccountRow { account_id: number; account_name: string; config_enabled: number }
const toAccount = (r: AccountRow): Account => ({ accountId: r.account_id, accountName: r.account_name, configEnabled: r.config_enabled === 1 });

export class AccountsRepo {
  private readonly getStmt;
  private readonly listStmt;
  private readonly upsertStmt;
  private readonly keyStmt;
  private readonly upsertKeyStmt;
  private readonly keysStmt;
  private readonly callerStmt;
  private readonly callers: Memo<string, (AccessKey & { configEnabled: boolean | undefined }) | undefined>;
  constructor(db: Db) {
    this.getStmt = db.prepare<[number], AccountRow>('SELECT * FROM accounts WHERE account_id = ?');
    this.listStmt = db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY created_seq, account_id');
    this.upsertStmt = db.prepare(
      `INSERT INTO accounts (account_id, account_name, config_enabled, created_seq)
       VALUES (@accountId, @accountName, @configEnabled, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM accounts))
       ON CONFLICT(account_id) DO UPDATE SET account_name = excluded.account_name, config_enabled = excluded.config_enabled`,
    );
    this.keyStmt = db.prepare<[string], { access_key_id: string; secret: string; account_id: number }>('SELECT * FROM access_keys WHERE access_key_id = ?');
    this.upsertKeyStmt = db.prepare(
      `INSERT INTO access_keys (access_key_id, secret, account_id) VALUES (@accessKeyId, @secret, @accountId)
       ON CONFLICT(access_key_id) DO UPDATE SET secret = excluded.secret, account_id = excluded.account_id`,
    );
    this.keysStmt = db.prepare<[], { access_key_id: string; secret: string; account_id: number }>('SELECT * FROM access_keys ORDER BY rowid');
    this.callerStmt = db
      .prepare<[string], [string, number, number | null]>(
        'SELECT k.secret, k.account_id, a.config_enabled FROM access_keys k LEFT JOIN accounts a ON a.account_id = k.account_id WHERE k.access_key_id = ?',
      )
      .raw();
    this.callers = new Memo(writeClockOf(db), ['access_keys', 'accounts'], (id: string) => {
      const r = this.callerStmt.get(id);
      return r && { accessKeyId: id, secret: r[0], accountId: r[1], configEnabled: r[2] === null ? undefined : r[2] === 1 };
    });
  }
  get(accountId: number): Account | undefined {
    const r = this.getStmt.get(accountId);
    return r && toAccount(r);
  }
  list(): Account[] {
    return this.listStmt.all().map(toAccount);
  }
  upsert(a: Account): void {
    this.upsertStmt.run({ accountId: a.accountId, accountName: a.accountName, configEnabled: a.configEnabled ? 1 : 0 });
  }
  accessKey(accessKeyId: string): AccessKey | undefined {
    const r = this.keyStmt.get(accessKeyId);
    return r && { accessKeyId: r.access_key_id, secret: r.secret, accountId: r.account_id };
  }
  /**
   * A key with what authentication needs of its account, in one indexed lookup (every API call
   * makes it; memoized): `configEnabled` is undefined when the account row does not exist.
   */
  keyWithAccount(accessKeyId: string): (AccessKey & { configEnabled: boolean | undefined }) | undefined {
    return this.callers.get(accessKeyId);
  }
  accessKeys(): AccessKey[] {
    return this.keysStmt.all().map((r) => ({ accessKeyId: r.access_key_id, secret: r.secret, accountId: r.account_id }));
  }
  upsertAccessKey(k: AccessKey): void {
    this.upsertKeyStmt.run(k);
  }
}
