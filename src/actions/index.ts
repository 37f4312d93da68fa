/**
 * The action registry: exact wire name -> compiled action. To add an action, define it in its
 * family's file and list it there; every family is listed here once.
 */
import { createHash } from 'node:crypto';
import { ApiError, Errors } from '../errors.js';
import { knowParameterNames, type Params } from '../protocol/form.js';
import { COMMON_PARAMS } from '../protocol/common.js';
import { rootName } from '../protocol/params.js';
import aggregators from './aggregators.js';
import aggregateCompliancePacks from './aggregate-compliance-packs.js';
import aggregatePackReports from './aggregate-pack-reports.js';
import complianceResults from './compliance-results.js';
import { ALL_ACTIONS } from './all-actions.js';
import { evaluateRule, forgetRule, forRun } from '../engine/index.js';
import aggregateConfigRules from './aggregate-config-rules.js';
import compliancePacks from './compliance-packs.js';
import configRules from './config-rules.js';
import managedRules from './managed-rules.js';
import ruleReports from './rule-reports.js';
import tags from './tags.js';
import templates from './templates.js';
import type { ActionContext, CompiledAction, Result } from './define.js';

const FAMILIES: CompiledAction[][] = [
  aggregators, aggregateCompliancePacks, aggregatePackReports, compliancePacks, templates, managedRules,
  aggregateConfigRules, configRules, ruleReports, tags, complianceResults,
];

export const ACTIONS: ReadonlyMap<string, CompiledAction> = new Map(FAMILIES.flat().map((a) => [a.name, a]));
for (const action of ACTIONS.values()) knowParameterNames(action.accepts);

/** The action for a wire name; unknown names and real-but-unemulated ones answer differently. */
export function lookupAction(name: string): CompiledAction {
  const action = ACTIONS.get(name);
  if (action) return action;
  if (ALL_ACTIONS.has(name)) throw Errors.notImplemented(name);
  throw Errors.actionNotFound();
}

export const unknownParameter = (name: string, action: string) =>
  new ApiError('InvalidParameter', `The parameter ${name} is not supported by ${action}.`, 400);

/** Refuses parameters the action does not have (strict by default: nothing is silently ignored). */
function checkKnown(action: CompiledAction, params: Params): void {
  for (const key in params) {
    if (COMMON_PARAMS.has(key)) continue;
    if (!action.accepts.has(rootName(key))) throw unknownParameter(key, action.name);
  }
}

export const idempotentParameterMismatch = () =>
  new ApiError('IdempotentParameterMismatch', 'The specified ClientToken was already used with different parameters.', 400);

/** Key-order-independent JSON, so the same parameters always give the same fingerprint. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function fingerprint(params: Record<string, unknown>): string {
  const { ClientToken: _token, ...rest } = params;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

/** An action's parameters once its schema has decoded them (decodeParams). */
export type DecodedParams = Record<string, unknown> & { readonly [decoded]: true };
declare const decoded: unique symbol;

/**
 * The gateway's checks of an action's parameters: no unknown ones, the required ones present, each
 * of its type. Missing{Name} / Invalid{Name} / the action's documented codes.
 */
export function decodeParams(action: CompiledAction, raw: Params): DecodedParams {
  checkKnown(action, raw);
  return action.decode(raw) as DecodedParams;
}

/**
 * Runs the handler with decoded parameters. Writes run atomically, so a failed request changes
 * nothing (the control plane's `prelude` writes included), and answer (the promise settles) only
 * once committed: they join the store's commit group (Store.grouped). A repeated ClientToken with
 * the same parameters returns the first answer. Reads answer at once.
 */
export function runAction(action: CompiledAction, ctx: ActionContext, params: DecodedParams, prelude?: () => void): Result | Promise<Result> {
  // `prelude`: writes of the control plane that belong to this request (a "reads" lifecycle resource
  // made ready by this read); they commit with the action or roll back with it.
  if (action.readOnly) {
    if (!prelude) return ctx.store.read(() => action.handler(ctx, params));
    return ctx.store.transaction(() => {
      prelude();
      return action.handler(ctx, params);
    });
  }
  return ctx.store.grouped(() => {
    prelude?.();
    ctx.store.changes.take(); // forget writes made outside an action (fixture loads)
    const result = runWrite(action, ctx, params);
    reevaluate(ctx);
    return result;
  });
}

/**
 * Evaluation follows every write: each rule the request created, changed or deleted, and every rule
 * of an account group whose members changed, is evaluated again (or its results dropped) once.
 */
function reevaluate(ctx: ActionContext): void {
  const { rules, aggregatorMembers } = ctx.store.changes.take();
  // Inserted by this request: no results yet. (Taken before the group's rules below replace objects.)
  const inserted = new Set<string>();
  for (const [id, written] of rules) if (written !== undefined) inserted.add(id);
  for (const aggregatorId of aggregatorMembers) {
    const owner = ctx.store.aggregators.ownerOf(aggregatorId);
    if (owner === undefined) continue;
    // Read fresh from the store: these rules win over an object recorded by an insert.
    for (const r of ctx.store.rules.owned(owner, aggregatorId)) rules.set(r.configRuleId, r);
  }
  // Several rules (a new pack's, a group's after a member change): the inventory is read once.
  const services = rules.size > 1 ? forRun(ctx) : ctx;
  for (const [id, written] of rules) {
    // A rule inserted by this request is evaluated as written (no read back, no results to replace);
    // others are re-read.
    const rule = written ?? ctx.store.rules.get(id);
    if (rule) evaluateRule(services, rule, ctx.now, undefined, inserted.has(id));
    else forgetRule(ctx, id);
  }
}

/** Runs a write handler, honouring ClientToken: a repeated token with the same parameters returns the first answer. */
function runWrite(action: CompiledAction, ctx: ActionContext, params: Record<string, unknown>): Result {
  const token = typeof params.ClientToken === 'string' && params.ClientToken !== '' ? params.ClientToken : undefined;
  if (token === undefined) return action.handler(ctx, params);
  const fp = fingerprint(params);
  const seen = ctx.store.tokens.get(ctx.accountId, action.name, token);
  if (seen) {
    if (seen.fingerprint !== fp) throw idempotentParameterMismatch();
    return JSON.parse(seen.responseJson) as Result;
  }
  const result = action.handler(ctx, params);
  ctx.store.tokens.put({ accountId: ctx.accountId, action: action.name, token, fingerprint: fp, responseJson: JSON.stringify(result), createdAt: ctx.now });
  return result;
}
