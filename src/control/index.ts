/**
 * The control plane's services: journal, fault rules, lifecycle modes, the clock it moves and the
 * fixture documents reset goes back to. One instance per app (emulator.control); the routes live in
 * src/routes/emulator.ts and the RPC hook points in src/control/hooks.ts.
 */
import type { EmulatorClock } from '../clock.js';
import type { Config } from '../config.js';
import { FaultInjector } from './faults.js';
import { Journal } from './journal.js';
import { Lifecycle } from './lifecycle.js';
import type { FixtureDoc } from './state.js';

export interface ControlPlane {
  clock: EmulatorClock;
  journal: Journal;
  faults: FaultInjector;
  lifecycle: Lifecycle;
  /** The fixture documents read at start; reset reloads them. */
  fixtureDocs: FixtureDoc[];
  /** How injected latency waits; tests may replace it to record instead of sleeping. */
  sleep: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createControlPlane(config: Config, clock: EmulatorClock, fixtureDocs: FixtureDoc[]): ControlPlane {
  return {
    clock,
    journal: new Journal(config.journalSize),
    faults: new FaultInjector(config.seed),
    lifecycle: new Lifecycle(config.reportDelayMs, config.createDelayMs),
    fixtureDocs,
    sleep: realSleep,
  };
}
