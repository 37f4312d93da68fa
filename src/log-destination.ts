/**
 * Where JSON log lines go: gathered here and handed to the writer in batches of at least
 * `minLength` characters, and at least every `intervalMs` (a line shows within that time while a
 * busy emulator makes one write for dozens of calls). What is left is written when the process exits.
 *
 * The batch is kept as an array of lines and joined once per batch. sonic-boom's own `minLength`
 * batching appends each line to one growing string and measures that string's UTF-8 length on
 * every write (`Buffer.byteLength` of the whole batch so far, flattening it each time): about 10k
 * instructions per log line at a 4 KiB batch, a twentieth of a whole Get (docs/performance.md).
 */
export interface LineWriter {
  write(data: string): unknown;
  flush?(cb?: (err?: Error | null) => void): void;
  flushSync?(): void;
}

export interface BatchedLines {
  /** pino's destination API: one call per log line. */
  write(line: string): boolean;
  /** Hands what is gathered to the writer (then the writer's own flush, if any). */
  flush(cb?: (err?: Error | null) => void): void;
  /** Hands what is gathered to the writer and has it written synchronously (exit). */
  flushSync(): void;
}

export function batchedLines(target: LineWriter, minLength = 4096): BatchedLines {
  let lines: string[] = [];
  let length = 0;
  const handOver = () => {
    if (lines.length === 0) return;
    const batch = lines.length === 1 ? lines[0] : lines.join('');
    lines = [];
    length = 0;
    target.write(batch);
  };
  return {
    write(line) {
      lines.push(line);
      length += line.length;
      if (length >= minLength) handOver();
      return true;
    },
    flush(cb) {
      handOver();
      if (target.flush) target.flush(cb);
      else cb?.();
    },
    flushSync() {
      handOver();
      target.flushSync?.();
    },
  };
}

// The text of the last millisecond: several lines share one under load.
let lastMs = -1;
let lastTime = '';

/**
 * pino's `epochTime` timestamp (`,"time":<ms since the epoch>`), the text kept while the
 * millisecond is the same: a 13-digit number is no small integer, and V8 renders it anew each
 * time (~1k instructions a line).
 */
export function epochTimeText(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `,"time":${ms}`;
  }
  return lastTime;
}
