/** Governance rules: ActionTrail trails and required tags (any tagged resource type). */
import { check, param, pass, str, val, type Evaluator } from '../kit.js';

export const actiontrailEnabled: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  return check(status === 'Enable', { configuration: status, desiredValue: 'Enable', operator: 'StringEquals', property: '$.Status' });
};

export const actiontrailTrailIntactEnabled: Evaluator = (r) => {
  const checks: [string, string][] = [['$.Status', 'Enable'], ['$.TrailRegion', 'All'], ['$.EventRW', 'All']];
  for (const [property, desired] of checks) {
    const v = str(val(r, property));
    if (v !== desired) return check(false, { configuration: v, desiredValue: desired, operator: 'StringEquals', property });
  }
  return pass();
};

/** Works on the resource's tags (not its configuration): tag1Key must exist, with tag1Value when set. */
export const requiredTags: Evaluator = (r, p) => {
  const key = param(p, 'tag1Key');
  const value = (p.tag1Value ?? '').trim();
  const has = Object.hasOwn(r.tags, key) && (value === '' || r.tags[key] === value);
  return check(has, {
    configuration: JSON.stringify(r.tags), desiredValue: JSON.stringify({ [key]: value }), operator: 'TagsExist', property: '$.Tags',
    reason: `Tags not match key: ${key}`,
  });
};

export const GOVERNANCE_EVALUATORS: Record<string, Evaluator> = {
  'actiontrail-enabled': actiontrailEnabled,
  'actiontrail-trail-intact-enabled': actiontrailTrailIntactEnabled,
  'required-tags': requiredTags,
};
