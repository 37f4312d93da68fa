/**
 * Time and randomness, injected everywhere so that tests and snapshots are byte-stable.
 *
 * The clock reads a source (Date.now by default) plus an offset, and can be frozen, set or advanced
 * (the control plane exposes this). Nothing else in the emulator calls Date.now().
 */
import { randomBytes, randomFillSync } from 'node:crypto';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export class EmulatorClock implements Clock {
  private offset = 0;
  private frozenAt: number | undefined;

  constructor(private readonly source: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.source() + this.offset;
  }
  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }
  /** Jumps to a given time; a frozen clock stays frozen there. */
  set(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt = ms;
    else this.offset = ms - this.source();
  }
  advance(ms: number): void {
    this.set(this.now() + ms);
  }
  freeze(on: boolean): void {
    if (on && this.frozenAt === undefined) this.frozenAt = this.now();
    if (!on && this.frozenAt !== undefined) {
      this.offset = this.frozenAt - this.source();
      this.frozenAt = undefined;
    }
  }
}

/** Produces random bytes; seeded for repeatable runs. */
export interface IdGenerator {
  /** `n` lowercase hex characters. */
  hex(n: number): string;
  /** An uppercase UUID-shaped id (8-4-4-4-12), as RequestIds are. */
  uuid(): string;
}

/** Random ids from a pooled buffer: one getrandom() call per 4 KiB instead of one per id. */
export class RandomIds implements IdGenerator {
  private readonly pool = Buffer.allocUnsafe(4096);
  private offset = this.pool.length;
  hex(n: number): string {
    const bytes = Math.ceil(n / 2);
    if (bytes > this.pool.length) return randomBytes(bytes).toString('hex').slice(0, n);
    if (this.offset + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const out = this.pool.toString('hex', this.offset, this.offset + bytes);
    this.offset += bytes;
    return n % 2 === 0 ? out : out.slice(0, n);
  }
  private uuids = '';
  private uuidAt = 0;
  /**
   * Version 4, variant 8-B, upper case (`uuidBatch`). Made UUID_BATCH at a time into
   * one string, each id a slice of it: a slice is one small object that shares the batch's
   * characters, where a UUID put together per call is ~20 string pieces (~430 bytes of garbage)
   * and `toUpperCase` another copy. A batch lives as long as one of its ids does (~4.6 KB).
   */
  uuid(): string {
    if (this.uuidAt === this.uuids.length) {
      this.uuids = uuidBatch(randomBytes(16 * UUID_BATCH));
      this.uuidAt = 0;
    }
    const at = this.uuidAt;
    this.uuidAt = at + 36;
    return this.uuids.slice(at, at + 36);
  }
}

const UUID_BATCH = 128;
const HEX_UPPER = Buffer.from('0123456789ABCDEF', 'latin1');
const DASH = 0x2d;

/**
 * `random.length / 16` UUIDs (version 4, variant 8-B, upper case), back to back in one string: the
 * one UUID formatter of both id generators.
 */
export function uuidBatch(random: Uint8Array): string {
  const count = Math.floor(random.length / 16);
  const out = Buffer.allocUnsafe(36 * count);
  let o = 0;
  for (let u = 0; u < count; u++) {
    const r = u * 16;
    for (let i = 0; i < 16; i++) {
      let b = random[r + i];
      if (i === 6) b = (b & 0x0f) | 0x40;
      else if (i === 8) b = (b & 0x3f) | 0x80;
      if (i === 4 || i === 6 || i === 8 || i === 10) out[o++] = DASH;
      out[o++] = HEX_UPPER[b >> 4];
      out[o++] = HEX_UPPER[b & 15];
    }
  }
  return out.toString('latin1');
}

/** sfc32: small, fast, good enough for ids; the same seed gives the same sequence. */
export class SeededIds implements IdGenerator {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  private next(): number {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += this.next().toString(16).padStart(8, '0');
    return out.slice(0, n);
  }
  uuid(): string {
    return uuidBatch(Buffer.from(this.hex(32), 'hex'));
  }
}

export function createIds(seed: number | undefined): IdGenerator {
  return seed === undefined ? new RandomIds() : new SeededIds(seed);
}

/** Whether year-month-day names a day of the calendar (Date.UTC takes 2026-02-30 as March 2). */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The last time with an ISO 8601 text (the journal, the console and the reports print times). */
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
