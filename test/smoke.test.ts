import t from 'tap';
import { call, DEMO, testApp } from './helpers.js';

t.test('the original page request works against the demo fixtures', async (t) => {
  const em = await testApp(t);
  const res = await call(em, 'GetAggregateCompliancePackReport', { AggregatorId: DEMO.aggregatorId, CompliancePackId: DEMO.compliancePackId });
  t.equal(res.status, 200);
  t.equal(res.json.CompliancePackReport.ReportStatus, 'COMPLETE');
});
