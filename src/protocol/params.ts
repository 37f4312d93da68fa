/**
 * Action parameter schemas and their wire decoding.
 *
 * An action declares its parameters with the `p.*` builders; the schema is compiled once at start-up
 * into a decoder that turns the flat wire parameters (strings) into typed values:
 *   - scalars: String, Integer, Long, Boolean;
 *   - structured parameters, which the SDKs send either as ONE JSON string (`ConfigRules=[{...}]`)
 *     or flattened RPC style (`ConfigRules.1.ManagedRuleIdentifier=...`, 1-based);
 *   - string lists sent flattened (`ResourceId.1=...`), as a JSON array, or comma-joined.
 * Required parameters that are missing answer `Missing{Name}`; values of the wrong type answer
 * `Invalid{Name}` unless the schema names the action's own documented error.
 */
import { ApiError, Errors } from '../errors.js';
import type { Params } from './form.js';

export interface Base {
  required?: boolean;
  /** The documented error for a bad value, when the action has one (e.g. Invalid.ConfigRules.Value). */
  invalid?: () => ApiError;
}
export type ParamSpec =
  | (Base & { kind: 'string'; maxLength?: number; enum?: readonly string[]; caseInsensitive?: boolean; asciiOnly?: boolean })
  | (Base & { kind: 'integer'; min?: number; max?: number })
  | (Base & { kind: 'long' })
  | (Base & { kind: 'boolean' })
  | (Base & { kind: 'json'; shape: 'array' | 'object' })
  | (Base & { kind: 'list' });

export type ParamSchema = Record<string, ParamSpec>;

type ValueOf<S extends ParamSpec> = S extends { kind: 'string' }
  ? S extends { enum: readonly (infer E)[] }
    ? E
    : string
  : S extends { kind: 'integer' | 'long' }
    ? number
    : S extends { kind: 'boolean' }
      ? boolean
      : S extends { kind: 'list' }
        ? string[]
        : S extends { kind: 'json'; shape: 'array' }
          ? unknown[]
          : Record<string, unknown>;

/** The typed parameter object a handler receives. */
export type ParamValues<S extends ParamSchema> = {
  [K in keyof S as S[K] extends { required: true } ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as S[K] extends { required: true } ? never : K]?: ValueOf<S[K]>;
};

/** Longest value of a string parameter without its own maxLength. */
export const DEFAULT_MAX_LENGTH = 4096;
/** Deepest nesting of a structured parameter (JSON string or flattened keys). */
export const MAX_JSON_DEPTH = 12;
/** Longest JSON-string value of a structured parameter (1000 aggregator members fit easily). */
export const MAX_JSON_LENGTH = 262_144;

export const p = {
  string: <O extends Omit<Extract<ParamSpec, { kind: 'string' }>, 'kind'>>(o?: O) => ({ kind: 'string' as const, ...(o as O) }),
  integer: <O extends Omit<Extract<ParamSpec, { kind: 'integer' }>, 'kind'>>(o?: O) => ({ kind: 'integer' as const, ...(o as O) }),
  long: <O extends Omit<Extract<ParamSpec, { kind: 'long' }>, 'kind'>>(o?: O) => ({ kind: 'long' as const, ...(o as O) }),
  boolean: <O extends Omit<Extract<ParamSpec, { kind: 'boolean' }>, 'kind'>>(o?: O) => ({ kind: 'boolean' as const, ...(o as O) }),
  jsonArray: <O extends Omit<Extract<ParamSpec, { kind: 'json' }>, 'kind' | 'shape'>>(o?: O) => ({ kind: 'json' as const, shape: 'array' as const, ...(o as O) }),
  jsonObject: <O extends Omit<Extract<ParamSpec, { kind: 'json' }>, 'kind' | 'shape'>>(o?: O) => ({ kind: 'json' as const, shape: 'object' as const, ...(o as O) }),
  list: <O extends Omit<Extract<ParamSpec, { kind: 'list' }>, 'kind'>>(o?: O) => ({ kind: 'list' as const, ...(o as O) }),
};

function depth(v: unknown, d = 0): number {
  if (d > MAX_JSON_DEPTH) return d;
  if (Array.isArray(v)) return v.reduce<number>((m, x) => Math.max(m, depth(x, d + 1)), d + 1);
  if (v && typeof v === 'object') return Object.values(v).reduce<number>((m, x) => Math.max(m, depth(x, d + 1)), d + 1);
  return d;
}

/**
 * Rebuilds `Name.1.Key=v` / `Name.Key=v` parameters into arrays and objects. Numeric segments are
 * 1-based array positions; gaps are dropped, keeping the order of the indexes.
 */
export function unflatten(params: Params, name: string, bad: () => ApiError = () => Errors.invalidParameter(name)): unknown {
  const prefix = name + '.';
  const root: Record<string, unknown> = {};
  let found = false;
  for (const key in params) {
    if (!key.startsWith(prefix)) continue;
    found = true;
    const path = key.slice(prefix.length).split('.');
    // Deeper than any JSON value accepts: refuse before building (and recursing into) it.
    if (path.length > MAX_JSON_DEPTH) throw bad();
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (seg === '__proto__' || seg === 'constructor' || seg === 'prototype') break;
      if (i === path.length - 1) node[seg] = params[key];
      else {
        const next = node[seg];
        if (next === undefined || typeof next !== 'object') node[seg] = {};
        node = node[seg] as Record<string, unknown>;
      }
    }
  }
  return found ? arrayify(root) : undefined;
}

function arrayify(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every((k) => /^[1-9]\d{0,3}$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => arrayify(obj[String(k)]));
  }
  for (const k of keys) obj[k] = arrayify(obj[k]);
  return obj;
}

export type Decoder<S extends ParamSchema> = (params: Params) => ParamValues<S>;

/** Compiles a schema into a decoder, once per action at start-up. */
export function compileSchema<S extends ParamSchema>(schema: S): Decoder<S> {
  const entries = Object.entries(schema);
  return (params) => {
    const out: Record<string, unknown> = {};
    for (const [name, spec] of entries) {
      const bad = () => (spec.invalid ? spec.invalid() : Errors.invalidParameter(name));
      const raw = params[name];
      let value: unknown;
      switch (spec.kind) {
        case 'json': {
          if (raw !== undefined) {
            if (raw.trim() === '') break;
            if (raw.length > MAX_JSON_LENGTH) throw bad();
            try {
              value = JSON.parse(raw);
            } catch {
              throw bad();
            }
          } else value = unflatten(params, name, bad);
          if (value === undefined) break;
          const isArray = Array.isArray(value);
          if (spec.shape === 'array' ? !isArray : isArray || value === null || typeof value !== 'object') throw bad();
          if (depth(value) > MAX_JSON_DEPTH) throw bad();
          break;
        }
        case 'list': {
          if (raw !== undefined) {
            if (raw.length > MAX_JSON_LENGTH) throw bad();
            const t = raw.trim();
            if (t.startsWith('[')) {
              let arr: unknown;
              try {
                arr = JSON.parse(t);
              } catch {
                throw bad();
              }
              if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string' || typeof x === 'number')) throw bad();
              value = arr.map(String);
            } else value = t === '' ? [] : t.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
          } else {
            const flat = unflatten(params, name, bad);
            if (flat === undefined) break;
            if (!Array.isArray(flat) || !flat.every((x) => typeof x === 'string')) throw bad();
            value = flat;
          }
          break;
        }
        default: {
          if (raw === undefined) break;
          value = decodeScalar(spec, raw, bad);
        }
      }
      if (value === undefined) {
        if (spec.required) throw Errors.missingParameter(name);
        continue;
      }
      out[name] = value;
    }
    return out as ParamValues<S>;
  };
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function decodeScalar(spec: ParamSpec, raw: string, bad: () => ApiError): unknown {
  switch (spec.kind) {
    case 'string': {
      if (raw.length > (spec.maxLength ?? DEFAULT_MAX_LENGTH)) throw bad();
      if (spec.asciiOnly && !ASCII.test(raw)) throw bad();
      if (spec.enum) {
        const hit = spec.caseInsensitive ? spec.enum.find((x) => x.toLowerCase() === raw.toLowerCase()) : spec.enum.find((x) => x === raw);
        if (hit === undefined) throw bad();
        return hit;
      }
      return raw;
    }
    case 'integer':
    case 'long': {
      const t = raw.trim();
      if (!/^-?\d{1,16}$/.test(t)) throw bad();
      const n = Number(t);
      if (!Number.isSafeInteger(n)) throw bad();
      if (spec.kind === 'integer') {
        if (n < (spec.min ?? -(2 ** 31)) || n > (spec.max ?? 2 ** 31 - 1)) throw bad();
      }
      return n;
    }
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw bad();
    }
    default:
      return raw;
  }
}

/** Root names a request's parameters use (`ConfigRules.1.X` -> `ConfigRules`). */
export function rootName(key: string): string {
  const dot = key.indexOf('.');
  return dot === -1 ? key : key.slice(0, dot);
}
