/** Governance rules: ActionTrail trails and required tags (any tagged resource type). */
import type { InventoryResource } from '../../store/index.js';
import { check, fail, notApplicable, opt, param, pass, str, val, type Evaluator, type Outcome } from '../kit.js';

export const actiontrailEnabled: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  return check(status === 'Enable', { configuration: status, desiredValue: 'Enable', operator: 'StringEquals', property: '$.Status' });
};

const TRAIL = 'ACS::ActionTrail::Trail';
const INTACT: [string, string][] = [['$.Status', 'Enable'], ['$.TrailRegion', 'All'], ['$.EventRW', 'All']];
/** The first field of a trail that falls short of intact, with its value; undefined when intact. */
const shortfall = (t: InventoryResource, read: (t: InventoryResource, path: string) => unknown = opt): [string, string, string] | undefined => {
  for (const [property, desired] of INTACT) {
    const v = str(read(t, property));
    if (v !== desired) return [property, desired, v];
  }
  return undefined;
};
/**
 * "An enabled trail exists that tracks all regions and all event types": an account-level check.
 * Such a trail is COMPLIANT; any other trail is NOT_APPLICABLE when the account has one (in the
 * rule's scope or not), else NON_COMPLIANT on its first field that falls short.
 */
export const actiontrailTrailIntactEnabled: Evaluator = (r, _p, env) => {
  const short = shortfall(r, val); // a field missing before one falls short is INSUFFICIENT_DATA
  if (!short) return pass();
  const [property, desired, v] = short;
  const covering = env.resourcesOf?.(TRAIL).find((t) => t !== r && !shortfall(t));
  if (covering) return notApplicable(property, `Trail ${covering.resourceId} tracks all regions and all events for the account.`, v);
  return check(false, { configuration: v, desiredValue: desired, operator: 'StringEquals', property });
};

/** An account with no trail at all: NON_COMPLIANT ("when no trail exists"), a result on the account itself. */
const noTrail = (): Outcome => fail({ configuration: '', desiredValue: 'Enable', operator: 'StringEquals', property: '$.Status', reason: 'The account has no ActionTrail trail.' });

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

/** Rules with an outcome for an account that has no resource of their types at all. */
export const GOVERNANCE_WHEN_NONE: Record<string, () => Outcome> = {
  'actiontrail-enabled': noTrail,
  'actiontrail-trail-intact-enabled': noTrail,
};
