/**
 * The emulator's control plane under /_emulator/. It is not part of the cloud API and never
 * answers as an Action.
 */
import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../app.js';

export async function emulatorRoutes(app: FastifyInstance, opts: { state: EmulatorState }): Promise<void> {
  app.get('/_emulator/health', async () => ({ status: 'ok' }));
  app.get('/_emulator/ready', async (_req, reply) => {
    if (!opts.state.ready) return reply.code(503).send({ status: 'starting' });
    return { status: 'ready', fixtures: opts.state.loaded };
  });
}
