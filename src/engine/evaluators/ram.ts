/** Identity rules: RAM users, groups, roles and policies, and the account itself (ACS::::Account). */
import type { InventoryResource } from '../../store/index.js';
import {
  check, daysBetween, fail, isTrue, list, listParam, notApplicable, num, numParam, opt, pass, requiredListParam, str, time, val, type EvalEnv, type Evaluator,
} from '../kit.js';

const MFA = '$.LoginProfile.MFABindRequired';
const KEYS = '$.AccessKeys.AccessKey';
interface Key { AccessKeyId?: string; Status?: string; CreateDate?: string; LastUsedDate?: string }
interface PolicyRef { PolicyName?: string; PolicyType?: string; PolicyDocument?: unknown }

const hasLoginProfile = (r: InventoryResource) => {
  const lp = opt(r, '$.LoginProfile');
  return lp !== undefined && lp !== '' && !(typeof lp === 'object' && lp !== null && Object.keys(lp).length === 0);
};
const activeKeys = (r: InventoryResource) => list<Key>(r, KEYS).filter((k) => str(k.Status || 'Active') === 'Active');
const policies = (r: InventoryResource) => list<PolicyRef>(r, '$.Policies.Policy');

export const ramUserMfaCheck: Evaluator = (r) => {
  if (!hasLoginProfile(r)) return notApplicable('$.LoginProfile', 'The user cannot log on to the console.');
  const on = isTrue(val(r, MFA));
  return check(on, { configuration: 'false', desiredValue: 'True', operator: 'StringEquals', property: MFA });
};

export const rootMfaCheck: Evaluator = (r) => {
  const on = isTrue(val(r, '$.MFAEnabled'));
  return check(on, { configuration: 'false', desiredValue: 'True', operator: 'StringEquals', property: '$.MFAEnabled' });
};

export const rootAkCheck: Evaluator = (r) => {
  const keys = activeKeys(r);
  return check(keys.length === 0, { configuration: keys.length, desiredValue: 0, operator: 'Equals', property: `${KEYS}[*].Status`, reason: keys.length ? 'The root account has an active AccessKey.' : undefined });
};

const PASSWORD_BOOLEANS = [
  ['hardExpire', 'HardExpire'],
  ['requireLowercaseCharacters', 'RequireLowercaseCharacters'],
  ['requireNumbers', 'RequireNumbers'],
  ['requireSymbols', 'RequireSymbols'],
  ['requireUppercaseCharacters', 'RequireUppercaseCharacters'],
] as const;
export const ramPasswordPolicyCheck: Evaluator = (r, p) => {
  val(r, '$.PasswordPolicy');
  const field = (name: string) => opt(r, `$.PasswordPolicy.${name}`);
  for (const [param, name] of PASSWORD_BOOLEANS) {
    if ((p[param] ?? '').toLowerCase() === 'true' && !isTrue(field(name))) {
      return fail({ configuration: str(field(name) ?? 'false'), desiredValue: 'True', operator: 'StringEquals', property: `$.PasswordPolicy.${name}` });
    }
  }
  const atLeast = [['minimumPasswordLength', 'MinimumPasswordLength'], ['passwordReusePrevention', 'PasswordReusePrevention']] as const;
  for (const [param, name] of atLeast) {
    if ((p[param] ?? '').trim() === '') continue;
    const want = numParam(p, param);
    const have = Number(field(name) ?? 0);
    if (!(have >= want)) return fail({ configuration: have, desiredValue: want, operator: 'GreaterOrEquals', property: `$.PasswordPolicy.${name}` });
  }
  const atMost = [['maxPasswordAge', 'MaxPasswordAge'], ['maxLoginAttemps', 'MaxLoginAttemps']] as const;
  for (const [param, name] of atMost) {
    if ((p[param] ?? '').trim() === '') continue;
    const want = numParam(p, param);
    const have = Number(field(name) ?? 0);
    if (!(have > 0 && have <= want)) return fail({ configuration: have, desiredValue: want, operator: 'LessOrEquals', property: `$.PasswordPolicy.${name}` });
  }
  return pass();
};

export const ramUserNoPolicyCheck: Evaluator = (r) => {
  const attached = policies(r).map((x) => str(x.PolicyName));
  return check(attached.length === 0, { configuration: attached.join(','), desiredValue: '', operator: 'IsEmpty', property: '$.Policies.Policy' });
};

export const ramUserGroupMembershipCheck: Evaluator = (r, p) => {
  const groups = list<{ GroupName?: string }>(r, '$.Groups.Group').map((g) => str(g.GroupName));
  const wanted = listParam(p, 'groupNames');
  const ok = wanted.length === 0 ? groups.length > 0 : groups.some((g) => wanted.includes(g));
  return check(ok, { configuration: groups.join(','), desiredValue: wanted.join(','), operator: wanted.length ? 'ContainsAny' : 'IsNotEmpty', property: '$.Groups.Group[*].GroupName' });
};

export const ramGroupHasMemberCheck: Evaluator = (r) => {
  const users = list(r, '$.Users.User');
  return check(users.length > 0, { configuration: users.length, desiredValue: 1, operator: 'GreaterOrEquals', property: '$.Users.User' });
};

/** A policy document statement granting everything (Allow, Action *, Resource *). */
function grantsAdmin(doc: unknown): boolean {
  let d = doc;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return false;
    }
  }
  const st = (d as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(st) ? st : st ? [st] : [];
  const has = (v: unknown) => (Array.isArray(v) ? v.map(String).includes('*') : String(v) === '*');
  return list.some((s: Record<string, unknown>) => str(s.Effect) === 'Allow' && has(s.Action) && has(s.Resource));
}
// Per list of an account's policies (the run reads it once): custom policy name -> whether it grants Allow * on *.
const customAdmin = new WeakMap<readonly InventoryResource[], Map<string, boolean>>();
/**
 * Whether an attached policy grants Allow * on *: from the document given with the attachment,
 * else from the account's custom policy of that name (ACS::RAM::Policy; attachments list only
 * `{PolicyName, PolicyType}`). System policies other than AdministratorAccess do not.
 */
function attachedAdmin(x: PolicyRef, env: EvalEnv): boolean {
  if (str(x.PolicyName) === 'AdministratorAccess') return true;
  if (x.PolicyDocument !== undefined) return grantsAdmin(x.PolicyDocument);
  if (str(x.PolicyType) === 'System' || !env.resourcesOf) return false;
  const all = env.resourcesOf('ACS::RAM::Policy');
  let byName = customAdmin.get(all);
  if (!byName) {
    byName = new Map();
    for (const p of all) if (str(opt(p, '$.PolicyType')) !== 'System') byName.set(str(opt(p, '$.PolicyName')), grantsAdmin(opt(p, '$.PolicyDocument')));
    customAdmin.set(all, byName);
  }
  return byName.get(str(x.PolicyName)) ?? false;
}
export const ramPolicyNoStatementsWithAdminAccessCheck: Evaluator = (r, _p, env) => {
  const admin = policies(r).find((x) => attachedAdmin(x, env));
  return admin
    ? fail({ configuration: str(admin.PolicyName), desiredValue: 'Allow * on *', operator: 'NotContains', property: '$.Policies.Policy[*]', reason: 'An attached policy grants full administrator access.' })
    : pass();
};

export const ramPolicyInUseCheck: Evaluator = (r) => {
  const type = str(opt(r, '$.PolicyType'));
  if (type === 'System') return notApplicable('$.PolicyType', 'System policies are not evaluated.', type);
  const n = num(val(r, '$.AttachmentCount'), '$.AttachmentCount');
  return check(n >= 1, { configuration: n, desiredValue: 1, operator: 'GreaterOrEquals', property: '$.AttachmentCount' });
};

export const ramUserLoginCheck: Evaluator = (r) => {
  const keys = list<Key>(r, KEYS);
  const both = hasLoginProfile(r) && keys.length > 0;
  return check(!both, { configuration: keys.map((k) => str(k.AccessKeyId)).join(','), desiredValue: '', operator: 'IsEmpty', property: KEYS, reason: both ? 'The user has both console logon and AccessKeys.' : undefined });
};

export const ramUserAkCreateDateExpiredCheck: Evaluator = (r, p, env) => {
  const days = numParam(p, 'days');
  const keys = list<Key>(r, KEYS);
  if (keys.length === 0) return notApplicable(KEYS, 'The user has no AccessKey.');
  const old = keys.find((k) => daysBetween(time(k.CreateDate, `${KEYS}[*].CreateDate`), env.now) > days);
  return old
    ? fail({ configuration: str(old.CreateDate), desiredValue: days, operator: 'DaysLessOrEquals', property: `${KEYS}[*].CreateDate`, reason: `AccessKey ${str(old.AccessKeyId)} is older than ${days} days.` })
    : pass();
};

export const ramUserLastLoginExpiredCheck: Evaluator = (r, p, env) => {
  const days = numParam(p, 'days');
  const last = str(opt(r, '$.LastLoginDate'));
  const path = last !== '' ? '$.LastLoginDate' : '$.UpdateDate';
  const when = time(last !== '' ? last : val(r, '$.UpdateDate'), path);
  return check(daysBetween(when, env.now) <= days, { configuration: new Date(when).toISOString(), desiredValue: days, operator: 'DaysLessOrEquals', property: path });
};

export const ramUserAkUsedExpiredCheck: Evaluator = (r, p, env) => {
  const days = numParam(p, 'days');
  const keys = list<Key>(r, KEYS);
  if (keys.length === 0) return notApplicable(KEYS, 'The user has no AccessKey.');
  const stale = keys.find((k) => {
    const used = str(k.LastUsedDate) || str(k.CreateDate);
    return daysBetween(time(used, `${KEYS}[*].LastUsedDate`), env.now) >= days;
  });
  return stale
    ? fail({ configuration: str(stale.LastUsedDate), desiredValue: days, operator: 'DaysLess', property: `${KEYS}[*].LastUsedDate`, reason: `AccessKey ${str(stale.AccessKeyId)} was not used for ${days} days.` })
    : pass();
};

export const ramUserActivatedAkQuantityCheck: Evaluator = (r, p, env) => {
  const status = str(opt(r, '$.Status') ?? 'Active') || 'Active';
  if (status !== 'Active') return fail({ configuration: status, desiredValue: 'Active', operator: 'StringEquals', property: '$.Status' });
  const days = (p.days ?? '').trim() === '' ? 0 : numParam(p, 'days');
  const old = activeKeys(r).filter((k) => daysBetween(time(k.CreateDate, `${KEYS}[*].CreateDate`), env.now) > days);
  return check(old.length < 2, { configuration: old.length, desiredValue: 2, operator: 'Less', property: KEYS });
};

export const ramRiskyPolicyUserMfaCheck: Evaluator = (r, p) => {
  // A comma list of policy names (valueType csv): the user is in scope with any one of them.
  const names = requiredListParam(p, 'policyName');
  if (!policies(r).some((x) => names.includes(str(x.PolicyName)))) return notApplicable('$.Policies.Policy[*].PolicyName', `The user does not have ${names.join(' or ')}.`);
  const on = hasLoginProfile(r) && isTrue(opt(r, MFA));
  return check(on, { configuration: 'false', desiredValue: 'True', operator: 'StringEquals', property: MFA });
};

/** Rules that check "every configured parameter": one set to '' is left out, not its default. */
export const RAM_CHECKS_WHEN_SET: ReadonlySet<string> = new Set(['ram-password-policy-check']);

export const RAM_EVALUATORS: Record<string, Evaluator> = {
  'ram-user-mfa-check': ramUserMfaCheck,
  'root-mfa-check': rootMfaCheck,
  'root-ak-check': rootAkCheck,
  'ram-password-policy-check': ramPasswordPolicyCheck,
  'ram-user-no-policy-check': ramUserNoPolicyCheck,
  'ram-user-group-membership-check': ramUserGroupMembershipCheck,
  'ram-group-has-member-check': ramGroupHasMemberCheck,
  'ram-policy-no-statements-with-admin-access-check': ramPolicyNoStatementsWithAdminAccessCheck,
  'ram-policy-in-use-check': ramPolicyInUseCheck,
  'ram-user-login-check': ramUserLoginCheck,
  'ram-user-ak-create-date-expired-check': ramUserAkCreateDateExpiredCheck,
  'ram-user-last-login-expired-check': ramUserLastLoginExpiredCheck,
  'ram-user-ak-used-expired-check': ramUserAkUsedExpiredCheck,
  'ram-user-activated-ak-quantity-check': ramUserActivatedAkQuantityCheck,
  'ram-risky-policy-user-mfa-check': ramRiskyPolicyUserMfaCheck,
};
