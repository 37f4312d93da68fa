/**
 * Reading a V8 .cpuprofile (node --cpu-prof): self time per function and per source file, so the
 * run can print where the server's time goes.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile { nodes: Node[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number }

export interface ProfileRow { name: string; selfPct: number }
export interface ProfileSummary { totalMs: number; idlePct: number; functions: ProfileRow[]; files: ProfileRow[] }

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

/** `skipMs`: ignore the first milliseconds of the profile (start-up and warm-up). */
export function summarizeProfile(file: string, top = 25, skipMs = 0): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Self time per node from samples and time deltas (hitCount alone ignores sample spacing).
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i] ?? 0));
  }
  let total = 0;
  for (const v of self.values()) total += v;
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)') idle += us;
    const where = shortUrl(f.url);
    const key = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    files.set(where, (files.get(where) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, selfPct: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), idlePct: Math.round((idle / total) * 1000) / 10, functions: rows(fn), files: rows(files) };
}
