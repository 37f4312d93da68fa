/**
 * The batched log destination (src/log-destination.ts): lines reach the writer whole and in order,
 * in batches of at least minLength characters, and flush / flushSync hand over what is left.
 */
import t from 'tap';
import { pino } from 'pino';
import { batchedLines, epochTimeText } from '../src/log-destination.js';

function recorder() {
  const writes: string[] = [];
  let flushed = 0;
  let synced = 0;
  return {
    writes,
    counts: () => ({ flushed, synced }),
    target: {
      write: (s: string) => writes.push(s),
      flush: (cb?: (err?: Error | null) => void) => {
        flushed++;
        cb?.();
      },
      flushSync: () => void synced++,
    },
  };
}

t.test('lines are gathered until minLength characters, then written as one batch, in order', async (t) => {
  const r = recorder();
  const dest = batchedLines(r.target, 100);
  const lines = Array.from({ length: 25 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(20)}"}\n`);
  for (const l of lines) dest.write(l);
  t.ok(r.writes.length >= 5, 'several batches');
  for (const w of r.writes) t.ok(w.length >= 100, 'each batch reaches minLength');
  dest.flush();
  t.equal(r.writes.join(''), lines.join(''), 'every line once, in order, none split');
  t.equal(r.counts().flushed, 1, "flush also flushes the writer");
});

t.test('flush with nothing gathered writes nothing; flushSync hands over the rest and syncs the writer', async (t) => {
  const r = recorder();
  const dest = batchedLines(r.target, 4096);
  dest.flush();
  t.same(r.writes, []);
  dest.write('a\n');
  dest.write('b\n');
  t.same(r.writes, [], 'below minLength: still gathered');
  dest.flushSync();
  t.same(r.writes, ['a\nb\n']);
  t.equal(r.counts().synced, 1);
  let called = false;
  batchedLines({ write: () => true }, 10).flush(() => (called = true));
  t.ok(called, 'flush calls back when the writer has no flush of its own');
});

t.test("epochTimeText: pino's epochTime text, the current millisecond", async (t) => {
  const before = Date.now();
  const text = epochTimeText();
  const after = Date.now();
  t.match(text, /^,"time":\d{13}$/);
  const ms = Number(text.slice(8));
  t.ok(ms >= before && ms <= after, 'within the call');
  t.equal(pino.stdTimeFunctions.epochTime().slice(0, 8), text.slice(0, 8), 'same key and prefix as pino');
  // Kept within a millisecond, new text after it.
  let next = epochTimeText();
  while (Number(next.slice(8)) === ms) next = epochTimeText();
  t.ok(Number(next.slice(8)) > ms);
});
