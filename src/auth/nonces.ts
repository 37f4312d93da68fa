/**
 * Replay protection: a bounded in-memory set of (AccessKeyId, SignatureNonce) pairs seen within the
 * timestamp window. Time comes from the injected clock (the caller passes `now`).
 *
 * An entry lives until its request's timestamp (or the arrival time, whichever is later) leaves the
 * window: after that the timestamp check refuses a replay anyway. The set never holds more than
 * `capacity` entries; when full, expired entries go first, then the oldest ones.
 *
 * Every signed request adds an entry, so the set is built to cost the garbage collector nothing:
 * no JS object or string per entry, only numbers in typed arrays.
 * - An entry is the 64-bit fingerprint of its key and nonce (two 32-bit lanes, see `fingerprint`)
 *   and its expiry, in a ring of slots in insertion order (oldest first).
 * - An open-addressing table (linear probing, deletion by backward shift) finds a fingerprint's
 *   slot.
 * - The pair is known by its fingerprint alone. Two different pairs share one with a chance of
 *   about 2^-64 each: with 100 000 entries kept, one request in ~10^14 would be refused as a
 *   replay by accident.
 *
 * The previous shape kept every nonce string in Maps: under a steady signed load every entry
 * survived the young generation and was promoted, and the set's growth and turnover showed as
 * scavenges and old-generation collections (p99 of the signed Get up to 8x its p50,
 * docs/performance.md).
 */
import { TIMESTAMP_WINDOW_MS } from './common.js';

export const DEFAULT_NONCE_CAPACITY = 100_000;

// The fingerprint of the last `fingerprint` call (two lanes; module state: no object per call).
let fp1 = 0;
let fp2 = 0;

/**
 * Two 32-bit lanes over the UTF-16 units of the key's length, the key and the nonce (the length
 * first, so that no (key, nonce) pair reads like another), each lane mixed with the other at the
 * end (the multiply-xorshift mix of cyrb53). The lanes live in locals while the text is read.
 */
function fingerprint(accessKeyId: string, nonce: string): void {
  let a = 0xdeadbeef ^ accessKeyId.length;
  let b = 0x41c6ce57 ^ accessKeyId.length;
  for (let i = 0; i < accessKeyId.length; i++) {
    const c = accessKeyId.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  for (let i = 0; i < nonce.length; i++) {
    const c = nonce.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  fp1 = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  fp2 = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
}

export class NonceCache {
  private count = 0;
  /** Ring slots in insertion order: `used` of them from `head` on (wrapping). Allocated on first use. */
  private ringSize = 0;
  private head = 0;
  private used = 0;
  private lane1 = new Int32Array(0);
  private lane2 = new Int32Array(0);
  private expiry = new Float64Array(0);
  /** 1: the slot's entry is gone (its nonce came back after it expired); the head lets it go. */
  private dead = new Uint8Array(0);
  /** Open addressing: slot + 1 of each live entry, 0 for an empty cell. */
  private table = new Int32Array(0);
  private mask = 0;

  constructor(
    readonly capacity = DEFAULT_NONCE_CAPACITY,
    private readonly windowMs = TIMESTAMP_WINDOW_MS,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Ring slots in use, dead ones included (tests: bounded by 2 × capacity + 16). */
  get slotsInUse(): number {
    return this.used;
  }

  /** Records the nonce and answers true, or answers false when it is a replay. */
  use(accessKeyId: string, nonce: string, timestamp: number, now: number): boolean {
    if (this.ringSize === 0) this.allocate();
    fingerprint(accessKeyId, nonce);
    const h1 = fp1;
    const h2 = fp2;
    const cell = this.find(h1, h2);
    if (cell !== -1) {
      const slot = this.table[cell] - 1;
      if (this.expiry[slot] >= now) return false;
      this.unlink(cell); // expired: it goes, and comes back as the newest
      this.dead[slot] = 1;
      this.count--;
    }
    this.evict(now);
    if (this.used === this.ringSize) this.compact();
    const slot = (this.head + this.used) % this.ringSize;
    this.used++;
    this.lane1[slot] = h1;
    this.lane2[slot] = h2;
    this.expiry[slot] = Math.max(timestamp, now) + this.windowMs;
    this.dead[slot] = 0;
    this.link(slot);
    this.count++;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.head = 0;
    this.used = 0;
    this.ringSize = 0;
    this.lane1 = new Int32Array(0);
    this.lane2 = new Int32Array(0);
    this.expiry = new Float64Array(0);
    this.dead = new Uint8Array(0);
    this.table = new Int32Array(0);
    this.mask = 0;
  }

  private allocate(): void {
    // Live entries never pass `capacity`; dead slots wait for the head, and a full ring is
    // compacted, which leaves at least capacity + 16 slots free.
    this.ringSize = 2 * Math.max(1, this.capacity) + 16;
    this.lane1 = new Int32Array(this.ringSize);
    this.lane2 = new Int32Array(this.ringSize);
    this.expiry = new Float64Array(this.ringSize);
    this.dead = new Uint8Array(this.ringSize);
    // At most half full: probes stay short.
    let cells = 16;
    while (cells < 2 * Math.max(1, this.capacity)) cells *= 2;
    this.table = new Int32Array(cells);
    this.mask = cells - 1;
  }

  /** The table cell holding the fingerprint's slot, or -1. */
  private find(h1: number, h2: number): number {
    const table = this.table;
    for (let cell = h1 & this.mask; ; cell = (cell + 1) & this.mask) {
      const v = table[cell];
      if (v === 0) return -1;
      if (this.lane1[v - 1] === h1 && this.lane2[v - 1] === h2) return cell;
    }
  }

  private link(slot: number): void {
    let cell = this.lane1[slot] & this.mask;
    while (this.table[cell] !== 0) cell = (cell + 1) & this.mask;
    this.table[cell] = slot + 1;
  }

  /** Empties a cell, moving later entries of the probe run back so that every lookup still finds them. */
  private unlink(cell: number): void {
    const table = this.table;
    const mask = this.mask;
    let hole = cell;
    for (let next = (hole + 1) & mask; table[next] !== 0; next = (next + 1) & mask) {
      const home = this.lane1[table[next] - 1] & mask;
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!stays) {
        table[hole] = table[next];
        hole = next;
      }
    }
    table[hole] = 0;
  }

  /** The cell of a live slot's entry. */
  private cellOf(slot: number): number {
    let cell = this.lane1[slot] & this.mask;
    while (this.table[cell] !== slot + 1) cell = (cell + 1) & this.mask;
    return cell;
  }

  /** Lets go of the head slot (dropping its entry when it is live). */
  private advance(): void {
    const slot = this.head;
    if (this.dead[slot] === 0) {
      this.unlink(this.cellOf(slot));
      this.count--;
    }
    this.head = (slot + 1) % this.ringSize;
    this.used--;
  }

  /** Drops expired entries from the old end (and dead slots there), then the oldest while full. */
  private evict(now: number): void {
    while (this.used > 0 && (this.dead[this.head] === 1 || this.expiry[this.head] < now)) this.advance();
    while (this.count >= this.capacity && this.count > 0) {
      while (this.dead[this.head] === 1) this.advance();
      this.advance();
    }
  }

  /** Moves the live slots, in order, to the start of a new ring and links them anew (rare: a full ring). */
  private compact(): void {
    const lane1 = new Int32Array(this.ringSize);
    const lane2 = new Int32Array(this.ringSize);
    const expiry = new Float64Array(this.ringSize);
    let to = 0;
    for (let i = 0; i < this.used; i++) {
      const from = (this.head + i) % this.ringSize;
      if (this.dead[from] === 1) continue;
      lane1[to] = this.lane1[from];
      lane2[to] = this.lane2[from];
      expiry[to] = this.expiry[from];
      to++;
    }
    this.lane1 = lane1;
    this.lane2 = lane2;
    this.expiry = expiry;
    this.dead.fill(0);
    this.head = 0;
    this.used = to;
    this.table.fill(0);
    for (let slot = 0; slot < to; slot++) this.link(slot);
  }
}
