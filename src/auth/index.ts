/**
 * Who is calling. The AccessKeyId (V1 `AccessKeyId` parameter, or `Credential=` of an ACS3
 * Authorization header) decides the caller's account.
 *
 * Modes: strict answers the real errors; warn serves the request and reports the problem in the
 * `x-emulator-auth-warning` header; off skips checks. In warn and off modes a request with no
 * credentials at all (a plain curl) acts as the default account.
 */
import type { AuthMode } from '../config.js';
import { ApiError, Errors } from '../errors.js';
import type { Params } from '../protocol/form.js';
import { header, type Headers } from '../protocol/common.js';
import type { Store } from '../store/index.js';

/** The access key that always exists; README documents it. */
export const DEFAULT_ACCESS_KEY = { accessKeyId: 'LTAI5tEmulatorDefaultKey', secret: 'EmulatorDefaultSecret00000000000' } as const;
/** The account created for the default key when the fixtures define none. */
export const BOOTSTRAP_ACCOUNT_ID = 1000000000000001;

export interface AuthRequest {
  method: string;
  params: Params;
  headers: Headers;
}

export interface Caller {
  accountId: number;
  accessKeyId: string | undefined;
  /** Set in warn mode when a check failed; sent back as x-emulator-auth-warning. */
  warning?: string;
}

/** The AccessKeyId a request presents, if any. */
export function presentedKeyId(req: AuthRequest): string | undefined {
  const auth = header(req.headers, 'authorization');
  if (auth && auth.startsWith('ACS3-')) {
    const m = /Credential=([^,\s]+)/.exec(auth);
    if (m) return m[1];
  }
  return req.params.AccessKeyId;
}

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly mode: AuthMode,
  ) {}

  defaultAccountId(): number {
    const key = this.store.accounts.accessKey(DEFAULT_ACCESS_KEY.accessKeyId);
    if (key) return key.accountId;
    const first = this.store.accounts.list()[0];
    return first ? first.accountId : BOOTSTRAP_ACCOUNT_ID;
  }

  /** Resolves the caller, or throws the error strict mode answers. */
  authenticate(req: AuthRequest): Caller {
    const keyId = presentedKeyId(req);
    let caller: Caller;
    if (keyId === undefined) {
      caller = this.soft(Errors.missingParameter('AccessKeyId'), undefined);
    } else {
      const key = this.store.accounts.accessKey(keyId);
      caller = key ? { accountId: key.accountId, accessKeyId: keyId } : this.soft(Errors.accessKeyNotFound(), keyId);
    }
    const account = this.store.accounts.get(caller.accountId);
    if (!account || !account.configEnabled) throw Errors.accountNotExisted();
    return caller;
  }

  /** strict: the error; warn/off: the default account (warn also says why). */
  private soft(err: ApiError, keyId: string | undefined): Caller {
    if (this.mode === 'strict') throw err;
    const caller: Caller = { accountId: this.defaultAccountId(), accessKeyId: keyId };
    if (this.mode === 'warn' && keyId !== undefined) caller.warning = `${err.code}: ${err.message}`;
    return caller;
  }
}
