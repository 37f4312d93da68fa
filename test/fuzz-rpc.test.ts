/**
 * Fuzzing the RPC route (GET|POST /) with fast-check: random and malformed parameters for every
 * registered action, in both request styles, JSON and XML. Every answer keeps the invariants of
 * test/fuzz/harness.ts (never a 5xx but 501/503, parseable, catalog-shaped errors) and a failed
 * request never changes the store.
 */
import t from 'tap';
import { testApp } from './helpers.js';
import { ACTION_NAMES, nearValidRequest, rpcRequest, runProperty, sendChecked, statsLine, StoreWatch } from './fuzz/harness.js';

t.test('random requests over every registered action keep every invariant', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  t.comment(`actions fuzzed: ${ACTION_NAMES.length} (${ACTION_NAMES.join(', ')})`);
  await runProperty(t, rpcRequest, async (req) => {
    await sendChecked(em, watch, req);
  });
  t.comment(statsLine());
});

t.test('near-valid requests (one or two mutations) reach the handlers and keep every invariant', async (t) => {
  const em = await testApp(t);
  const watch = new StoreWatch(em);
  await runProperty(t, nearValidRequest, async (req) => {
    await sendChecked(em, watch, req);
  });
  t.comment(statsLine());
});
