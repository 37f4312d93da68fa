/**
 * Ids: RequestIds are upper-case version-4 UUIDs, unique, made in batches by RandomIds.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { RandomIds, SeededIds, uuidBatch } from '../src/clock.js';

const UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

/** The reference: RFC 4122 text of 16 bytes with the version and variant bits set. */
function reference(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

t.test('uuidBatch: each 16 bytes give one UUID, as RFC 4122 writes them', async (t) => {
  const random = randomBytes(16 * 50);
  const text = uuidBatch(random);
  t.equal(text.length, 36 * 50);
  for (let i = 0; i < 50; i++) t.equal(text.slice(i * 36, i * 36 + 36), reference(random.subarray(i * 16, i * 16 + 16)));
  t.equal(uuidBatch(new Uint8Array(16).fill(0xff)), 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF');
  t.equal(uuidBatch(new Uint8Array(16)), '00000000-0000-4000-8000-000000000000');
});

t.test('RandomIds.uuid: upper-case v4 UUIDs, all different, across batches', async (t) => {
  const ids = new RandomIds();
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = ids.uuid();
    if (!UUID_V4.test(id)) t.fail(`not an upper-case v4 UUID: ${id}`);
    seen.add(id);
  }
  t.equal(seen.size, 1000);
});

t.test('SeededIds.uuid: the same ids as ever for a seed (snapshots depend on them)', async (t) => {
  const ids = new SeededIds(7);
  t.equal(ids.uuid(), '0AB03AA7-FFD7-4D6B-B4CC-1A683E9C3B7E');
  t.equal(ids.uuid(), 'BA702A2D-1A11-4269-91DA-4857E0B9B7C6');
});
