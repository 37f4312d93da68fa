/**
 * What the signature verifiers share: the request they see, the answer they give, the timestamp
 * rules (format and the 15-minute window) and a constant-time comparison.
 */
import { isCalendarDay } from '../clock.js';
import type { ApiError } from '../errors.js';
import { Errors } from '../errors.js';
import type { Headers } from '../protocol/common.js';
import type { Params } from '../protocol/form.js';

/** What the RPC route hands to authentication. Only protocol/auth code reads raw strings. */
export interface AuthRequest {
  method: string;
  /** Query merged with the form body (percent-decoded; the body's value for a name in both). */
  params: Params;
  headers: Headers;
  /** The URL query string as received, without '?' (V3 canonicalizes the query alone). */
  rawQuery?: string;
  /** The query string already decoded (parseForm of rawQuery), when the caller has it. */
  query?: Params;
  /** The body as received: a form's text, another type's bytes, '' when there is none (V3 hashes it). */
  rawBody?: string | Buffer;
}

/**
 * A verifier's answer:
 * - `null`: not my scheme (the request carries none of my parts), ask the next verifier;
 * - `{ accessKeyId, error: undefined }`: pass;
 * - `{ accessKeyId, error }`: fail; `accessKeyId` is what the request presented (may be unknown).
 */
export interface Verdict {
  scheme: 'V1' | 'V3';
  accessKeyId: string | undefined;
  error?: ApiError;
  /** Extra facts for the warn-mode log line (never secrets or signatures). */
  detail?: Record<string, string>;
}

export interface VerifyContext {
  /** The secret of an access key, undefined when the key does not exist. */
  secretOf(accessKeyId: string): string | undefined;
  /** Milliseconds since the epoch, from the injected clock. */
  now: number;
  /** Records a nonce; false when it was already used within the window. */
  useNonce(accessKeyId: string, nonce: string, timestamp: number): boolean;
}

export interface Verifier {
  verify(req: AuthRequest, ctx: VerifyContext): Verdict | null;
}

/** Requests older or newer than this (vs the emulator clock) are refused. */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

// Requests signed within one second carry the same timestamp text: the last one parsed is kept.
let lastTimestamp: { raw: string; ms: number | undefined } = { raw: '', ms: undefined };

/** `yyyy-MM-ddTHH:mm:ssZ` (fractional seconds allowed) -> ms, or undefined when malformed. */
export function parseTimestamp(raw: string): number | undefined {
  if (raw === lastTimestamp.raw) return lastTimestamp.ms;
  const ms = parseTimestampText(raw);
  lastTimestamp = { raw, ms };
  return ms;
}

function parseTimestampText(raw: string): number | undefined {
  const m = ISO_UTC.exec(raw);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (!isCalendarDay(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  return t;
}

/** The timestamp checks, in the gateway's order: format, then window. Returns ms or an error. */
export function checkTimestamp(raw: string, now: number): { at: number } | { error: ApiError } {
  const at = parseTimestamp(raw);
  if (at === undefined) return { error: Errors.timestampFormat() };
  if (Math.abs(now - at) > TIMESTAMP_WINDOW_MS) return { error: Errors.timestampExpired() };
  return { at };
}

/**
 * Constant-time string equality for an `expected` text that is ASCII (a hex or base64 digest),
 * without Buffers: the UTF-8 bytes of both are equal exactly when the strings are (a non-ASCII unit of
 * `presented` gives a byte above 0x7f, which `expected` has none of). Still constant-time in the
 * contents: every unit is compared, the differences OR-ed together.
 */
export function safeEqualAscii(expected: string, presented: string): boolean {
  if (expected.length !== presented.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ presented.charCodeAt(i);
  return diff === 0;
}

/**
 * `safeEqualAscii(expected, presented.toLowerCase())` for an `expected` of lower-case hex digits,
 * without building the lower-cased copy: ASCII capitals are folded as they are compared. Every
 * other unit compares as it is; no Unicode character lower-cases to a hex digit but A–F, so a
 * presented text with anything else differs either way.
 */
export function safeEqualHexIgnoreCase(expected: string, presented: string): boolean {
  if (expected.length !== presented.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = presented.charCodeAt(i);
    diff |= expected.charCodeAt(i) ^ (p >= 0x41 && p <= 0x5a ? p | 0x20 : p);
  }
  return diff === 0;
}

/** A header value as one string (repeated headers joined with ','), or undefined. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
