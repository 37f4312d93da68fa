/**
 * What an action is: its exact wire name, its parameter schema, and a handler that applies the
 * business rules and returns a plain object in wire PascalCase. Handlers never see HTTP, never pick
 * a format and never build an envelope; they throw catalog errors (errors.ts).
 */
import type { Catalog } from '../catalog.js';
import type { Clock, IdGenerator } from '../clock.js';
import type { Config } from '../config.js';
import { compileSchema, type Decoder, type ParamSchema, type ParamValues } from '../protocol/params.js';
import type { Store } from '../store/index.js';

/** Long-lived services shared by every request (one set per app). */
export interface Services {
  config: Config;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  catalog: Catalog;
}

/** One request, as an action sees it. */
export interface ActionContext extends Services {
  action: string;
  requestId: string;
  /** The caller's account, resolved from its credentials. */
  accountId: number;
  /** The request's time (ms), read once so a handler sees one instant. */
  now: number;
  /** Base URL for links the answer carries (report downloads), e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** Per-request overrides of lifecycle delays (control plane / x-emulator-* headers). */
  reportDelayMs: number;
  /**
   * How long after its creation a new compliance pack / account group is ready (CREATING until
   * then): --create-delay-ms, the control plane's lifecycle modes or x-emulator-create-* headers.
   * "reads" mode is a very long delay the control plane shortens (src/control/lifecycle.ts).
   */
  createReadyMs: { compliancePacks: number; aggregators: number };
}

export type Result = Record<string, unknown>;

export interface ActionDefinition<S extends ParamSchema = ParamSchema> {
  name: string;
  params: S;
  /** Read-only actions skip the write transaction. Defaults from the name (Get*, List*). */
  readOnly?: boolean;
  handler: (ctx: ActionContext, params: ParamValues<S>) => Result;
}

export interface CompiledAction {
  name: string;
  readOnly: boolean;
  /** Parameter names the action accepts (roots: `ConfigRules` covers `ConfigRules.1.X`). */
  accepts: ReadonlySet<string>;
  decode: Decoder<ParamSchema>;
  handler: (ctx: ActionContext, params: Record<string, unknown>) => Result;
}

export function defineAction<S extends ParamSchema>(def: ActionDefinition<S>): CompiledAction {
  return {
    name: def.name,
    readOnly: def.readOnly ?? /^(Get|List)/.test(def.name),
    accepts: new Set(Object.keys(def.params)),
    decode: compileSchema(def.params) as Decoder<ParamSchema>,
    handler: def.handler as unknown as CompiledAction['handler'],
  };
}
