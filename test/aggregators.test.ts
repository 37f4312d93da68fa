import t from 'tap';
import { call, DEMO, expectError, testApp, type TestEmulator, CREATE_DELAY_MS } from './helpers.js';

const sortedKeys = (o: object) => Object.keys(o).sort();
const ALICE = { AccessKeyId: DEMO.aliceKey.id };
const members = (ids: number[]) => JSON.stringify(ids.map((id) => ({ AccountId: id, AccountName: `n${id}`, AccountType: 'ResourceDirectory' })));

async function createGroup(em: TestEmulator, name: string, ids: number[] = [DEMO.aliceAccountId], extra: Record<string, string> = {}) {
  const res = await call(em, 'CreateAggregator', { AggregatorName: name, Description: 'd', AggregatorAccounts: members(ids), ...extra }, { method: 'POST' });
  if (res.status !== 200) throw new Error(res.body);
  return res.json.AggregatorId as string;
}

t.test('AggregatorStatus goes from 0 (creating) to 1 (created) with the clock', async (t) => {
  const em = await testApp(t);
  const id = await createGroup(em, 'g1');
  let got = await call(em, 'GetAggregator', { AggregatorId: id });
  t.equal(got.json.Aggregator.AggregatorStatus, 0);
  const listed = await call(em, 'ListAggregators', { MaxResults: 10 });
  t.equal(listed.json.AggregatorsResult.Aggregators.find((a: { AggregatorId: string }) => a.AggregatorId === id).AggregatorStatus, 0);
  em.clock.advance(CREATE_DELAY_MS);
  got = await call(em, 'GetAggregator', { AggregatorId: id });
  t.equal(got.json.Aggregator.AggregatorStatus, 1);
  // the demo group was loaded from fixtures: created long ago
  got = await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId });
  t.equal(got.json.Aggregator.AggregatorStatus, 1);
});

t.test('aggregator types RD, CUSTOM and FOLDER', async (t) => {
  const em = await testApp(t);
  const rd = await call(em, 'CreateAggregator', { AggregatorName: 'rd', Description: 'd', AggregatorType: 'RD' });
  t.equal(rd.status, 200);
  const rdGot = await call(em, 'GetAggregator', { AggregatorId: rd.json.AggregatorId });
  t.equal(rdGot.json.Aggregator.AggregatorType, 'RD');
  t.equal(rdGot.json.Aggregator.AggregatorAccountCount, 3, 'RD groups hold the whole directory');
  t.equal(rdGot.json.Aggregator.AggregatorAccounts[0].AccountId, DEMO.managementAccountId, 'owner first');

  const folder = await call(em, 'CreateAggregator', { AggregatorName: 'f', Description: 'd', AggregatorType: 'FOLDER', FolderId: 'fd-abc,fd-def' });
  t.equal(folder.status, 200);
  const fGot = await call(em, 'GetAggregator', { AggregatorId: folder.json.AggregatorId });
  t.equal(fGot.json.Aggregator.AggregatorType, 'FOLDER');
  t.equal(fGot.json.Aggregator.FolderId, 'fd-abc,fd-def');
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'f2', Description: 'd', AggregatorType: 'FOLDER' }, { status: 400, code: 'MissingFolderId' });

  const custom = await call(em, 'CreateAggregator', { AggregatorName: 'c', Description: 'd', AggregatorAccounts: members([DEMO.tomAccountId]) });
  const cGot = await call(em, 'GetAggregator', { AggregatorId: custom.json.AggregatorId });
  t.equal(cGot.json.Aggregator.AggregatorType, 'CUSTOM', 'CUSTOM is the default');
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'c2', Description: 'd' }, { status: 400, code: 'Invalid.AggregatorAccounts.Empty' });
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'c3', Description: 'd', AggregatorType: 'OTHER' }, { status: 400, code: 'InvalidAggregatorType' });
  const twin = await call(em, 'CreateAggregator', { AggregatorName: 'c4', Description: 'd', AggregatorAccounts: members([DEMO.tomAccountId]) });
  t.equal(twin.status, 200, 'two CUSTOM groups may share a member list');
  for (const blank of ['', '   ']) {
    await expectError(t, em, 'CreateAggregator', { AggregatorName: blank, Description: 'd', AggregatorType: 'RD' }, { status: 400, code: 'InvalidAggregatorName' });
  }
  await expectError(t, em, 'CreateAggregator', { AggregatorName: 'c5', Description: 'd', AggregatorType: 'RD', ClientToken: 'tok-é' }, { status: 400, code: 'InvalidClientToken' });
  const untyped = await call(em, 'CreateAggregator', { AggregatorName: 'c6', Description: 'd', AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.tomAccountId }]) });
  t.equal(untyped.status, 200, 'CreateAggregator takes the only AccountType when it is left out');
});

t.test('CreateAggregator is idempotent with a ClientToken', async (t) => {
  const em = await testApp(t);
  const params = { AggregatorName: 'tok', Description: 'd', AggregatorAccounts: members([DEMO.aliceAccountId]), ClientToken: 'tok-1' };
  const a = await call(em, 'CreateAggregator', params);
  const b = await call(em, 'CreateAggregator', params);
  t.equal(a.status, 200);
  t.equal(b.json.AggregatorId, a.json.AggregatorId);
  const listed = await call(em, 'ListAggregators', { MaxResults: 100 });
  t.equal(listed.json.AggregatorsResult.Aggregators.length, 2, 'the demo group and one new group');
  await expectError(t, em, 'CreateAggregator', { ...params, AggregatorName: 'other' }, { status: 400, code: 'IdempotentParameterMismatch' });
});

t.test('UpdateAggregator', async (t) => {
  const em = await testApp(t);
  const id = await createGroup(em, 'g1');

  await t.test('refuses while the group is still being created', async (t) => {
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, Description: 'x' }, { status: 400, code: 'AggregatorAlreadyPending' });
  });
  em.clock.advance(CREATE_DELAY_MS);

  await t.test('JSON: renames, re-describes and replaces the members', async (t) => {
    const res = await call(em, 'UpdateAggregator', {
      AggregatorId: id,
      AggregatorName: 'renamed',
      Description: 'new description',
      AggregatorAccounts: JSON.stringify([{ accountId: DEMO.tomAccountId, accountName: 'Tom', accountType: 'ResourceDirectory' }, { accountId: DEMO.aliceAccountId, accountType: 'ResourceDirectory' }]),
      Tag: JSON.stringify([{ Key: 'env', Value: 'dev' }]),
    }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['AggregatorId', 'RequestId']);
    t.equal(res.json.AggregatorId, id);
    const got = (await call(em, 'GetAggregator', { AggregatorId: id })).json.Aggregator;
    t.equal(got.AggregatorName, 'renamed');
    t.equal(got.Description, 'new description');
    t.same(got.AggregatorAccounts.map((m: { AccountId: number }) => m.AccountId), [DEMO.tomAccountId, DEMO.aliceAccountId]);
    t.equal(got.AggregatorAccountCount, 2);
    t.same(got.Tags, [{ TagKey: 'env', TagValue: 'dev' }]);
  });

  await t.test('XML: leaves unspecified fields as they were', async (t) => {
    const res = await call(em, 'UpdateAggregator', { AggregatorId: id, Description: 'xml' }, { format: 'XML' });
    t.equal(res.status, 200);
    t.match(res.body, new RegExp(`^<\\?xml version="1.0" encoding="utf-8"\\?><UpdateAggregatorResponse><RequestId>[0-9A-F-]{36}</RequestId><AggregatorId>${id}</AggregatorId></UpdateAggregatorResponse>$`));
    const got = (await call(em, 'GetAggregator', { AggregatorId: id })).json.Aggregator;
    t.equal(got.AggregatorName, 'renamed');
    t.equal(got.Description, 'xml');
    t.equal(got.AggregatorAccountCount, 2);
  });

  await t.test('documented errors, store unchanged', async (t) => {
    await expectError(t, em, 'UpdateAggregator', { Description: 'x' }, { status: 400, code: 'MissingAggregatorId', message: 'AggregatorId is mandatory for this action.' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: 'ca-00000000000000000000' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: '[]' }, { status: 400, code: 'Invalid.AggregatorAccounts.Empty' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: '{"a":1}' }, { status: 400, code: 'Invalid.AggregatorAccounts.Value' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: '[{"AccountId":"x"}]' }, { status: 400, code: 'Invalid.AggregatorAccounts.Value' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: JSON.stringify([{ AccountId: 1, AccountType: 'Other' }]) }, {
      status: 400,
      code: 'Invalid.AccountType.Value',
    });
    // "If you want to update the member list, you must configure both AccountId and AccountType."
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId }]) }, { status: 400, code: 'Invalid.AccountType.Value' });
    const rd = { AccountType: 'ResourceDirectory' };
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: JSON.stringify([{ AccountId: 1, ...rd }, { AccountId: 1, ...rd }]) }, {
      status: 400,
      code: 'AggregatorAccountListItemDuplicated',
    });
    const tooMany = JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ AccountId: i + 1, ...rd })));
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorAccounts: tooMany }, { status: 400, code: 'AggregatorAccountExceedMaxCount' }, { method: 'POST' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorName: 'Test_Group' }, { status: 400, code: 'AggregatorNameDuplicated' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, AggregatorName: '   ' }, { status: 400, code: 'InvalidAggregatorName' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, ClientToken: 'tök' }, { status: 400, code: 'InvalidClientToken' });
    const tagged = JSON.stringify(Array.from({ length: 19 }, (_, i) => ({ Key: `t${i}`, Value: 'v' })));
    t.equal((await call(em, 'UpdateAggregator', { AggregatorId: id, Tag: tagged }, { method: 'POST' })).status, 200, '19 more tags: 20 in all');
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, Description: 'with a 21st tag', Tag: '[{"Key":"t-21","Value":"v"}]' }, { status: 400, code: 'Invalid.Tag.Value' });
    t.equal((await call(em, 'UpdateAggregator', { AggregatorId: id, Tag: '[{"Key":"t0","Value":"new value"}]' })).status, 200, 'a new value for a tag it has is no new tag');
    const other = await createGroup(em, 'other', [DEMO.managementAccountId]);
    em.clock.advance(CREATE_DELAY_MS);
    // Alice is a member of the demo group but does not own it
    await expectError(t, em, 'UpdateAggregator', { ...ALICE, AggregatorId: DEMO.aggregatorId, Description: 'mine' }, { status: 403, code: 'AggregatorMemberNoPermission' });
    // Alice is not a member of this one: it does not exist for her
    await expectError(t, em, 'UpdateAggregator', { ...ALICE, AggregatorId: other, Description: 'mine' }, { status: 400, code: 'Invalid.AggregatorId.Value' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, Tag: '[{"Key":"aliyun:x","Value":"v"}]' }, { status: 400, code: 'Invalid.Tag.Value' });
    await expectError(t, em, 'UpdateAggregator', { AggregatorId: id, Unknown: '1' }, { status: 400, code: 'InvalidParameter' });
  });
});

t.test('DeleteAggregators', async (t) => {
  const em = await testApp(t);
  const a = await createGroup(em, 'a', [DEMO.aliceAccountId]);
  const b = await createGroup(em, 'b', [DEMO.tomAccountId]);
  // a pack with rules inside group a, to see the cascade
  em.clock.advance(CREATE_DELAY_MS);
  const pack = await call(em, 'CreateAggregateCompliancePack', {
    AggregatorId: a,
    CompliancePackName: 'p',
    ConfigRules: JSON.stringify([{ ManagedRuleIdentifier: 'oss-bucket-public-read-prohibited' }]),
  });
  t.equal(pack.status, 200);

  await t.test('JSON: per-item results, unknown ids fail alone', async (t) => {
    const res = await call(em, 'DeleteAggregators', { AggregatorIds: `${a},ca-00000000000000000000` }, { method: 'POST' });
    t.equal(res.status, 200);
    t.same(sortedKeys(res.json), ['OperateAggregatorsResult', 'RequestId']);
    const items = res.json.OperateAggregatorsResult.OperateAggregators;
    t.same(items, [
      { AggregatorId: a, Success: true, ErrorCode: '' },
      { AggregatorId: 'ca-00000000000000000000', Success: false, ErrorCode: 'Invalid.AggregatorId.Value' },
    ]);
    t.same(sortedKeys(items[0]), ['AggregatorId', 'ErrorCode', 'Success']);
    const gone = await call(em, 'GetAggregator', { AggregatorId: a });
    t.equal(gone.json.Code, 'Invalid.AggregatorId.Value');
    const db = em.services.store.db;
    t.equal((db.prepare('SELECT COUNT(*) AS n FROM compliance_packs WHERE aggregator_id = ?').get(a) as { n: number }).n, 0, 'packs of the group are gone');
    t.equal((db.prepare('SELECT COUNT(*) AS n FROM config_rules WHERE aggregator_id = ?').get(a) as { n: number }).n, 0, 'rules of the group are gone');
    t.equal((db.prepare('SELECT COUNT(*) AS n FROM aggregator_members WHERE aggregator_id = ?').get(a) as { n: number }).n, 0);
  });

  await t.test('XML', async (t) => {
    const res = await call(em, 'DeleteAggregators', { AggregatorIds: b }, { format: 'XML' });
    t.equal(res.status, 200);
    t.match(
      res.body,
      `<OperateAggregatorsResult><OperateAggregators><AggregatorId>${b}</AggregatorId><Success>true</Success><ErrorCode></ErrorCode></OperateAggregators></OperateAggregatorsResult></DeleteAggregatorsResponse>`,
    );
  });

  await t.test('a member account cannot delete the group; errors', async (t) => {
    const res = await call(em, 'DeleteAggregators', { ...ALICE, AggregatorIds: DEMO.aggregatorId });
    t.same(res.json.OperateAggregatorsResult.OperateAggregators, [{ AggregatorId: DEMO.aggregatorId, Success: false, ErrorCode: 'AggregatorMemberNoPermission' }]);
    t.equal((await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId })).status, 200);
    await expectError(t, em, 'DeleteAggregators', {}, { status: 400, code: 'MissingAggregatorIds', message: 'AggregatorIds is mandatory for this action.' });
    await expectError(t, em, 'DeleteAggregators', { AggregatorIds: ' , ' }, { status: 400, code: 'Invalid.AggregatorIds.Empty' });
  });
});

t.test('GetAggregator and ListAggregators keep the reference key sets', async (t) => {
  const em = await testApp(t);
  const got = (await call(em, 'GetAggregator', { AggregatorId: DEMO.aggregatorId })).json.Aggregator;
  t.same(sortedKeys(got), [
    'AccountId', 'AggregatorAccountCount', 'AggregatorAccounts', 'AggregatorCreateTimestamp', 'AggregatorId', 'AggregatorName', 'AggregatorStatus',
    'AggregatorType', 'Description', 'FolderId', 'FolderName', 'Tags',
  ]);
  t.same(sortedKeys(got.AggregatorAccounts[0]), ['AccountId', 'AccountName', 'AccountType', 'RecorderStatus']);
  t.type(got.AggregatorCreateTimestamp, 'string', 'a string here, as the reference shows');
  const listed = (await call(em, 'ListAggregators', { MaxResults: 1 })).json.AggregatorsResult.Aggregators[0];
  t.same(sortedKeys(listed), [
    'AccountId', 'AggregatorAccountCount', 'AggregatorCreateTimestamp', 'AggregatorId', 'AggregatorName', 'AggregatorStatus', 'AggregatorType', 'Description', 'FolderId', 'Tags',
  ]);
  t.type(listed.AggregatorCreateTimestamp, 'number');
});

t.test('a repeated DeleteAggregators ClientToken returns the first answer', async (t) => {
  const em = await testApp(t);
  const id = await createGroup(em, 'once');
  const first = await call(em, 'DeleteAggregators', { AggregatorIds: id, ClientToken: 'del-1' });
  const second = await call(em, 'DeleteAggregators', { AggregatorIds: id, ClientToken: 'del-1' });
  t.same(second.json.OperateAggregatorsResult, first.json.OperateAggregatorsResult);
  t.same(second.json.OperateAggregatorsResult.OperateAggregators[0].Success, true);
  const third = await call(em, 'DeleteAggregators', { AggregatorIds: id });
  t.same(third.json.OperateAggregatorsResult.OperateAggregators[0], { AggregatorId: id, Success: false, ErrorCode: 'Invalid.AggregatorId.Value' });
});

t.test('ListAggregators: a NextToken is bound to its Tag filter', async (t) => {
  const em = await testApp(t);
  const tagged = JSON.stringify([{ Key: 'paging', Value: 'yes' }]);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await createGroup(em, `tok-${i}`, [DEMO.aliceAccountId], i % 2 === 0 ? { Tag: tagged } : {}));
  const first = await call(em, 'ListAggregators', { MaxResults: 1, Tag: tagged });
  t.equal(first.status, 200);
  const token = first.json.AggregatorsResult.NextToken as string;
  t.ok(token, 'more tagged groups follow');
  // The filtered cursor stepped over untagged groups: without the filter it would skip them.
  await expectError(t, em, 'ListAggregators', { MaxResults: 1, NextToken: token }, { status: 400, code: 'Invalid.NextToken.Value' });
  await expectError(t, em, 'ListAggregators', { MaxResults: 1, NextToken: token, Tag: JSON.stringify([{ Key: 'paging', Value: 'no' }]) }, { status: 400, code: 'Invalid.NextToken.Value' });
  const next = await call(em, 'ListAggregators', { MaxResults: 1, NextToken: token, Tag: tagged });
  t.equal(next.status, 200, 'the same filter resumes');
  t.notOk(next.json.AggregatorsResult.NextToken, 'last tagged group');
  const both = [first, next].flatMap((r) => r.json.AggregatorsResult.Aggregators.map((a: { AggregatorId: string }) => a.AggregatorId));
  t.same(both, [ids[0], ids[2]], 'only the tagged groups, in order');
  // Unfiltered paging still visits every group once.
  const seen: string[] = [];
  let tok: string | undefined;
  do {
    const res = await call(em, 'ListAggregators', { MaxResults: 2, ...(tok ? { NextToken: tok } : {}) });
    seen.push(...res.json.AggregatorsResult.Aggregators.map((a: { AggregatorId: string }) => a.AggregatorId));
    tok = res.json.AggregatorsResult.NextToken;
  } while (tok);
  t.same(ids.filter((id) => seen.includes(id)), ids, 'every new group listed');
  t.equal(new Set(seen).size, seen.length, 'none twice');
});

t.test('ListAggregators with a Tag filter: the token resumes after the last group given', async (t) => {
  const em = await testApp(t);
  const tag = (v: string) => JSON.stringify([{ Key: 'resume', Value: v }]);
  const ids: string[] = [];
  for (const v of ['yes', 'no', 'no', 'yes']) ids.push(await createGroup(em, `resume-${ids.length}`, [DEMO.aliceAccountId], { Tag: tag(v) }));
  const first = (await call(em, 'ListAggregators', { MaxResults: 1, Tag: tag('yes') })).json.AggregatorsResult;
  t.same(first.Aggregators.map((a: { AggregatorId: string }) => a.AggregatorId), [ids[0]]);
  // Between the calls the second group (looked at and passed over by the first call) is tagged.
  t.equal((await call(em, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'ACS::Config::Aggregator', 'ResourceId.1': ids[1], Tag: tag('yes') })).status, 200);
  const next = (await call(em, 'ListAggregators', { MaxResults: 1, Tag: tag('yes'), NextToken: first.NextToken })).json.AggregatorsResult;
  t.same(next.Aggregators.map((a: { AggregatorId: string }) => a.AggregatorId), [ids[1]], 'the newly tagged group is not skipped');
});
