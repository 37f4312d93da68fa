/**
 * The docs stay true: the README's configuration table names every option (flag and environment
 * variable), and every document it links exists.
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
