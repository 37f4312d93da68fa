/**
 * Group commit (Store.grouped): the API's writes that arrive in the same turn of the event loop
 * share one transaction, each in its own savepoint, and answer only once it has committed. A
 * failed write changes nothing and does not take the others down; a failed commit fails them all;
 * nothing else ever reads another request's uncommitted writes.
 */
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { Store, type CompliancePack } from '../src/store/index.js';
import { DEMO, openDescriptors, tempDbFile, testApp } from './helpers.js';
import { ensureReportFile } from '../src/reports/service.js';

const ACCOUNT = 1009318965421234;
const pack = (id: string): CompliancePack => ({
  compliancePackId: id, accountId: ACCOUNT, aggregatorId: '', name: id, description: '', templateId: '', riskLevel: 1, scope: {},
  templateContent: '', createdAt: 1, readyAt: 1,
});

/** A store on a database file, and a second connection to it (another process's view). */
function onFile(t: Test): { store: Store; committed: (id: string) => boolean } {
  const file = tempDbFile(t);
  const store = Store.open(file);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  const other = new Database(file, { readonly: true });
  const stmt = other.prepare('SELECT 1 FROM compliance_packs WHERE compliance_pack_id = ?');
  t.teardown(() => {
    other.close();
    store.close();
  });
  return { store, committed: (id) => stmt.get(id) !== undefined };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

t.test('writes of one turn commit together, and settle only once committed', async (t) => {
  const { store, committed } = onFile(t);
  let settled = 0;
  const a = store.grouped(() => store.packs.insert(pack('cp-a'))).then(() => settled++);
  const b = store.grouped(() => {
    store.packs.insert(pack('cp-b'));
    return 'b';
  });
  t.ok(store.db.inTransaction, 'one open transaction holds both');
  t.notOk(committed('cp-a') || committed('cp-b'), 'nothing is visible to another connection yet');
  await Promise.resolve();
  t.equal(settled, 0, 'no write settles before its commit');
  t.equal(await b, 'b', 'the promise gives the result of the write');
  await a;
  t.ok(committed('cp-a') && committed('cp-b'), 'both committed');
  t.notOk(store.db.inTransaction);
});

t.test('a failing write rolls back alone; the others of its group commit', async (t) => {
  const { store, committed } = onFile(t);
  const a = store.grouped(() => store.packs.insert(pack('cp-a')));
  const bad = store.grouped(() => {
    store.packs.insert(pack('cp-bad'));
    throw new Error('refused');
  });
  const c = store.grouped(() => store.packs.insert(pack('cp-c')));
  await t.rejects(bad, /refused/, 'the failing write rejects');
  await Promise.all([a, c]);
  t.ok(committed('cp-a') && committed('cp-c'));
  t.notOk(committed('cp-bad'), 'its rows are gone');
  t.equal(store.packs.ownerOf('cp-bad'), undefined);
});

t.test('a failed commit fails every write of the group and keeps nothing', async (t) => {
  const { store, committed } = onFile(t);
  t.equal(store.packs.ownerOf('cp-a'), undefined, 'remembered as absent');
  let seen: unknown;
  const a = store.grouped(() => {
    store.packs.insert(pack('cp-a'));
    seen = store.packs.ownerOf('cp-a');
  });
  t.same(seen, [ACCOUNT, ''], 'seen (and memoized) inside the group');
  // A deferred foreign-key violation passes the statement and fails only at COMMIT.
  const b = store.grouped(() => {
    store.db.pragma('defer_foreign_keys = ON');
    store.db.prepare("INSERT INTO compliance_packs (compliance_pack_id, account_id, aggregator_id, name, description, template_id, risk_level, scope_json, template_content, created_at, ready_at) VALUES ('cp-orphan', 42, '', 'x', '', '', 1, '{}', '', 1, 1)").run();
  });
  await t.rejects(a, /rolled back with its commit group/);
  await t.rejects(b, /rolled back with its commit group/);
  t.notOk(store.db.inTransaction, 'rolled back');
  t.notOk(committed('cp-a') || committed('cp-orphan'));
  t.equal(store.packs.ownerOf('cp-a'), undefined, 'the memo forgot the rolled-back row');
  await store.grouped(() => store.packs.insert(pack('cp-next')));
  t.ok(committed('cp-next'), 'the next group works');
});

t.test('a write that makes SQLite drop the whole transaction fails its group', async (t) => {
  const { store, committed } = onFile(t);
  const a = store.grouped(() => store.packs.insert(pack('cp-a')));
  const b = store.grouped(() => {
    store.db.exec('ROLLBACK'); // what SQLite does itself on some I/O and memory errors
    throw new Error('disk I/O error');
  });
  await t.rejects(b, /disk I\/O error/);
  await t.rejects(a, /rolled back with its commit group/);
  t.notOk(committed('cp-a'));
  await store.grouped(() => store.packs.insert(pack('cp-next')));
  t.ok(committed('cp-next'));
});

t.test('reads, other transactions and close commit the open group first', async (t) => {
  const { store, committed } = onFile(t);
  const a = store.grouped(() => store.packs.insert(pack('cp-a')));
  t.notOk(committed('cp-a'));
  t.equal(store.read(() => committed('cp-a')), true, 'a read action commits the group before it reads');
  await a;

  const b = store.grouped(() => store.packs.insert(pack('cp-b')));
  store.transaction(() => store.packs.insert(pack('cp-t')));
  t.ok(committed('cp-b') && committed('cp-t'), 'a transaction of its own commits the group first, then itself');
  await b;

  const r = store.grouped(() => store.packs.insert(pack('cp-r')));
  await ensureReportFile(store, 'no-such-object');
  t.ok(committed('cp-r'), 'a report build commits the group before it reads');
  await r;

  const s = store.grouped(() => store.packs.insert(pack('cp-s')));
  t.equal(store.packs.get('cp-none'), undefined);
  t.ok(committed('cp-s'), 'any statement outside a grouped write (a download, the control plane) commits the group first');
  await s;
  const u = store.grouped(() => store.packs.insert(pack('cp-u')));
  t.equal(store.db.prepare('SELECT COUNT(*) AS n FROM accounts').pluck().get(), 1, 'a statement prepared later is guarded too');
  t.ok(committed('cp-u'));
  await u;

  const c = store.grouped(() => store.packs.insert(pack('cp-c')));
  store.flush();
  t.ok(committed('cp-c'), 'flush commits now');
  await c;
  await turn();
  t.notOk(store.db.inTransaction);
});

t.test('nested use stays inside the group; a grouped write inside a transaction is a plain savepoint', async (t) => {
  const { store, committed } = onFile(t);
  const a = store.grouped(() => {
    // A read or a transaction from inside a grouped write must not commit the group under it.
    store.read(() => store.packs.insert(pack('cp-read')));
    store.transaction(() => store.packs.insert(pack('cp-nested')));
    t.same(store.packs.ownerOf('cp-read'), [ACCOUNT, ''], 'its own statements see its rows');
    t.ok(store.db.inTransaction);
  });
  t.notOk(committed('cp-read') || committed('cp-nested'));
  await a;
  t.ok(committed('cp-read') && committed('cp-nested'));

  let inner: Promise<void> | undefined;
  store.transaction(() => {
    inner = store.grouped(() => store.packs.insert(pack('cp-inner')));
  });
  await inner;
  t.ok(committed('cp-inner'));
});

t.test('close commits an open group', async (t) => {
  const file = tempDbFile(t);
  const store = Store.open(file);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  const a = store.grouped(() => store.packs.insert(pack('cp-a')));
  store.close();
  await a;
  const again = Store.open(file);
  t.same(again.packs.ownerOf('cp-a'), [ACCOUNT, '']);
  again.close();
});

t.test('a write that journals many pages keeps its savepoint journal in memory, not in a temporary file', async (t) => {
  const { store, committed } = onFile(t);
  // ~2 packs per page: a write that changes all 200 journals ~100 pages (~400 KB) in its
  // savepoint. Past 64 KiB SQLite's default spills that journal into a temporary file, unlinked
  // when opened, and every later write of the group pwrites its pages there (issue 8).
  const big = (id: string): CompliancePack => ({ ...pack(id), templateContent: 'x'.repeat(2000) });
  store.transaction(() => {
    for (let i = 0; i < 200; i++) store.packs.insert(big(`cp-${i}`));
  });
  const temporaryFiles = () => openDescriptors((link) => /\/etilqs_[^/]* \(deleted\)$/.test(link));
  const before = temporaryFiles();
  const all = store.grouped(() => {
    for (let i = 0; i < 200; i++) store.packs.update({ ...big(`cp-${i}`), description: 'changed' });
  });
  const next = store.grouped(() => store.packs.insert(pack('cp-next')));
  if (before === undefined) t.comment('no /proc here: open descriptors are not checked');
  else t.equal(temporaryFiles(), before, 'no temporary file open while the group is');
  await Promise.all([all, next]);
  t.ok(committed('cp-next'));
  t.equal(store.packs.get('cp-199')?.description, 'changed');
});

t.test('concurrent API creates share commits, each answered once committed', async (t) => {
  const { app, services } = await testApp(t, { config: { db: tempDbFile(t), auth: 'off', createDelayMs: 0 } });
  const aggregatorId = DEMO.aggregatorId;
  let commits = 0;
  const flush = services.store.flush.bind(services.store);
  services.store.flush = () => {
    const open = services.store.db.inTransaction;
    flush();
    if (open && !services.store.db.inTransaction) commits++;
  };
  const create = (name: string) =>
    app.inject({
      method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        Action: 'CreateAggregateCompliancePack', Format: 'JSON', AggregatorId: aggregatorId, CompliancePackName: name, RiskLevel: '1',
        ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]),
      }).toString(),
    });
  // Ten creates at once, the sixth a duplicate name of the first: it alone fails.
  const names = ['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-0', 'g-6', 'g-7', 'g-8', 'g-9'];
  const answers = await Promise.all(names.map(create));
  t.same(answers.map((r) => r.statusCode), [200, 200, 200, 200, 200, 400, 200, 200, 200, 200]);
  t.match(JSON.parse(answers[5].body), { Code: 'CompliancePackExists' });
  t.ok(commits >= 1 && commits < 9, `fewer commits than creates (${commits})`);
  const list = JSON.parse((await app.inject({ url: `/?Action=ListAggregateCompliancePacks&Format=JSON&AggregatorId=${aggregatorId}&PageSize=100` })).body) as {
    CompliancePacksResult: { CompliancePacks: { CompliancePackName: string }[] };
  };
  const listed = list.CompliancePacksResult.CompliancePacks.map((p) => p.CompliancePackName).filter((n) => n.startsWith('g-')).sort();
  t.same(listed, ['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-6', 'g-7', 'g-8', 'g-9']);
});
