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

/** The nonces of one access key: nonce -> sequence number of its slot in the queue. */
class KeyNonces {
  readonly nonces = new Map<string, number>();
  constructor(readonly accessKeyId: string) {}
}

export class NonceCache {
  private readonly byKey = new Map<string, KeyNonces>();
  private count = 0;
  /**
   * Every recorded nonce in insertion order, oldest first, as three parallel arrays from `head`
   * on; slot p has the sequence number `base + p`. A slot is live while its key's map still gives
   * that number for its nonce; a nonce used again after it expired leaves a dead slot behind, let
   * go when the head reaches it.
   *
   * The previous shape (one Map of `${accessKeyId}\n${nonce}` -> expiry, iterated from the start
   * for the oldest entry) built a joined key string per request and stepped over every hole that
   * deleting from a Map leaves (up to tens of thousands per request once the set was full or
   * entries expired). Here nothing is iterated, the key is the nonce text the request carried,
   * and an expiry is a number in a double array (no heap object per entry).
   */
  private slotKeys: (KeyNonces | undefined)[] = [];
  private slotNonces: string[] = [];
  private slotExpiry: number[] = [];
  private base = 0;
  private head = 0;

  constructor(
    readonly capacity = DEFAULT_NONCE_CAPACITY,
    private readonly windowMs = TIMESTAMP_WINDOW_MS,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Records the nonce and answers true, or answers false when it is a replay. */
  use(accessKeyId: string, nonce: string, timestamp: number, now: number): boolean {
    let k = this.byKey.get(accessKeyId);
    const seq = k?.nonces.get(nonce);
    if (seq !== undefined) {
      if (this.slotExpiry[seq - this.base] >= now) return false;
      k!.nonces.delete(nonce); // expired: it goes, and comes back as the newest
      this.count--;
    }
    this.evict(now);
    k = this.byKey.get(accessKeyId); // evict() lets go of a key without nonces
    if (k === undefined) this.byKey.set(accessKeyId, (k = new KeyNonces(accessKeyId)));
    this.slotKeys.push(k);
    this.slotNonces.push(nonce);
    this.slotExpiry.push(Math.max(timestamp, now) + this.windowMs);
    k.nonces.set(nonce, this.base + this.slotNonces.length - 1);
    this.count++;
    // Dead slots wait for the head to reach them: keep their number bounded all the same.
    if (this.slotNonces.length - this.head > 2 * this.capacity + 1024) this.compact(true);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.count = 0;
    this.slotKeys = [];
    this.slotNonces = [];
    this.slotExpiry = [];
    this.base = 0;
    this.head = 0;
  }

  private live(p: number): boolean {
    return this.slotKeys[p]?.nonces.get(this.slotNonces[p]) === this.base + p;
  }

  /** The slot of the oldest live nonce, -1 when there is none (dead slots on the way are let go). */
  private oldest(): number {
    const n = this.slotNonces.length;
    while (this.head < n && !this.live(this.head)) this.release(this.head++);
    if (this.head > 1024 && this.head * 2 > n) this.compact(false);
    return this.head < this.slotNonces.length ? this.head : -1;
  }

  private release(p: number): void {
    this.slotKeys[p] = undefined;
    this.slotNonces[p] = '';
  }

  /** Forgets the nonce of live slot p. */
  private drop(p: number): void {
    const k = this.slotKeys[p]!;
    k.nonces.delete(this.slotNonces[p]);
    if (k.nonces.size === 0) this.byKey.delete(k.accessKeyId);
    this.count--;
    this.release(p);
  }

  /** Drops the slots before the head (and, with `deadToo`, every dead slot), renumbering the rest. */
  private compact(deadToo: boolean): void {
    const keys: (KeyNonces | undefined)[] = [];
    const nonces: string[] = [];
    const expiry: number[] = [];
    for (let p = this.head; p < this.slotNonces.length; p++) {
      if (deadToo && !this.live(p)) continue;
      keys.push(this.slotKeys[p]);
      nonces.push(this.slotNonces[p]);
      expiry.push(this.slotExpiry[p]);
    }
    this.slotKeys = keys;
    this.slotNonces = nonces;
    this.slotExpiry = expiry;
    this.base += this.head;
    this.head = 0;
    if (deadToo) {
      // Live slots moved: give their nonces their new numbers (counted from the new base).
      for (let p = 0; p < nonces.length; p++) keys[p]!.nonces.set(nonces[p], this.base + p);
    }
  }

  /** Drops expired entries from the old end (cheap, amortized), then the oldest while full. */
  private evict(now: number): void {
    for (let p = this.oldest(); p !== -1 && this.slotExpiry[p] < now; p = this.oldest()) this.drop(p);
    while (this.count >= this.capacity && this.count > 0) this.drop(this.oldest());
  }
}
