/** ECS rules: instances (ACS::ECS::Instance), disks (ACS::ECS::Disk), snapshot policies. */
import type { InventoryResource } from '../../store/index.js';
import {
  check, daysBetween, fail, isTrue, items, listParam, notApplicable, num, numParam, opt, pass, requiredListParam, str, time, val, type Evaluator,
} from '../kit.js';

const PUBLIC_IP = '$.PublicIpAddress.IpAddress';
const EIP = '$.EipAddress.IpAddress';

function publicAddresses(r: InventoryResource): { property: string; value: string } | undefined {
  const pub = val(r, PUBLIC_IP);
  const ips = Array.isArray(pub) ? pub.map(String).filter((x) => x !== '') : [str(pub)].filter((x) => x !== '');
  if (ips.length > 0) return { property: PUBLIC_IP, value: ips.join(',') };
  const eip = str(opt(r, EIP));
  if (eip !== '') return { property: EIP, value: eip };
  return undefined;
}

export const ecsInstanceNoPublicIp: Evaluator = (r) => {
  const hit = publicAddresses(r);
  return hit ? fail({ configuration: hit.value, desiredValue: '', operator: 'IsStringEmpty', property: hit.property }) : pass();
};

export const ecsRunningInstanceNoPublicIp: Evaluator = (r, p, env) => {
  const status = str(val(r, '$.Status'));
  if (status !== 'Running') return notApplicable('$.Status', 'The instance is not running.', status);
  return ecsInstanceNoPublicIp(r, p, env);
};

export const ecsInstancesInVpc: Evaluator = (r, p) => {
  const type = str(val(r, '$.InstanceNetworkType'));
  if (type !== 'vpc') return fail({ configuration: type, desiredValue: 'vpc', operator: 'StringEquals', property: '$.InstanceNetworkType' });
  const vpcIds = listParam(p, 'vpcIds');
  if (vpcIds.length === 0) return pass();
  const vpc = str(val(r, '$.VpcAttributes.VpcId'));
  return check(vpcIds.includes(vpc), { configuration: vpc, desiredValue: vpcIds.join(','), operator: 'In', property: '$.VpcAttributes.VpcId' });
};

export const ecsDiskEncrypted: Evaluator = (r, p) => {
  const type = str(val(r, '$.Type'));
  if (type === 'system') return notApplicable('$.Type', 'System disks are not evaluated.', type);
  const status = str(val(r, '$.Status'));
  if (status !== 'In_use') return notApplicable('$.Status', 'The disk is not in use.', status);
  const encrypted = isTrue(val(r, '$.Encrypted'));
  if (!encrypted) return fail({ configuration: 'false', desiredValue: 'True', operator: 'StringEquals', property: '$.Encrypted' });
  const keys = listParam(p, 'kmsKeyIds');
  const key = str(opt(r, '$.KMSKeyId'));
  return check(keys.length === 0 || keys.includes(key), { configuration: key, desiredValue: keys.join(','), operator: 'In', property: '$.KMSKeyId' });
};

export const ecsDiskInUse: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  return check(status === 'In_use', { configuration: status, desiredValue: 'In_use', operator: 'StringEquals', property: '$.Status' });
};

export const ecsInstanceDeletionProtectionEnabled: Evaluator = (r) => {
  const charge = str(val(r, '$.InstanceChargeType'));
  if (charge === 'PrePaid') return notApplicable('$.InstanceChargeType', 'Subscription instances cannot be released by mistake.', charge);
  const on = isTrue(val(r, '$.DeletionProtection'));
  return check(on, { configuration: 'false', desiredValue: 'True', operator: 'StringEquals', property: '$.DeletionProtection' });
};

export const ecsInstanceAttachedSecurityGroup: Evaluator = (r, p) => {
  const wanted = requiredListParam(p, 'securityGroupIds');
  const groups = items(val(r, '$.SecurityGroupIds.SecurityGroupId')).map(String);
  return check(groups.some((g) => wanted.includes(g)), {
    configuration: groups.join(','), desiredValue: wanted.join(','), operator: 'ContainsAny', property: '$.SecurityGroupIds.SecurityGroupId',
  });
};

export const ecsInstanceExpiredCheck: Evaluator = (r, p, env) => {
  const charge = str(val(r, '$.InstanceChargeType'));
  if (charge !== 'PrePaid') return notApplicable('$.InstanceChargeType', 'Only subscription instances expire.', charge);
  const days = numParam(p, 'days');
  const expires = time(val(r, '$.ExpiredTime'), '$.ExpiredTime');
  const left = daysBetween(env.now, expires);
  return check(left >= days, {
    configuration: Math.floor(left), desiredValue: days, operator: 'GreaterOrEquals', property: '$.ExpiredTime',
    reason: `The instance expires in ${Math.floor(left)} days.`,
  });
};

export const ecsInstanceStatusNoStopped: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  return check(status !== 'Stopped', { configuration: status, desiredValue: 'Stopped', operator: 'StringNotEquals', property: '$.Status' });
};

export const ecsDiskAutoSnapshotPolicy: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  if (status !== 'In_use') return notApplicable('$.Status', 'The disk is not in use.', status);
  const policy = str(opt(r, '$.AutoSnapshotPolicyId'));
  return check(policy !== '', { configuration: policy, desiredValue: '', operator: 'IsNotStringEmpty', property: '$.AutoSnapshotPolicyId' });
};

export const ecsSnapshotRetentionDays: Evaluator = (r, p) => {
  const days = numParam(p, 'days');
  const kept = num(val(r, '$.RetentionDays'), '$.RetentionDays');
  return check(kept === -1 || kept >= days, { configuration: kept, desiredValue: days, operator: 'GreaterOrEquals', property: '$.RetentionDays' });
};

export const ecsCpuMinCountLimit: Evaluator = (r, p) => {
  const min = numParam(p, 'cpuCount');
  const cpu = num(val(r, '$.Cpu'), '$.Cpu');
  return check(cpu >= min, { configuration: cpu, desiredValue: min, operator: 'GreaterOrEquals', property: '$.Cpu' });
};

export const ecsDesiredInstanceType: Evaluator = (r, p) => {
  const types = requiredListParam(p, 'instanceTypes');
  const type = str(val(r, '$.InstanceType'));
  return check(types.includes(type), { configuration: type, desiredValue: types.join(','), operator: 'In', property: '$.InstanceType' });
};

export const ecsMemoryMinSizeLimit: Evaluator = (r, p) => {
  const min = numParam(p, 'memorySize');
  const memory = num(val(r, '$.Memory'), '$.Memory');
  return check(memory >= min, { configuration: memory, desiredValue: min, operator: 'GreaterOrEquals', property: '$.Memory' });
};

export const ECS_EVALUATORS: Record<string, Evaluator> = {
  'ecs-instance-no-public-ip': ecsInstanceNoPublicIp,
  'ecs-running-instance-no-public-ip': ecsRunningInstanceNoPublicIp,
  'ecs-instances-in-vpc': ecsInstancesInVpc,
  'ecs-disk-encrypted': ecsDiskEncrypted,
  'ecs-disk-in-use': ecsDiskInUse,
  'ecs-instance-deletion-protection-enabled': ecsInstanceDeletionProtectionEnabled,
  'ecs-instance-attached-security-group': ecsInstanceAttachedSecurityGroup,
  'ecs-instance-expired-check': ecsInstanceExpiredCheck,
  'ecs-instance-status-no-stopped': ecsInstanceStatusNoStopped,
  'ecs-disk-auto-snapshot-policy': ecsDiskAutoSnapshotPolicy,
  'ecs-snapshot-retention-days': ecsSnapshotRetentionDays,
  'ecs-cpu-min-count-limit': ecsCpuMinCountLimit,
  'ecs-desired-instance-type': ecsDesiredInstanceType,
  'ecs-memory-min-size-limit': ecsMemoryMinSizeLimit,
};
