/**
 * The WAL checkpointer (src/store/checkpointer.ts): on a database file the first grouped write
 * starts a worker thread that folds the WAL into the file with passive checkpoints, beside the
 * store's own connection. The data stays whole, the store's memos stay valid (data_version does
 * not move), and closing the store still leaves one self-contained file.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Checkpointer, Store, type CheckpointResult, type CompliancePack } from '../src/store/index.js';
import { tempDbFile } from './helpers.js';

const ACCOUNT = 1009318965421234;
const pack = (id: string): CompliancePack => ({
  compliancePackId: id, accountId: ACCOUNT, aggregatorId: '', name: id, description: '', templateId: '', riskLevel: 1, scope: {},
  templateContent: '', createdAt: 1, readyAt: 1,
});

function openFile(t: Test, options?: Parameters<typeof Store.open>[1]): { store: Store; file: string } {
  const file = tempDbFile(t);
  const store = Store.open(file, options);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  t.teardown(() => store.close());
  return { store, file };
}

/** Packs found in the database file alone (a copy without its -wal): what checkpoints have folded in. */
function packsInMainFile(file: string): number {
  const copy = path.join(path.dirname(file), `copy-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    // Before the first checkpoint even the schema may still sit in the WAL.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'compliance_packs'").get() === undefined) return 0;
    return (db.prepare('SELECT COUNT(*) AS n FROM compliance_packs').get() as { n: number }).n;
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

const dataVersion = (store: Store) => store.db.pragma('data_version', { simple: true }) as number;

t.test('the first grouped write starts the checkpointer; a checkpoint folds the WAL and leaves the memos', async (t) => {
  const { store, file } = openFile(t);
  t.equal(store.walCheckpointer, undefined, 'no thread before the first API write');
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.grouped(() => store.packs.insert(pack(`cp-${i}`)))));
  const cp = store.walCheckpointer;
  t.ok(cp?.running, 'the checkpointer runs');
  const before = dataVersion(store);
  const r = await cp!.checkpoint();
  t.equal(r.busy, 0);
  t.ok(r.log > 0, 'the WAL held frames');
  t.equal(r.checkpointed, r.log, 'every frame is in the database file now');
  t.equal(packsInMainFile(file), 50, 'the file alone holds the packs');
  t.equal(dataVersion(store), before, "a checkpoint is not another connection's write: data_version stays");
  // Writes go on after a complete checkpoint (the WAL starts over) and are checkpointed again.
  await store.grouped(() => store.packs.insert(pack('cp-after')));
  await cp!.checkpoint();
  t.equal(packsInMainFile(file), 51);
});

t.test('closing waits for the worker to close its connection: one self-contained file (no -wal)', async (t) => {
  const file = tempDbFile(t);
  const store = Store.open(file);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  for (let i = 0; i < 20; i++) await store.grouped(() => store.packs.insert(pack(`cp-${i}`)));
  const cp = store.walCheckpointer!;
  await cp.checkpoint(); // the worker now holds its connection
  t.ok(cp.running && cp.holdsConnection);
  store.close();
  t.notOk(cp.holdsConnection, 'close returned after the worker closed its connection');
  t.notOk(cp.running);
  t.notOk(existsSync(`${file}-wal`), 'the WAL was folded and removed by the last close');
  await t.rejects(cp.checkpoint(), /no connection/, 'a stopped checkpointer answers with an error');
  cp.stop(); // idempotent
  const again = Store.open(file);
  t.equal(again.packs.get('cp-19')?.name, 'cp-19', 'the data is whole after reopening');
  again.close();
});

t.test('closing right after the first write, while the worker is still starting', async (t) => {
  const file = tempDbFile(t);
  const store = Store.open(file);
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  const write = store.grouped(() => store.packs.insert(pack('cp-early')));
  const cp = store.walCheckpointer!;
  store.close(); // commits the group, stops the worker wherever it is
  await write;
  t.notOk(cp.running);
  t.notOk(existsSync(`${file}-wal`), 'one self-contained file');
  const again = Store.open(file);
  t.equal(again.packs.get('cp-early')?.name, 'cp-early');
  again.close();
});

t.test('a checkpointer opened on a relative path keeps to its file after a change of directory', async (t) => {
  const d = path.dirname(tempDbFile(t));
  const cwd = process.cwd();
  process.chdir(d);
  t.teardown(() => process.chdir(cwd));
  const store = Store.open('config.db');
  t.teardown(() => store.close());
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  process.chdir(cwd); // the worker opens the file only at the first grouped write, below
  await store.grouped(() => store.packs.insert(pack('cp-rel')));
  const r = await store.walCheckpointer!.checkpoint();
  t.ok(r.log > 0 && r.checkpointed === r.log, 'the WAL of the store\'s own file was folded');
  t.equal(packsInMainFile(path.join(d, 'config.db')), 1);
});

t.test('writes and checkpoints side by side lose nothing', async (t) => {
  const { store, file } = openFile(t, { checkpointIntervalMs: 1 });
  const cp = () => store.walCheckpointer!;
  for (let batch = 0; batch < 20; batch++) {
    const writes = Array.from({ length: 25 }, (_, i) => store.grouped(() => store.packs.insert(pack(`cp-${batch}-${i}`))));
    const ck = cp().checkpoint();
    await Promise.all([...writes, ck]);
  }
  await cp().checkpoint();
  t.equal(packsInMainFile(file), 500);
  t.equal(store.read(() => store.packs.get('cp-19-24')?.name), 'cp-19-24');
});

t.test('the timer folds the WAL by itself', async (t) => {
  // The store's own checkpointer is off; one built here reports each timer checkpoint.
  const { store, file } = openFile(t, { checkpointIntervalMs: 0 });
  await store.grouped(() => store.packs.insert(pack('cp-timer')));
  const folded = new Promise<CheckpointResult>((resolve) => {
    const cp = new Checkpointer(file, { intervalMs: 1, onTick: (r) => r.log > 0 && r.checkpointed === r.log && (cp.stop(), resolve(r)) });
    t.teardown(() => cp.stop());
  });
  const r = await folded;
  t.ok(r.log > 0, 'a tick of the timer copied every frame of the WAL into the file');
  t.equal(packsInMainFile(file), 1);
});

t.test('no thread for a database in memory, for a store that never writes through the API, or when turned off', async (t) => {
  const mem = Store.open(':memory:');
  t.teardown(() => mem.close());
  mem.transaction(() => mem.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  await mem.grouped(() => mem.packs.insert(pack('cp-m')));
  t.equal(mem.walCheckpointer, undefined, 'in memory');

  const { store: readsOnly } = openFile(t);
  readsOnly.read(() => readsOnly.packs.get('cp-x'));
  readsOnly.transaction(() => readsOnly.packs.insert(pack('cp-fixture')));
  t.equal(readsOnly.walCheckpointer, undefined, 'reads and plain transactions (fixtures, control plane)');

  const { store: off } = openFile(t, { checkpointIntervalMs: 0 });
  await off.grouped(() => off.packs.insert(pack('cp-off')));
  t.equal(off.walCheckpointer, undefined, 'checkpointIntervalMs: 0');
});

t.test('a checkpointer that cannot open its file says so, fails its calls and stops at once', async (t) => {
  const file = path.join(path.dirname(tempDbFile(t)), 'missing', 'config.db');
  let told: (m: string) => void = () => {};
  const message = new Promise<string>((resolve) => (told = resolve));
  const cp = new Checkpointer(file, { onError: (m) => told(m) });
  await t.rejects(cp.checkpoint(), /no connection/);
  t.match(await message, /WAL checkpointer for .*missing.*config\.db: cannot open the file .*auto-checkpoint/);
  t.notOk(cp.running);
  cp.stop();
  t.notOk(cp.running);
});

t.test("a store passes the checkpointer's trouble on (the emulator logs it as a warning)", async (t) => {
  const file = tempDbFile(t);
  let told: (m: string) => void = () => {};
  const message = new Promise<string>((resolve) => (told = resolve));
  const store = Store.open(file, { onCheckpointerError: (m) => told(m) });
  t.teardown(() => store.close());
  store.transaction(() => store.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true }));
  // The file goes away before the first API write starts the worker: it cannot open it.
  rmSync(file);
  await store.grouped(() => store.packs.insert(pack('cp-x')));
  t.match(await message, /cannot open the file/);
});

t.test('a worker thread that dies says so; its calls then fail at once', async (t) => {
  const { file } = openFile(t, { checkpointIntervalMs: 0 });
  let told: (m: string) => void = () => {};
  const message = new Promise<string>((resolve) => (told = resolve));
  const cp = new Checkpointer(file, { onError: (m) => told(m) });
  t.teardown(() => cp.stop());
  await cp.checkpoint();
  // The thread goes away unasked, as a crash would take it (the handle is private: reached here only).
  await (cp as unknown as { worker: Worker }).worker.terminate();
  t.match(await message, /WAL checkpointer for .*config\.db: the thread stopped \(exit code \d+\).*auto-checkpoint/);
  t.notOk(cp.running);
  await t.rejects(cp.checkpoint(), /no connection/);
});
