/**
 * The control plane's hook points in the RPC pipeline (src/routes/rpc.ts):
 *
 *   started   onRequest: the call's start time on the emulator clock
 *   beforeRun after auth and dispatch: injected faults (latency, then a catalog error thrown as an
 *             ApiError so the normal serializer renders it), lifecycle read counters (their store
 *             write is the `prelude`, run in the action's transaction), and the
 *             per-request lifecycle modes (x-emulator-* headers) -> ctx.reportDelayMs
 *   afterRun  after a successful action: lifecycle creation modes for new packs/aggregators/reports
 *   finished  onResponse: one journal entry
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../actions/define.js';
import type { ControlPlane } from './index.js';
import type { JournalFault } from './journal.js';
import { readyOffset, type PendingReads, type RequestModes } from './lifecycle.js';

/** What beforeRun hands back to the route for this call. */
export interface RunControl {
  action: string;
  accountId: number;
  reportDelayMs: number;
  modes: RequestModes;
  /** Emulator time when the action was about to run (after any injected latency). */
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
  started(req: FastifyRequest): void;
  beforeRun(req: FastifyRequest, call: { action: string; accountId: number; params: Record<string, string> }): Promise<RunControl>;
  afterRun(control: RunControl, result: Record<string, unknown>): void;
  finished(req: FastifyRequest, reply: FastifyReply): void;
}

export function rpcHooks(control: ControlPlane, services: Services): RpcHooks {
  const startedAt = new WeakMap<FastifyRequest, number>();
  const faults = new WeakMap<FastifyRequest, JournalFault>();
  return {
    started(req) {
      startedAt.set(req, control.clock.now());
    },
    async beforeRun(req, call) {
      const decision = control.faults.decide(call.action, call.accountId);
      if (decision) {
        faults.set(req, { id: decision.ruleId, latencyMs: decision.latencyMs, error: decision.error?.code ?? null });
        if (decision.latencyMs > 0) await control.sleep(decision.latencyMs);
        if (decision.error) throw decision.error;
      }
      const modes = control.lifecycle.requestModes(req.headers);
      const since = services.clock.now();
      const due = control.lifecycle.countReads(call);
      return {
        action: call.action, accountId: call.accountId, reportDelayMs: readyOffset(modes.report), modes, since,
        prelude: () => control.lifecycle.readyWrite(services.store, due, since),
        due,
      };
    },
    afterRun(run, result) {
      control.lifecycle.forgetReady(run.due);
      control.lifecycle.afterRun(services.store, { action: run.action, accountId: run.accountId, since: run.since, result, modes: run.modes });
    },
    finished(req, reply) {
      const call = req.configCall;
      if (!call) return;
      control.journal.record(call, {
        method: req.method,
        timeMs: startedAt.get(req) ?? control.clock.now(),
        durationMs: reply.elapsedTime,
        fault: faults.get(req),
      });
    },
  };
}
