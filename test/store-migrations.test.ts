/**
 * Schema migrations (src/store/migrations.ts): a database file written by an older emulator is
 * brought up to date when it opens, its data kept; a newer one is refused and left as it is.
 * Migration 4 counts the packs per owner (List's TotalCount, Create's limit check); migration 5
 * keeps each evaluation result's history across runs.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../src/store/migrations.js';
import { Store, type CompliancePack } from '../src/store/index.js';
import { openDescriptorsOf, tempDbFile } from './helpers.js';

const ACCOUNT = 1009318965421234;
/** What a file from before migration 5 lacks. */
const UNDO_RESULT_HISTORY = 'ALTER TABLE evaluation_results DROP COLUMN last_non_compliant_at; ALTER TABLE evaluation_results DROP COLUMN last_fixed_at;';
const pack = (id: string, aggregatorId: string): CompliancePack => ({
  compliancePackId: id, accountId: ACCOUNT, aggregatorId, name: id, description: '', templateId: '', riskLevel: 1, scope: {},
  templateContent: '', createdAt: 1, readyAt: 1,
});

t.test('a version-4 file (before result history) is upgraded: its NON_COMPLIANT results were last found so when evaluated', async (t) => {
  const file = tempDbFile(t);
  const old = Store.open(file);
  const result = (resourceId: string, complianceType: 'COMPLIANT' | 'NON_COMPLIANT') => ({
    configRuleId: 'cr-1', accountId: ACCOUNT, resourceType: 'ACS::OSS::Bucket', resourceId, resourceName: resourceId, resourceGroupId: '',
    regionId: 'cn-hangzhou', complianceType, annotation: '', riskLevel: 1, evaluatedAt: 5000, invokingEventMessageType: 'ConfigurationItemChangeNotification',
  });
  old.transaction(() => old.evaluations.replaceForRule('cr-1', [result('bad', 'NON_COMPLIANT'), result('good', 'COMPLIANT')]));
  old.close();
  const raw = new Database(file);
  raw.exec(UNDO_RESULT_HISTORY);
  raw.pragma('user_version = 4');
  raw.close();

  const store = Store.open(file);
  t.teardown(() => store.close());
  t.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  const byId = Object.fromEntries(store.evaluations.byRule('cr-1').map((r) => [r.resourceId, r]));
  t.match(byId.bad, { complianceType: 'NON_COMPLIANT', lastNonCompliantAt: 5000, lastFixedAt: 0 });
  t.match(byId.good, { complianceType: 'COMPLIANT', lastNonCompliantAt: 0, lastFixedAt: 0 });
});

t.test('a version-3 file (before the pack counts) is upgraded when it opens: counts built from its packs', async (t) => {
  const file = tempDbFile(t);
  const old = Store.open(file);
  old.transaction(() => {
    old.accounts.upsert({ accountId: ACCOUNT, accountName: 'a', configEnabled: true });
    for (let i = 0; i < 30; i++) old.packs.insert(pack(`cp-a${i}`, 'ca-1'));
    for (let i = 0; i < 7; i++) old.packs.insert(pack(`cp-b${i}`, ''));
  });
  old.close();
  // What a version-3 emulator left: no count table, no triggers, user_version 3.
  const raw = new Database(file);
  raw.exec(`DROP TRIGGER compliance_pack_counts_insert; DROP TRIGGER compliance_pack_counts_delete;
    DROP TRIGGER compliance_pack_counts_move; DROP TABLE compliance_pack_counts; ${UNDO_RESULT_HISTORY}`);
  raw.pragma('user_version = 3');
  raw.close();

  const store = Store.open(file);
  t.teardown(() => store.close());
  t.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length, 'brought up to the latest version');
  t.equal(store.packs.count(ACCOUNT, 'ca-1'), 30, "the aggregator's packs counted");
  t.equal(store.packs.count(ACCOUNT, ''), 7, 'the single-account packs counted');
  t.equal(store.packs.get('cp-a17')?.aggregatorId, 'ca-1', 'the data is kept');
  store.transaction(() => store.packs.insert(pack('cp-a30', 'ca-1')));
  t.equal(store.packs.count(ACCOUNT, 'ca-1'), 31, 'the triggers keep the count from then on');
});

t.test('a file from a newer emulator is refused, and left as it is', async (t) => {
  const file = tempDbFile(t);
  Store.open(file).close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  t.throws(() => Store.open(file), /newer than this emulator/);
  const open = openDescriptorsOf(file);
  if (open === undefined) t.comment('no /proc here: the closed connection is not checked');
  else t.equal(open, 0, 'the refused database is closed again');
  const again = new Database(file);
  t.equal(again.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
  again.close();
});
