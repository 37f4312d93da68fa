/** OSS bucket rules (ACS::OSS::Bucket). */
import type { InventoryResource } from '../../store/index.js';
import { boolParam, check, fail, items, listParam, notApplicable, opt, pass, str, val, type Evaluator } from '../kit.js';

const GRANT = '$.AccessControlList.Grant';

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

/** The bucket policy ($.Policy, a JSON string or object), or undefined when none is set. */
function policyStatements(r: InventoryResource): Statement[] | undefined {
  const raw = opt(r, '$.Policy');
  if (raw === undefined || raw === '') return undefined;
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    try {
      doc = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  const st = (doc as { Statement?: unknown })?.Statement;
  return Array.isArray(st) ? (st as Statement[]) : [];
}
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const isAnonymous = (s: Statement) => asList(s.Principal).includes('*');
const isAllow = (s: Statement) => str(s.Effect).toLowerCase() === 'allow';
/** Looks for a condition key (e.g. acs:SourceIp) anywhere in a statement's Condition block. */
function conditionValues(s: Statement, key: string): string[] {
  const out: string[] = [];
  const cond = s.Condition;
  if (!cond || typeof cond !== 'object') return out;
  for (const op of Object.values(cond as Record<string, unknown>)) {
    if (!op || typeof op !== 'object') continue;
    for (const [k, v] of Object.entries(op as Record<string, unknown>)) if (k.toLowerCase() === key.toLowerCase()) out.push(...asList(v));
  }
  return out;
}

export const ossBucketPublicReadProhibited: Evaluator = (r) => {
  const grant = str(val(r, GRANT));
  return check(!grant.includes('read'), { configuration: grant, desiredValue: 'read', operator: 'NotContains', property: GRANT });
};

export const ossBucketPublicWriteProhibited: Evaluator = (r) => {
  const grant = str(val(r, GRANT));
  return check(grant !== 'public-read-write', { configuration: grant, desiredValue: 'public-read-write', operator: 'StringNotEquals', property: GRANT });
};

const SSE = '$.ServerSideEncryptionRule.SSEAlgorithm';
export const ossBucketServerSideEncryptionEnabled: Evaluator = (r) => {
  const alg = str(opt(r, SSE));
  return check(alg !== '' && alg !== 'None', { configuration: alg || 'None', desiredValue: 'None', operator: 'StringNotEquals', property: SSE });
};

export const ossDefaultEncryptionKms: Evaluator = (r) => {
  const alg = str(opt(r, SSE));
  return check(alg === 'KMS', { configuration: alg || 'None', desiredValue: 'KMS', operator: 'StringEquals', property: SSE });
};

export const ossZrsEnabled: Evaluator = (r) => {
  const t = str(val(r, '$.DataRedundancyType'));
  return check(t === 'ZRS', { configuration: t, desiredValue: 'ZRS', operator: 'StringEquals', property: '$.DataRedundancyType' });
};

export const ossBucketLoggingEnabled: Evaluator = (r) => {
  const target = str(opt(r, '$.BucketPolicy.LogBucket'));
  return check(target !== '', { configuration: target, desiredValue: '', operator: 'IsNotStringEmpty', property: '$.BucketPolicy.LogBucket' });
};

export const ossBucketVersioningEnabled: Evaluator = (r) => {
  const v = str(opt(r, '$.Versioning'));
  return check(v === 'Enabled', { configuration: v, desiredValue: 'Enabled', operator: 'StringEquals', property: '$.Versioning' });
};

export const ossBucketRefererLimit: Evaluator = (r, p) => {
  const allowed = listParam(p, 'allowReferers');
  const referers = items(opt(r, '$.RefererList.Referer')).map(String);
  if (referers.length === 0) {
    return fail({ configuration: [], desiredValue: allowed.join(','), operator: 'IsNotEmpty', property: '$.RefererList.Referer', reason: 'Hotlink protection is not configured.' });
  }
  const outside = referers.filter((x) => !allowed.includes(x));
  if (outside.length > 0) {
    return fail({ configuration: referers.join(','), desiredValue: allowed.join(','), operator: 'ListContainsAll', property: '$.RefererList.Referer', reason: `Referer not allowed: ${outside.join(',')}` });
  }
  const allowEmpty = str(opt(r, '$.AllowEmptyReferer')).toLowerCase();
  return check(allowEmpty === 'false' || boolParam(p, 'allowEmptyReferer'), {
    configuration: allowEmpty, desiredValue: 'false', operator: 'StringEquals', property: '$.AllowEmptyReferer',
  });
};

export const ossBucketAnonymousProhibited: Evaluator = (r) => {
  const grant = str(val(r, GRANT));
  if (grant === 'private') return notApplicable(GRANT, 'The bucket ACL is private.', grant);
  const statements = policyStatements(r);
  if (statements === undefined) return fail({ configuration: '', desiredValue: '', operator: 'IsNotStringEmpty', property: '$.Policy', reason: 'A public bucket without a bucket policy.' });
  const anonymous = statements.some((s) => isAllow(s) && isAnonymous(s));
  return check(!anonymous, { configuration: '*', desiredValue: '*', operator: 'NotContains', property: '$.Policy.Statement[*].Principal', reason: 'A statement grants access to anonymous users.' });
};

export const ossBucketPolicyNoAnyAnonymous: Evaluator = (r) => {
  const statements = policyStatements(r) ?? [];
  const anonymous = statements.some((s) => isAllow(s) && isAnonymous(s));
  return check(!anonymous, { configuration: '*', desiredValue: '*', operator: 'NotContains', property: '$.Policy.Statement[*].Principal' });
};

/** "ACL is private, or its bucket policy only allows access from specific IPs" (either one). */
export const ossBucketAuthorizeSpecifiedIp: Evaluator = (r) => {
  const grant = str(val(r, GRANT));
  if (grant === 'private') return pass();
  const allows = (policyStatements(r) ?? []).filter(isAllow);
  if (allows.length > 0 && allows.every((s) => conditionValues(s, 'acs:SourceIp').length > 0)) return pass();
  return allows.length === 0
    ? fail({ configuration: grant, desiredValue: 'private', operator: 'StringEquals', property: GRANT, reason: 'The ACL is not private and no bucket policy limits access to specified IPs.' })
    : fail({ configuration: '', desiredValue: 'acs:SourceIp', operator: 'Contains', property: '$.Policy.Statement[*].Condition', reason: 'The ACL is not private and a policy statement allows any source IP.' });
};

export const ossBucketOnlyHttpsEnabled: Evaluator = (r) => {
  const statements = policyStatements(r) ?? [];
  const ok = statements.some((s) => {
    const v = conditionValues(s, 'acs:SecureTransport').map((x) => x.toLowerCase());
    return (isAllow(s) && v.includes('true')) || (!isAllow(s) && v.includes('false'));
  });
  return ok ? pass() : fail({ configuration: '', desiredValue: 'acs:SecureTransport', operator: 'Contains', property: '$.Policy.Statement[*].Condition', reason: 'No statement requires HTTPS.' });
};

export const OSS_EVALUATORS: Record<string, Evaluator> = {
  'oss-bucket-public-read-prohibited': ossBucketPublicReadProhibited,
  'oss-bucket-public-write-prohibited': ossBucketPublicWriteProhibited,
  'oss-bucket-server-side-encryption-enabled': ossBucketServerSideEncryptionEnabled,
  'oss-default-encryption-kms': ossDefaultEncryptionKms,
  'oss-zrs-enabled': ossZrsEnabled,
  'oss-bucket-logging-enabled': ossBucketLoggingEnabled,
  'oss-bucket-versioning-enabled': ossBucketVersioningEnabled,
  'oss-bucket-referer-limit': ossBucketRefererLimit,
  'oss-bucket-anonymous-prohibited': ossBucketAnonymousProhibited,
  'oss-bucket-policy-no-any-anonymous': ossBucketPolicyNoAnyAnonymous,
  'oss-bucket-authorize-specified-ip': ossBucketAuthorizeSpecifiedIp,
  'oss-bucket-only-https-enabled': ossBucketOnlyHttpsEnabled,
};
