/**
 * WAL checkpoints of a database file, taken off the event loop: a worker thread with a connection
 * of its own runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`.
 *
 * Why: a checkpoint copies the WAL's pages back into the database file and fsyncs both. Run by
 * the committing connection (SQLite's auto-checkpoint), it held the event loop for 50–110 ms
 * about once a second under a steady write load (most of it waiting for the two fsyncs), and
 * every request in flight waited with it (issue 8, docs/performance.md "Write path").
 *
 * A PASSIVE checkpoint takes no lock a writer or reader needs: the store's connection keeps
 * committing while the worker copies what is already committed, and the next write after a
 * complete checkpoint starts the WAL over. The store's connection keeps its own auto-checkpoint
 * (`WAL_AUTOCHECKPOINT_PAGES`) as the fallback should the worker fall behind or fail. A
 * checkpoint changes no data: the store's `PRAGMA data_version` does not move, its memos stay.
 *
 * `stop()` is synchronous (the store's `close` is): it asks the worker to close its connection and
 * waits for it on a shared flag, so that the store's own close is the last one and folds the WAL
 * into one self-contained file.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Default time between two passive checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 100;
/** How long `stop()` waits for the worker to close its connection (a checkpoint in progress finishes first). */
const STOP_WAIT_MS = 10_000;

/** What one passive checkpoint did (SQLite's answer to `PRAGMA wal_checkpoint`). */
export interface CheckpointResult {
  /** 1 when the checkpoint could not run to the end (a reader still needs older pages). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames now copied into the database file. */
  checkpointed: number;
}

// The flag the worker sets: index 0 is 1 once it holds no connection (closed, or it never opened).
const CLOSED = 0;

/**
 * The worker, as CommonJS source (run with `eval`, so the same code serves `dist/` and the tests'
 * TypeScript). Messages in: 'checkpoint' (answers { id, result } or { id, error }) and 'stop'.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
let db;
let timer;
function closed() {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
function checkpoint() {
  const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
  return { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
}
try {
  const Database = require(workerData.sqlite);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 0');
} catch (err) {
  db = undefined;
  closed();
}
if (db !== undefined) {
  timer = setInterval(() => {
    try { checkpoint(); } catch { /* busy or gone: the next tick tries again */ }
  }, workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m.type === 'stop') {
    if (timer !== undefined) clearInterval(timer);
    try { if (db !== undefined) db.close(); } catch { /* closing anyway */ }
    db = undefined;
    closed();
    parentPort.close();
    return;
  }
  if (m.type === 'checkpoint') {
    if (db === undefined) return parentPort.postMessage({ id: m.id, error: 'the checkpointer has no connection' });
    try { parentPort.postMessage({ id: m.id, result: checkpoint() }); }
    catch (err) { parentPort.postMessage({ id: m.id, error: String(err && err.message || err) }); }
  }
});
`;

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

export class Checkpointer {
  private readonly worker: Worker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private stopped = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: CheckpointResult): void; reject(e: Error): void }>();

  constructor(readonly file: string, readonly intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, sqlite: sqlitePath, intervalMs, flag: this.flag.buffer },
    });
    // A checkpointer never keeps the process alive (but while an answer is awaited, see `checkpoint`).
    this.worker.unref();
    this.worker.on('message', (m: { id: number; result?: CheckpointResult; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    const fail = (why: string) => {
      Atomics.store(this.flag, CLOSED, 1);
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(`the checkpointer failed: ${err.message}`));
    this.worker.on('exit', () => fail('the checkpointer has stopped'));
  }

  /** True while the worker holds its connection (or is still opening it). */
  get running(): boolean {
    return !this.stopped && Atomics.load(this.flag, CLOSED) === 0;
  }

  /** One passive checkpoint now, besides the timer's (tests, and anyone who wants the WAL folded). */
  checkpoint(): Promise<CheckpointResult> {
    if (!this.running) return Promise.reject(new Error('the checkpointer has no connection'));
    const id = this.nextId++;
    const answered = () => {
      if (this.pending.size === 0) this.worker.unref();
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (r) => (resolve(r), answered()),
        reject: (e) => (reject(e), answered()),
      });
      this.worker.ref();
      this.worker.postMessage({ type: 'checkpoint', id });
    });
  }

  /** Closes the worker's connection, waiting for it (a checkpoint in progress ends first). Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage({ type: 'stop' });
    Atomics.wait(this.flag, CLOSED, 0, STOP_WAIT_MS);
    void this.worker.terminate();
  }
}
