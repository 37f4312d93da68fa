import type { Db } from './db.js';

/** A remembered ClientToken: the first answer to a request, returned again on a retry. */
export interface ClientTokenRecord {
  accountId: number;
  action: string;
  token: string;
  fingerprint: string;
  responseJson: string;
  createdAt: number;
}

export class TokensRepo {
  private readonly getStmt;
  private readonly putStmt;
  constructor(db: Db) {
    this.getStmt = db.prepare<[number, string, string], { fingerprint: string; response_json: string; created_at: number }>(
      'SELECT fingerprint, response_json, created_at FROM client_tokens WHERE account_id = ? AND action = ? AND token = ?',
    );
    this.putStmt = db.prepare(
      `INSERT OR REPLACE INTO client_tokens (account_id, action, token, fingerprint, response_json, created_at)
       VALUES (@accountId, @action, @token, @fingerprint, @responseJson, @createdAt)`,
    );
  }
  get(accountId: number, action: string, token: string): ClientTokenRecord | undefined {
    const r = this.getStmt.get(accountId, action, token);
    return r && { accountId, action, token, fingerprint: r.fingerprint, responseJson: r.response_json, createdAt: r.created_at };
  }
  put(r: ClientTokenRecord): void {
    this.putStmt.run(r);
  }
}
