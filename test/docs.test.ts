/**
 * The docs stay true: the README's configuration table names every option (flag and environment
 * variable), every document it links exists, and docs/actions.md marks what the registry emulates.
 */
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { OPTIONS } from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the README configuration table lists every option', async (t) => {
  for (const o of OPTIONS) {
    t.match(readme, `\`--${o.flag}\``, `--${o.flag} is in the table`);
    t.match(readme, o.env, `${o.env} is in the table`);
  }
});

t.test('the README quick start and its links', async (t) => {
  t.match(readme, 'npm ci && npm start');
  t.match(readme, 'npm ci && npm test');
  for (const [, link] of readme.matchAll(/\]\((docs\/[^)]+)\)/g)) t.ok(existsSync(new URL(`../${link}`, import.meta.url)), `${link} exists`);
});

t.test('docs/actions.md marks exactly the registered actions as emulated, and lists every action once', async (t) => {
  const { ACTIONS } = await import('../src/actions/index.js');
  const { ALL_ACTIONS } = await import('../src/actions/all-actions.js');
  const doc = readFileSync(new URL('../docs/actions.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| ([A-Z][A-Za-z]+) \| ([^|]+) \|/gm)].map(([, name, emulated]) => ({ name, emulated: emulated.trim() })).filter((r) => r.name !== 'Action'); // not the header
  t.same(rows.map((r) => r.name).sort(), [...ALL_ACTIONS].sort(), 'one row per action of the API');
  t.same(rows.filter((r) => r.emulated === 'yes').map((r) => r.name).sort(), [...ACTIONS.keys()].sort(), '"yes" for exactly the registered actions');
  t.same(rows.filter((r) => r.emulated !== 'yes').map((r) => r.emulated).filter((e) => e !== 'no: 501 NotImplemented'), [], 'every other row is a 501');
  t.match(doc, `the ${ACTIONS.size} actions`, 'the count in the introduction');
});

t.test('the fixtures example of docs/fixtures.md ("Format") loads as written', async (t) => {
  const { Store } = await import('../src/store/index.js');
  const { loadFixtures } = await import('../src/state/fixtures.js');
  const doc = readFileSync(new URL('../docs/fixtures.md', import.meta.url), 'utf8');
  const example = /## Format[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  t.ok(example, 'the example is there');
  const store = Store.open(':memory:');
  t.teardown(() => store.close());
  const summary = loadFixtures(store, [{ file: 'docs/fixtures.md', fixtures: JSON.parse(example!) }]);
  t.match(summary, { accounts: 2, aggregators: 1, compliancePacks: 1, configRules: 1, reports: 1, resources: 1 });
});
