/** KeptResults (src/reusable.ts): kept answers per store, bounded. */
import t from 'tap';
import { KeptResults } from '../src/reusable.js';

t.test('answers are kept per owner, and an owner past the bound starts afresh', async (t) => {
  const kept = new KeptResults<number>(3);
  const a = {};
  const b = {};
  kept.set(a, 'x', 1);
  kept.set(b, 'x', 2);
  t.equal(kept.get(a, 'x'), 1);
  t.equal(kept.get(b, 'x'), 2, 'each owner its own');
  t.equal(kept.get({}, 'x'), undefined);
  kept.set(a, 'y', 3);
  kept.set(a, 'z', 4);
  t.equal(kept.get(a, 'x'), 1, 'three kept');
  kept.set(a, 'w', 5);
  t.equal(kept.get(a, 'x'), undefined, 'the fourth starts afresh');
  t.equal(kept.get(a, 'w'), 5);
  t.equal(kept.get(b, 'x'), 2, 'another owner is left alone');
});
