/**
 * Replay protection: a bounded in-memory set of (AccessKeyId, SignatureNonce) pairs seen within the
 * timestamp window. Time comes from the injected clock (the caller passes `now`).
 *
 * An entry lives until its request's timestamp (or the arrival time, whichever is later) leaves the
 * window: after that the timestamp check refuses a replay anyway. The set never holds more than
 * `capacity` entries; when full, expired entries go first, then the oldest ones.
 */
import { TIMESTAMP_WINDOW_MS } from './common.js';

export const DEFAULT_NONCE_CAPACITY = 100_000;

export class NonceCache {
  /** key -> expiry (ms). Map iteration follows insertion order, i.e. roughly oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    readonly capacity = DEFAULT_NONCE_CAPACITY,
    private readonly windowMs = TIMESTAMP_WINDOW_MS,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Records the nonce and answers true, or answers false when it is a replay. */
  use(accessKeyId: string, nonce: string, timestamp: number, now: number): boolean {
    const key = `${accessKeyId}\n${nonce}`;
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry >= now) return false;
    if (expiry !== undefined) this.seen.delete(key);
    this.evict(now);
    this.seen.set(key, Math.max(timestamp, now) + this.windowMs);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }

  /** Drops expired entries from the old end (cheap, amortized), then the oldest while full. */
  private evict(now: number): void {
    for (const [key, expiry] of this.seen) {
      if (expiry >= now) break;
      this.seen.delete(key);
    }
    while (this.seen.size >= this.capacity) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
