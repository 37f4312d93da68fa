/**
 * Programmatic API for in-process tests:
 *
 *   import { startEmulator } from 'alicloud-config-emulator';
 *   const emu = await startEmulator();            // port 0: a free port
 *   // point an SDK at emu.url with emu.accessKeyId / emu.accessKeySecret
 *   await emu.reset();                            // back to the loaded fixtures
 *   await emu.close();
 */
import { buildApp, loadConfiguredFixtures, type AppOptions, type Emulator } from './app.js';
import { DEFAULT_ACCESS_KEY } from './auth/index.js';
import { schemeOf, type Config } from './config.js';

export type { Config } from './config.js';
export { buildApp } from './app.js';
export { EmulatorClock, SeededIds } from './clock.js';

export interface StartOptions extends Partial<Config> {
  /** Inject a clock (e.g. frozen) or id generator, as the emulator's own tests do. */
  clock?: AppOptions['clock'];
  ids?: AppOptions['ids'];
  /** Pino logger options, or false (the default) for silence. */
  logger?: AppOptions['logger'];
}

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:39871 */
  url: string;
  /** host:port, the form SDK configs take as `endpoint`. */
  endpoint: string;
  port: number;
  accessKeyId: string;
  accessKeySecret: string;
  /** Empties the store and loads the configured fixtures again. */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** The fastify app and services, for advanced use (inject(), the store, the clock). */
  emulator: Emulator;
}

export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const { clock, ids, logger, ...config } = options;
  const emulator = await buildApp({ config: { port: 0, ...config }, clock, ids, logger: logger ?? false });
  const { app, services } = emulator;
  await app.listen({ host: services.config.host, port: services.config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : services.config.port;
  const host = services.config.host === '0.0.0.0' ? '127.0.0.1' : services.config.host;
  const endpoint = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${schemeOf(services.config)}://${endpoint}`,
    endpoint,
    port,
    accessKeyId: DEFAULT_ACCESS_KEY.accessKeyId,
    accessKeySecret: DEFAULT_ACCESS_KEY.secret,
    async reset() {
      services.store.clear();
      emulator.state.loaded = loadConfiguredFixtures(services);
    },
    async close() {
      await app.close();
    },
    emulator,
  };
}
