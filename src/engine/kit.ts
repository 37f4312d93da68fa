/**
 * The evaluator kit: what one managed-rule evaluator is, and the small helpers they share.
 *
 * An evaluator is a pure function of (resource, parameters, env) -> outcome. It reads the resource's
 * configuration with `val` (a missing attribute ends the evaluation as INSUFFICIENT_DATA, naming the
 * property) or `opt` (missing = undefined), and answers with `pass`, `fail`, `notApplicable`.
 * Annotations are JSON strings shaped like the real service's:
 *   {"configuration":"public-read","desiredValue":"read","operator":"NotContains","property":"$.AccessControlList.Grant"}
 */
import type { ComplianceType, InventoryResource } from '../store/index.js';

export type Params = Readonly<Record<string, string>>;
/** What an evaluation may depend on besides the resource and the parameters: the evaluation time. */
export interface EvalEnv {
  now: number;
  /**
   * The account's resources of a type, whatever the rule's scope, for checks that judge a resource
   * by others (a user's custom policies, the account's other trails). evaluateRule gives it; a single
   * evaluation (evaluateManaged) has none.
   */
  resourcesOf?: (resourceType: string) => readonly InventoryResource[];
}
export interface Outcome {
  complianceType: ComplianceType;
  /** '' for compliant results; a JSON string otherwise. */
  annotation: string;
}
export type Evaluator = (resource: InventoryResource, params: Params, env: EvalEnv) => Outcome;

export interface Annotation {
  configuration: unknown;
  desiredValue: unknown;
  operator: string;
  property: string;
  reason?: string;
}

/** Values are written as strings, the way the real annotations show them ("false", "LRS", "[]"). */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function annotate(a: Annotation): string {
  const out: Record<string, string> = {
    configuration: text(a.configuration),
    desiredValue: text(a.desiredValue),
    operator: a.operator,
    property: a.property,
  };
  if (a.reason !== undefined) out.reason = a.reason;
  return JSON.stringify(out);
}

export const pass = (): Outcome => ({ complianceType: 'COMPLIANT', annotation: '' });
export const fail = (a: Annotation): Outcome => ({ complianceType: 'NON_COMPLIANT', annotation: annotate(a) });
export const notApplicable = (property: string, reason: string, configuration: unknown = ''): Outcome => ({
  complianceType: 'NOT_APPLICABLE',
  annotation: annotate({ configuration, desiredValue: '', operator: 'NotApplicable', property, reason }),
});
/** COMPLIANT when `ok`, else NON_COMPLIANT with the annotation. */
export const check = (ok: boolean, a: Annotation): Outcome => (ok ? pass() : fail(a));

/** Thrown by `val` and the parameter readers; the registry turns it into INSUFFICIENT_DATA. */
export class InsufficientData extends Error {
  constructor(readonly property: string, readonly reason: string) {
    super(reason);
  }
}
export function insufficient(property: string, reason = 'No property contains.'): Outcome {
  return { complianceType: 'INSUFFICIENT_DATA', annotation: annotate({ configuration: '', desiredValue: '', operator: 'Exists', property, reason }) };
}

const MISSING = Symbol('missing');
function lookup(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const seg of path.replace(/^\$\.?/, '').split('.')) {
    if (seg === '') continue;
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, seg)) return MISSING;
    node = (node as Record<string, unknown>)[seg];
  }
  return node === null ? MISSING : node;
}

/** An attribute the rule needs: missing -> INSUFFICIENT_DATA. */
export function val(r: InventoryResource, path: string): unknown {
  const v = lookup(r.configuration, path);
  if (v === MISSING) throw new InsufficientData(path, 'No property contains.');
  return v;
}
/** A list value's items: a lone value (a one-item list written without brackets) is a list of one. */
export function items(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null || v === '' ? [] : [v];
}
/** An attribute that may be absent. */
export function opt(r: InventoryResource, path: string): unknown {
  const v = lookup(r.configuration, path);
  return v === MISSING ? undefined : v;
}
/** A list attribute ([] when absent or not a list). */
export function list<T = Record<string, unknown>>(r: InventoryResource, path: string): T[] {
  const v = opt(r, path);
  // A lone object is a one-item list written without brackets (as XML-to-JSON conversions give it).
  return Array.isArray(v) ? (v as T[]) : v !== null && typeof v === 'object' ? [v as T] : [];
}
export const isTrue = (v: unknown): boolean => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
export function num(v: unknown, path: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new InsufficientData(path, `Property ${path} is not a number.`);
  return n;
}

// ---- parameters -------------------------------------------------------------------------------

export function param(p: Params, name: string): string {
  const v = p[name];
  if (v === undefined || v.trim() === '') throw new InsufficientData(`$.parameters.${name}`, `Parameter ${name} is not set.`);
  return v.trim();
}
export function numParam(p: Params, name: string): number {
  const v = Number(param(p, name));
  if (!Number.isFinite(v)) throw new InsufficientData(`$.parameters.${name}`, `Parameter ${name} is not a number.`);
  return v;
}
/** A comma list parameter; [] when unset. */
export function listParam(p: Params, name: string): string[] {
  return (p[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
/** A comma list parameter that must name something: unset or empty is INSUFFICIENT_DATA. */
export function requiredListParam(p: Params, name: string): string[] {
  const list = listParam(p, name);
  if (list.length === 0) throw new InsufficientData(`$.parameters.${name}`, `Parameter ${name} is not set.`);
  return list;
}
/** A comma list of ports (1-65535); any other item is INSUFFICIENT_DATA, not skipped. */
export function portListParam(p: Params, name: string): number[] {
  return listParam(p, name).map((item) => {
    const n = /^\d{1,5}$/.test(item) ? Number(item) : NaN;
    if (!(n >= 1 && n <= 65535)) throw new InsufficientData(`$.parameters.${name}`, `Parameter ${name} is not a comma list of ports: ${item}.`);
    return n;
  });
}
export const boolParam = (p: Params, name: string): boolean => (p[name] ?? '').trim().toLowerCase() === 'true';

// ---- time -------------------------------------------------------------------------------------

export const DAY_MS = 86_400_000;
/** A date attribute (ISO string or ms number) in ms; unparseable -> INSUFFICIENT_DATA. */
export function time(v: unknown, path: string): number {
  // ms since the epoch as a number or as 13 digits (a *TimeStamp in a JSON string), else an ISO date.
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? (/^\d{13}$/.test(v) ? Number(v) : Date.parse(v)) : NaN;
  if (!Number.isFinite(ms)) throw new InsufficientData(path, `Property ${path} is not a date.`);
  return ms;
}
export const daysBetween = (fromMs: number, toMs: number): number => (toMs - fromMs) / DAY_MS;

// ---- network ----------------------------------------------------------------------------------

/** "from/to" port range; -1/-1 means every port. */
export function portRange(range: unknown): [number, number] | undefined {
  const m = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(str(range));
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (from === -1 && to === -1) return [1, 65535];
  return [from, to];
}
export const isAllPorts = (range: unknown): boolean => {
  const r = portRange(range);
  return r !== undefined && r[0] <= 1 && r[1] >= 65535;
};

function ipv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}
/** Whether CIDR `inner` lies inside CIDR `outer` (IPv4; a bare address is a /32). */
export function cidrInside(inner: string, outer: string): boolean {
  const [ia, ip = '32'] = inner.trim().split('/');
  const [oa, op = '32'] = outer.trim().split('/');
  const a = ipv4(ia);
  const b = ipv4(oa);
  const ib = Number(ip);
  const ob = Number(op);
  if (a === undefined || b === undefined || !(ib >= 0 && ib <= 32) || !(ob >= 0 && ob <= 32) || ib < ob) return false;
  const mask = ob === 0 ? 0 : Math.pow(2, 32) - Math.pow(2, 32 - ob);
  const and = (x: number) => Number(BigInt(x) & BigInt(mask));
  return and(a) === and(b);
}
export const PRIVATE_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;
export const isAnyCidr = (cidr: unknown): boolean => {
  const s = str(cidr).trim();
  return s === '0.0.0.0/0' || s === '0.0.0.0';
};
