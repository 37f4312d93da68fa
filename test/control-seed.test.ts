import t, { type Test } from 'tap';
import { buildApp, type Emulator } from '../src/app.js';
import { EmulatorClock } from '../src/clock.js';
import { DEMO, NOW } from './helpers.js';
import { ctl } from './control-helpers.js';

/** An emulator as `--seed N` builds it: no injected id generator, only the config seed. */
async function seeded(t: Test, seed: number | undefined): Promise<Emulator> {
  const clock = new EmulatorClock(() => NOW);
  clock.freeze(true);
  const em = await buildApp({ clock, config: { db: ':memory:', seed } });
  t.teardown(() => em.app.close());
  return em;
}

async function script(em: Emulator): Promise<string[]> {
  const bodies: string[] = [];
  const rpc = async (qs: Record<string, string>) => {
    const res = await em.app.inject({ method: 'GET', url: `/?${new URLSearchParams({ Version: '2020-09-07', Format: 'JSON', ...qs })}` });
    bodies.push(res.body);
    return JSON.parse(res.body) as Record<string, any>;
  };
  const agg = await rpc({
    Action: 'CreateAggregator', AggregatorName: 'seeded', AggregatorType: 'CUSTOM',
    AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountType: 'ResourceDirectory' }]),
  });
  const pack = await rpc({
    Action: 'CreateAggregateCompliancePack', AggregatorId: agg.AggregatorId, CompliancePackName: 'seeded pack',
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'ram-user-mfa-check' }]),
  });
  await rpc({ Action: 'GetAggregateCompliancePack', AggregatorId: agg.AggregatorId, CompliancePackId: pack.CompliancePackId });
  await rpc({ Action: 'GetAggregator', AggregatorId: 'ca-00000000000000000000' });
  await rpc({ Action: 'NoSuchAction' });
  return bodies;
}

t.test('--seed N: two emulators with the same seed give the same ids and RequestIds for the same calls', async (t) => {
  const a = await script(await seeded(t, 7));
  const b = await script(await seeded(t, 7));
  t.same(b, a, 'byte-identical answers, RequestIds included');
  t.match(a[0], /"AggregatorId":"ca-[0-9a-f]{20}"/);
  const c = await script(await seeded(t, 8));
  t.not(JSON.parse(c[0]).AggregatorId, JSON.parse(a[0]).AggregatorId, 'another seed, other ids');
  t.not(JSON.parse(c[0]).RequestId, JSON.parse(a[0]).RequestId);
  const d = await script(await seeded(t, undefined));
  t.not(JSON.parse(d[0]).RequestId, JSON.parse(a[0]).RequestId, 'no seed: random');
});

t.test('the seed survives a reset: ids go on from the same sequence, so whole runs repeat', async (t) => {
  const runs: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const em = await seeded(t, 99);
    const first = await script(em);
    await ctl(em, 'POST', '/_emulator/reset');
    runs.push([...first, ...(await script(em))]);
  }
  t.same(runs[1], runs[0]);
});
