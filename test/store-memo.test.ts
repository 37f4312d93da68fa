/**
 * Memoized hot lookups (src/store/memo.ts) never serve a row that changed: every write, every
 * rollback and every commit of another connection on the same file makes them look again.
 */
import t, { type Test } from 'tap';
import { Store, type CompliancePack } from '../src/store/index.js';
import { tempDbFile } from './helpers.js';

const ACCOUNT = 1009318965421234;
const pack = (id: string, aggregatorId = ''): CompliancePack => ({
  compliancePackId: id, accountId: ACCOUNT, aggregatorId, name: id, description: '', templateId: '', riskLevel: 1, scope: {},
  templateContent: '', createdAt: 1, readyAt: 1,
});

/** Two stores on one database file, as two emulator processes would open it. */
function twoProcesses(t: Test): [Store, Store] {
  const file = tempDbFile(t);
  const a = Store.open(file);
  const b = Store.open(file);
  t.teardown(() => {
    a.close();
    b.close();
  });
  return [a, b];
}

function seed(store: Store): void {
  store.transaction(() => {
    store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true });
    store.accounts.upsertAccessKey({ accessKeyId: 'K1', secret: 's1', accountId: ACCOUNT });
  });
}

t.test('a write in this process is seen by the next lookup', async (t) => {
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  seed(store);
  t.equal(store.packs.ownerOf('cp-1'), undefined, 'absent, and remembered as absent');
  store.transaction(() => store.packs.insert(pack('cp-1')));
  t.same(store.packs.ownerOf('cp-1'), [ACCOUNT, '']);
  t.equal(store.accounts.keyWithAccount('K1')?.configEnabled, true);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: false }));
  t.equal(store.accounts.keyWithAccount('K1')?.configEnabled, false, 'the account switch, through the join');
  store.accounts.upsertAccessKey({ accessKeyId: 'K1', secret: 's2', accountId: ACCOUNT });
  t.equal(store.accounts.keyWithAccount('K1')?.secret, 's2', 'a write outside a transaction counts too');
  store.transaction(() => store.packs.delete('cp-1'));
  t.equal(store.packs.ownerOf('cp-1'), undefined);
});

t.test('a rolled-back write is forgotten, even if it was looked up inside the transaction', async (t) => {
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  seed(store);
  t.throws(() =>
    store.transaction(() => {
      store.packs.insert(pack('cp-2'));
      t.same(store.packs.ownerOf('cp-2'), [ACCOUNT, ''], 'seen inside the transaction');
      throw new Error('fail the request');
    }),
  );
  t.equal(store.packs.ownerOf('cp-2'), undefined, 'gone after the rollback');
});

t.test('lookups are frozen: a caller cannot corrupt what the next request sees', async (t) => {
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  seed(store);
  const key = store.accounts.keyWithAccount('K1')!;
  t.ok(Object.isFrozen(key));
  t.throws(() => ((key as { accountId: number }).accountId = 1));
});

t.test('another process committing to the same file is noticed by sync()', async (t) => {
  const [a, b] = twoProcesses(t);
  seed(a);
  a.sync();
  t.equal(a.packs.ownerOf('cp-3'), undefined);
  t.equal(a.reports.latest('cp-3'), undefined);
  b.transaction(() => b.packs.insert(pack('cp-3', 'ca-1')));
  a.sync();
  t.same(a.packs.ownerOf('cp-3'), [ACCOUNT, 'ca-1'], 'the other connection\'s pack');
  t.equal(a.accounts.keyWithAccount('K2'), undefined, 'absent, and remembered as absent');
  b.transaction(() => b.accounts.upsertAccessKey({ accessKeyId: 'K2', secret: 's', accountId: ACCOUNT }));
  a.sync();
  t.equal(a.accounts.keyWithAccount('K2')?.accountId, ACCOUNT, 'after sync() it looks again');
});

t.test('a write to one table keeps the memos of the others; statements it cannot read move them all', async (t) => {
  const { writtenTable } = await import('../src/store/memo.js');
  t.equal(writtenTable('INSERT INTO tags (a) VALUES (1)'), 'tags');
  t.equal(writtenTable('  insert or replace into reports VALUES (1)'), 'reports');
  t.equal(writtenTable('UPDATE compliance_packs SET x = 1'), 'compliance_packs');
  t.equal(writtenTable('DELETE FROM aggregator_members WHERE 1'), 'aggregator_members');
  t.equal(writtenTable('DELETE FROM accounts WHERE account_id = 1'), undefined, 'account deletes cascade');
  t.equal(writtenTable('INSERT INTO main.tags VALUES (1)'), undefined, 'schema-qualified: not plain');
  t.equal(writtenTable('WITH x AS (SELECT 1) DELETE FROM tags'), undefined);

  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  seed(store);
  store.transaction(() => store.packs.insert(pack('cp-5')));
  const before = store.writes.version(['compliance_packs']);
  store.transaction(() => store.tags.put({ resourceId: 'cp-5', resourceType: 'ACS::Config::CompliancePack', accountId: ACCOUNT, key: 'k', value: 'v' }));
  t.equal(store.writes.version(['compliance_packs']), before, 'a tag write leaves the packs memo alone');
  store.transaction(() => store.packs.delete('cp-5'));
  t.not(store.writes.version(['compliance_packs']), before);
  t.equal(store.packs.ownerOf('cp-5'), undefined);
  const v = store.writes.version(['aggregators']);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'b', configEnabled: true }));
  t.not(store.writes.version(['aggregators']), v, 'an accounts write moves every table');
});

t.test('a write transaction looks again for other processes\' commits once it holds the lock', async (t) => {
  const [a, b] = twoProcesses(t);
  seed(a);
  a.transaction(() => a.packs.insert(pack('cp-6', 'ca-1')));
  a.sync();
  t.same(a.packs.ownerOf('cp-6'), [ACCOUNT, 'ca-1'], 'memoized');
  b.transaction(() => b.packs.delete('cp-6')); // after a's last sync()
  t.equal(a.transaction(() => a.packs.ownerOf('cp-6')), undefined, 'a write decides on what is committed');
});

t.test("an account group's member ids follow its member list and its deletion", async (t) => {
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  seed(store);
  const member = (accountId: number) => ({ accountId, accountName: '', accountType: 'ResourceDirectory' });
  store.transaction(() =>
    store.aggregators.insert({
      aggregatorId: 'ca-memo', accountId: ACCOUNT, name: 'g', description: '', aggregatorType: 'CUSTOM', folderId: '', createdAt: 1, readyAt: 1,
      members: [member(ACCOUNT), member(2)],
    }),
  );
  t.same(store.aggregators.memberIds('ca-memo'), [ACCOUNT, 2]);
  t.ok(Object.isFrozen(store.aggregators.memberIds('ca-memo')), 'shared, so frozen');
  store.transaction(() => store.aggregators.setMembers('ca-memo', [member(3)]));
  t.same(store.aggregators.memberIds('ca-memo'), [3], 'a new member list is seen');
  store.transaction(() => store.aggregators.delete('ca-memo'));
  t.same(store.aggregators.memberIds('ca-memo'), [], 'so is the group deleted with its members');
});
