/**
 * WAL checkpoints of a database file, taken off the event loop: a worker thread with a connection
 * of its own runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`.
 *
 * Why: a checkpoint copies the WAL's pages back into the database file and fsyncs both. Run by
 * the committing connection (SQLite's auto-checkpoint), it held the event loop for 50–110 ms
 * about once a second under a steady write load (most of it waiting for the two fsyncs), and
 * every request in flight waited with it (issue 8, docs/performance.md "WAL checkpoints off the
 * event loop").
 *
 * A passive checkpoint never waits for a lock and never takes the write lock: the store's
 * connection keeps committing while the worker copies what is already committed (while it copies,
 * it holds the checkpoint lock and a read mark the store's connection steps around). The WAL
 * starts over at the first write after a checkpoint that caught up with it. Under a steady write
 * load the worker rarely catches up, so the store's own auto-checkpoint (`WAL_AUTOCHECKPOINT_PAGES`)
 * still runs on the event loop when the WAL reaches its size, with little left to copy and sync;
 * it is also the fallback should the worker fail. A checkpoint changes no data: the store's
 * `PRAGMA data_version` does not move, its memos stay.
 *
 * `stop()` is synchronous (the store's `close` is): it asks the worker to close its connection and
 * waits for it on a shared flag, so that the store's own close is the last one and folds the WAL
 * into one self-contained file.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Default time between two passive checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 100;
/**
 * How long `stop()` waits for a worker that holds its connection to close it: a checkpoint in
 * progress ends first (tens of ms). Below main.ts's 5 s shutdown bound.
 */
const STOP_WAIT_MS = 3_000;
/**
 * How long `stop()` waits for a worker that has not opened its connection yet (thread start and
 * open take 50–100 ms here). A thread that never starts (ERR_WORKER_INIT_FAILED is reported
 * later, on the event loop) must not hold `close` for long.
 */
const START_WAIT_MS = 1_000;

/** What one passive checkpoint did (SQLite's answer to `PRAGMA wal_checkpoint`). */
export interface CheckpointResult {
  /** 1 when the checkpoint could not run to the end (a reader still needs older pages, or another checkpoint runs). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames now copied into the database file. */
  checkpointed: number;
}

/** The worker's state, in a shared Int32Array (index 0), so `stop()` can wait for it. */
const STARTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * The worker, as CommonJS source (run with `eval`, so the same code serves `dist/` and the tests'
 * TypeScript). Messages in: 'checkpoint' (answers { id, result } or { id, error }) and 'stop'; with
 * `reportTicks`, every timer checkpoint is posted as { tick: result } (tests).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.state);
let db;
let stmt;
let timer;
function setState(s) {
  Atomics.store(state, 0, s);
  Atomics.notify(state, 0);
}
function checkpoint() {
  const row = stmt.get();
  return { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
}
function close() {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  try { if (db !== undefined) db.close(); } catch { /* closing anyway */ }
  db = undefined;
  setState(${CLOSED});
}
process.on('exit', close);
try {
  const Database = require(workerData.sqlite);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  stmt = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  setState(${OPEN});
} catch (err) {
  close();
  parentPort.postMessage({ failed: String((err && err.message) || err) });
}
if (db !== undefined) {
  timer = setInterval(() => {
    try {
      const r = checkpoint();
      if (workerData.reportTicks) parentPort.postMessage({ tick: r });
    } catch { /* the file is gone or unreadable: the next tick tries again */ }
  }, workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m.type === 'stop') {
    close();
    parentPort.close();
    return;
  }
  if (m.type === 'checkpoint') {
    if (db === undefined) return parentPort.postMessage({ id: m.id, error: 'the checkpointer has no connection' });
    try { parentPort.postMessage({ id: m.id, result: checkpoint() }); }
    catch (err) { parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) }); }
  }
});
`;

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

/** The one wording of a checkpointer's trouble (the emulator logs it as a warning). */
export function checkpointerTrouble(file: string, what: string): string {
  return `WAL checkpointer for ${file}: ${what}; SQLite's auto-checkpoint on the store's connection takes over`;
}

export interface CheckpointerOptions {
  /** Time between two passive checkpoints (default CHECKPOINT_INTERVAL_MS). */
  intervalMs?: number;
  /** Called with the result of every timer checkpoint (tests). */
  onTick?: (result: CheckpointResult) => void;
  /** Told when the worker cannot open the file, fails or stops on its own (the store then relies on SQLite's auto-checkpoint). */
  onError?: (message: string) => void;
}

export class Checkpointer {
  private readonly worker: Worker;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private stopped = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: CheckpointResult): void; reject(e: Error): void }>();

  /** `file`: an absolute path (the worker opens it later, perhaps after a chdir). */
  constructor(readonly file: string, options: CheckpointerOptions = {}) {
    const onTick = options.onTick;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, sqlite: sqlitePath, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS, state: this.state.buffer, reportTicks: onTick !== undefined },
    });
    // A checkpointer never keeps the process alive (but while an answer is awaited, see `checkpoint`).
    this.worker.unref();
    const onError = options.onError;
    const tell = (what: string) => onError?.(checkpointerTrouble(file, what));
    this.worker.on('message', (m: { id: number; result?: CheckpointResult; error?: string; tick?: CheckpointResult; failed?: string }) => {
      if (m.tick !== undefined) return onTick?.(m.tick);
      if (m.failed !== undefined) return tell(`cannot open the file (${m.failed})`);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    const fail = (why: string) => {
      Atomics.store(this.state, 0, CLOSED);
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    // Failures leave the store on SQLite's own auto-checkpoint; nothing else depends on the worker.
    this.worker.on('error', (err) => {
      fail(`the checkpointer failed: ${err.message}`);
      tell(`the thread failed (${err.message})`);
    });
    this.worker.on('exit', (code) => {
      fail('the checkpointer has stopped');
      if (!this.stopped) tell(`the thread stopped (exit code ${code})`);
    });
  }

  /** True while the worker holds its connection (or is still opening it). */
  get running(): boolean {
    return !this.stopped && Atomics.load(this.state, 0) !== CLOSED;
  }

  /** True while the worker has its connection open (what `stop()` waits to see closed). */
  get holdsConnection(): boolean {
    return Atomics.load(this.state, 0) === OPEN;
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

  /**
   * Closes the worker's connection and waits for that (a checkpoint in progress ends first); a
   * worker still starting gets START_WAIT_MS to open and close. Then the thread is terminated.
   * Idempotent.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage({ type: 'stop' });
    if (Atomics.load(this.state, 0) === STARTING) Atomics.wait(this.state, 0, STARTING, START_WAIT_MS);
    if (Atomics.load(this.state, 0) === OPEN) Atomics.wait(this.state, 0, OPEN, STOP_WAIT_MS);
    void this.worker.terminate();
  }
}
