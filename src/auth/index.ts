/**
 * Who is calling, and may they. A chain of verifiers, each answering pass / fail / not my scheme:
 *
 *   1. V3  `Authorization: ACS3-HMAC-SHA256|ACS3-HMAC-SM3 …`      (src/auth/v3.ts)
 *   2. V1  `Signature` / `AccessKeyId` parameters, HMAC-SHA1       (src/auth/v1.ts)
 *   3. nobody claims it: a request with no credentials at all
 *
 * The AccessKeyId (V1 `AccessKeyId` parameter, or `Credential=` of the ACS3 header) decides the
 * caller's account. STS: a `SecurityToken` parameter / `x-acs-security-token` header is accepted
 * whatever its value (it is covered by the signature like any other parameter or x-acs-* header);
 * the AccessKeyId still decides the account, so STS key ids must be registered like any other key.
 *
 * Modes:
 * - strict: the real errors (protocol.md §6), nonce replay and the 15-minute window included;
 * - warn:   every check runs; a failing request is still served (as the presented key's account,
 *           or the default account if the key is unknown), and the reason goes to the
 *           `x-emulator-auth-warning` header and the log;
 * - off:    no verification; the presented key only chooses the account.
 * In warn and off modes a request with no credentials at all (a plain curl) acts as the default
 * account, without a warning.
 */
import { EmulatorClock, type Clock } from '../clock.js';
import type { AuthMode } from '../config.js';
import { ApiError, Errors } from '../errors.js';
import { header } from '../protocol/common.js';
import type { Store } from '../store/index.js';
import type { AuthRequest, Verdict, Verifier, VerifyContext } from './common.js';
import { NonceCache } from './nonces.js';
import { V1Verifier } from './v1.js';
import { parseAuthorization, V3Verifier } from './v3.js';

export type { AuthRequest } from './common.js';

/** The access key that always exists; README documents it. */
export const DEFAULT_ACCESS_KEY = { accessKeyId: 'LTAI5tEmulatorDefaultKey', secret: 'EmulatorDefaultSecret00000000000' } as const;
/** The account created for the default key when the fixtures define none. */
export const BOOTSTRAP_ACCOUNT_ID = 1000000000000001;

/** Response header that carries warn-mode findings. */
export const AUTH_WARNING_HEADER = 'x-emulator-auth-warning';
/** Longer warnings are cut in the header (clients limit response header sizes); the log has them whole. */
export const MAX_WARNING_HEADER_LENGTH = 4096;

export interface Caller {
  accountId: number;
  /**
   * Whether the account has Config enabled. When it has not, the action answers AccountNotExisted,
   * a check of the service's: after the gateway's own checks of the parameters (src/routes/rpc.ts).
   */
  configEnabled: boolean;
  accessKeyId: string | undefined;
  /** Set in warn mode when a check failed: one header-safe line, sent back as x-emulator-auth-warning. */
  warning?: string;
  /** Facts for the warn-mode log line (scheme, code, message, string-to-sign…), STS tokens masked. */
  warningDetail?: Record<string, string>;
}

/** The AccessKeyId a request presents, if any. */
export function presentedKeyId(req: AuthRequest): string | undefined {
  const auth = parseAuthorization(header(req.headers, 'authorization'));
  if (auth) return auth.credential;
  return req.params.AccessKeyId || undefined;
}

/**
 * Masks STS security tokens (credentials) in text bound for the log: the `SecurityToken` value in a
 * V1 string-to-sign and the `x-acs-security-token` line of a V3 canonical request. Secrets and
 * signatures never reach these texts in the first place.
 */
export function redactForLog(text: string): string {
  return text.replace(/(SecurityToken(?:%3D|%253D|=))(?:(?!%26|%2526|&).)*/g, '$1***').replace(/^(x-acs-security-token:).*$/gm, '$1***');
}

/** One line, printable ASCII only (\n and \r escaped), bounded: safe as an HTTP header value. */
export function headerSafe(text: string, max = MAX_WARNING_HEADER_LENGTH): string {
  let s = text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/[^\x20-\x7e]/g, '?');
  if (s.length > max) s = `${s.slice(0, max)}...(truncated; the emulator log has it all)`;
  return s;
}

/**
 * What a verifier may ask during one verification (VerifyContext), reset per call. Keys come from
 * the store's own memo (`accounts.keyWithAccount`), so asking twice costs nothing more.
 */
class CallContext implements VerifyContext {
  now = 0;

  constructor(
    private readonly store: Store,
    private readonly nonces: NonceCache,
  ) {}

  reset(now: number): void {
    this.now = now;
  }

  secretOf(id: string): string | undefined {
    return this.store.accounts.keyWithAccount(id)?.secret;
  }

  useNonce(id: string, nonce: string, at: number): boolean {
    return this.nonces.use(id, nonce, at, this.now);
  }
}

export class Authenticator {
  readonly nonces = new NonceCache();
  private readonly verifiers: Verifier[] = [new V3Verifier(), new V1Verifier()];
  private readonly ctx: CallContext;

  constructor(
    private readonly store: Store,
    private readonly mode: AuthMode,
    /** The emulator's injected clock (app.ts passes services.clock). */
    private readonly clock: Clock = new EmulatorClock(),
  ) {
    this.ctx = new CallContext(store, this.nonces);
  }

  /** The default key's account (or the first account, or the bootstrap id), with its Config switch. */
  private defaultCaller(): { accountId: number; configEnabled: boolean | undefined } {
    const key = this.store.accounts.keyWithAccount(DEFAULT_ACCESS_KEY.accessKeyId);
    if (key) return key;
    const first = this.store.accounts.list()[0];
    return first ? first : { accountId: BOOTSTRAP_ACCOUNT_ID, configEnabled: undefined };
  }

  /** Resolves the caller, or throws the error strict mode answers. */
  authenticate(req: AuthRequest): Caller {
    return this.mode === 'off' ? this.identify(presentedKeyId(req)) : this.verify(req);
  }

  /** The chain: the first verifier that claims the request decides. */
  verify(req: AuthRequest): Caller {
    // One context per authenticator, reset per call (verification is synchronous): no closures
    // and memo objects to allocate for every request.
    const ctx = this.ctx;
    ctx.reset(this.clock.now());
    let verdict: Verdict | null = null;
    for (const v of this.verifiers) {
      verdict = v.verify(req, ctx);
      if (verdict) break;
    }
    if (!verdict) {
      if (this.mode === 'strict') throw Errors.missingParameter('AccessKeyId');
      const d = this.defaultCaller();
      return this.caller(d.accountId, undefined, d.configEnabled);
    }
    if (!verdict.error) return this.identify(verdict.accessKeyId);
    return this.soft(verdict.error, verdict);
  }

  /** The account of a key; unknown or absent keys act as the default account. */
  private identify(keyId: string | undefined): Caller {
    const key = keyId === undefined ? undefined : this.store.accounts.keyWithAccount(keyId);
    const found = key ?? this.defaultCaller();
    return this.caller(found.accountId, keyId, found.configEnabled);
  }

  /** `configEnabled` undefined: not known yet (looked up, and false when there is no such account). */
  private caller(accountId: number, accessKeyId: string | undefined, configEnabled: boolean | undefined): Caller {
    return { accountId, accessKeyId, configEnabled: (configEnabled ?? this.store.accounts.get(accountId)?.configEnabled) === true };
  }

  /** strict: the error; warn: served as the key's (or default) account, saying why. */
  private soft(err: ApiError, verdict: Verdict): Caller {
    if (this.mode === 'strict') throw err;
    const caller = this.identify(verdict.accessKeyId);
    caller.warning = headerSafe(`${err.code}: ${err.message}`);
    const detail: Record<string, string> = { scheme: verdict.scheme, code: err.code, message: err.message, ...verdict.detail };
    for (const k of Object.keys(detail)) detail[k] = redactForLog(detail[k]);
    caller.warningDetail = detail;
    return caller;
  }
}
