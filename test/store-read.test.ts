/**
 * Store.read on a database file: its read transaction begins at the first statement that reads
 * (so a read answered from the memos runs none), and from there it is one snapshot, ended when the
 * read returns or throws, with writes of a nested `transaction` committed and seen.
 */
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { Store } from '../src/store/index.js';
import { tempDbFile } from './helpers.js';

function fileStore(t: Test): { store: Store; other: Database.Database } {
  const file = tempDbFile(t);
  const store = Store.open(file);
  const other = new Database(file);
  other.pragma('busy_timeout = 5000');
  t.teardown(() => {
    other.close();
    store.close();
  });
  return { store, other };
}

let nextAccount = 2000000000000001;
const addAccount = (db: Database.Database) =>
  db.prepare('INSERT INTO accounts (account_id, account_name, config_enabled, created_seq) VALUES (?, ?, 1, ?)').run(nextAccount++, 'x', nextAccount);
const count = (store: Store) => (store.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n;

t.test('one snapshot from the first reading statement on: another connection\'s commit is not seen', async (t) => {
  const { store, other } = fileStore(t);
  const [before, after] = store.read(() => {
    const a = count(store);
    addAccount(other); // commits on another connection while the read is open
    return [a, count(store)];
  });
  t.equal(after, before, 'the same snapshot within the read');
  t.notOk(store.db.inTransaction, 'the read transaction ended');
  t.equal(count(store), before + 1, 'the next read sees the commit');
});

t.test('a commit made before the first statement of a read is seen by it', async (t) => {
  const { store, other } = fileStore(t);
  const before = count(store);
  const seen = store.read(() => {
    addAccount(other);
    return count(store);
  });
  t.equal(seen, before + 1);
});

t.test('a read that runs no statement leaves no transaction; a throw ends the transaction it began', async (t) => {
  const { store } = fileStore(t);
  t.equal(store.read(() => 42), 42);
  t.notOk(store.db.inTransaction);
  t.throws(() =>
    store.read(() => {
      t.notOk(store.db.inTransaction, 'no transaction before the first statement');
      count(store);
      t.ok(store.db.inTransaction, 'begun at the first read');
      throw new Error('boom');
    }),
  /boom/);
  t.notOk(store.db.inTransaction, 'rolled back');
  t.equal(typeof count(store), 'number', 'the store goes on');
});

t.test('a transaction inside a read commits its writes, and the read goes on to see them', async (t) => {
  const { store } = fileStore(t);
  const before = count(store);
  const seen = store.read(() => {
    store.transaction(() => addAccount(store.db)); // before any reading statement: its own transaction
    const afterFirst = count(store); // begins the read
    store.transaction(() => addAccount(store.db)); // a savepoint of the read's transaction
    return [afterFirst, count(store)];
  });
  t.same(seen, [before + 1, before + 2]);
  t.notOk(store.db.inTransaction);
  t.equal(count(store), before + 2, 'both committed');
});

t.test('nested reads share one transaction', async (t) => {
  const { store, other } = fileStore(t);
  const [a, b] = store.read(() => {
    const x = count(store);
    addAccount(other);
    return [x, store.read(() => count(store))];
  });
  t.equal(b, a);
  t.notOk(store.db.inTransaction);
});
