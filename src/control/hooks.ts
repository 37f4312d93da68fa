/**
 * The control plane's hook points in the RPC pipeline (src/routes/rpc.ts):
 *
 *   beforeRun after auth and dispatch: injected faults (latency, then a catalog error thrown as an
 *             ApiError so the normal serializer renders it), lifecycle read counters (their store
 *             write is the `prelude`, run in the action's transaction), and the
 *             per-request lifecycle modes (x-emulator-* headers) -> ctx.reportDelayMs
 *   afterRun  after a successful action: lifecycle creation modes for new packs/aggregators/reports
 *   finished  once the answer is sent: one journal entry
 *
 * Every hook is synchronous: the route awaits only when a fault rule adds latency, so a call that
 * no rule matches pays no promise.
 */
import type { Services } from '../actions/define.js';
import type { CallRecord } from '../routes/rpc.js';
import type { ControlPlane } from './index.js';
import { readyOffset, type PendingReads, type RequestModes } from './lifecycle.js';
import type { HeaderBag } from './lifecycle.js';

/** What beforeRun hands back to the route for this call. */
export interface RunControl {
  action: string;
  accountId: number;
  reportDelayMs: number;
  createReadyMs: { compliancePacks: number; aggregators: number };
  modes: RequestModes;
  /** Emulator time of the action: the call's start time, or the time after an injected latency. */
  since: number;
  /**
   * Store writes of the control plane that belong to this call: "reads" lifecycle resources this
   * read makes ready. The route runs them inside the action's transaction, so a failed call rolls
   * them back like any other write of a failed request.
   */
  prelude: () => void;
  /** The pending "reads" resources this read uses up (forgotten once the action succeeded). */
  due: PendingReads[];
}

export interface RpcHooks {
  /** The emulator time a call starts at (journal time). */
  now(): number;
  /**
   * Faults, then the run's lifecycle settings. Returns a promise only when a fault rule adds
   * latency; a fault's error is thrown (or rejected after the latency).
   */
  beforeRun(call: CallRecord, headers: HeaderBag, action: string, accountId: number, params: Record<string, string>): RunControl | Promise<RunControl>;
  afterRun(control: RunControl, result: Record<string, unknown>): void;
  finished(call: CallRecord, method: string, durationMs: number): void;
}

const noPrelude = () => {};

export function rpcHooks(control: ControlPlane, services: Services): RpcHooks {
  // The delays of the last modes seen: the same object call after call unless x-emulator-* headers
  // or a new configuration change them (Lifecycle.requestModes).
  let lastModes: RequestModes | undefined;
  let lastCreateReadyMs = { compliancePacks: 0, aggregators: 0 };
  const settle = (headers: HeaderBag, action: string, accountId: number, params: Record<string, string>, since: number): RunControl => {
    const modes = control.lifecycle.requestModes(headers);
    if (modes !== lastModes) {
      lastModes = modes;
      lastCreateReadyMs = { compliancePacks: readyOffset(modes.create.compliancePacks), aggregators: readyOffset(modes.create.aggregators) };
    }
    const due = control.lifecycle.countReads({ action, accountId, params });
    return {
      action, accountId, reportDelayMs: readyOffset(modes.report), modes, since,
      createReadyMs: lastCreateReadyMs,
      prelude: due.length ? () => control.lifecycle.readyWrite(services.store, due, since) : noPrelude,
      due,
    };
  };
  return {
    now: () => control.clock.now(),
    beforeRun(call, headers, action, accountId, params) {
      const decision = control.faults.decide(action, accountId);
      if (decision) {
        call.fault = { id: decision.ruleId, latencyMs: decision.latencyMs, error: decision.error?.code ?? null };
        if (decision.latencyMs > 0) {
          return control.sleep(decision.latencyMs).then(() => {
            if (decision.error) throw decision.error;
            return settle(headers, action, accountId, params, services.clock.now());
          });
        }
        if (decision.error) throw decision.error;
      }
      // No latency added: the action runs at the call's own time (one clock read per call).
      return settle(headers, action, accountId, params, call.startedAt);
    },
    afterRun(run, result) {
      control.lifecycle.forgetReady(run.due);
      control.lifecycle.afterRun(services.store, { action: run.action, accountId: run.accountId, since: run.since, result, modes: run.modes });
    },
    finished(call, method, durationMs) {
      control.journal.record(call, method, durationMs);
    },
  };
}
