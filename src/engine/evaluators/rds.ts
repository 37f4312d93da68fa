/** Database rules (ACS::RDS::DBInstance). */
import type { InventoryResource } from '../../store/index.js';
import { check, fail, list, listParam, num, numParam, opt, pass, str, val, type Evaluator } from '../kit.js';

// The endpoints list: `$.NetInfoItems` (the reference's name) or `$.NetInfo` (this emulator's before it).
const netInfo = (r: InventoryResource) => [...list<{ IPType?: string }>(r, '$.NetInfoItems'), ...list<{ IPType?: string }>(r, '$.NetInfo')];
const hasPublicEndpoint = (r: InventoryResource): boolean =>
  str(val(r, '$.DBInstanceNetType')) === 'Internet' || netInfo(r).some((n) => str(n.IPType) === 'Public');

export const rdsPublicAccessCheck: Evaluator = (r) => {
  const net = str(val(r, '$.DBInstanceNetType'));
  return check(!hasPublicEndpoint(r), { configuration: net, desiredValue: 'Intranet', operator: 'StringEquals', property: '$.DBInstanceNetType' });
};

export const rdsPublicConnectionAndAnyIpAccessCheck: Evaluator = (r) => {
  if (!hasPublicEndpoint(r)) return pass();
  const ips = str(val(r, '$.SecurityIPList')).split(',').map((s) => s.trim());
  const open = ips.includes('0.0.0.0/0') || ips.includes('0.0.0.0');
  return check(!open, { configuration: ips.join(','), desiredValue: '0.0.0.0/0', operator: 'NotContains', property: '$.SecurityIPList' });
};

export const rdsInstancesInVpc: Evaluator = (r, p) => {
  const type = str(val(r, '$.InstanceNetworkType'));
  if (type.toUpperCase() !== 'VPC') return fail({ configuration: type, desiredValue: 'VPC', operator: 'StringEquals', property: '$.InstanceNetworkType' });
  const vpcIds = listParam(p, 'vpcIds');
  if (vpcIds.length === 0) return pass();
  const vpc = str(val(r, '$.VpcId'));
  return check(vpcIds.includes(vpc), { configuration: vpc, desiredValue: vpcIds.join(','), operator: 'In', property: '$.VpcId' });
};

export const rdsMultiAzSupport: Evaluator = (r) => {
  const zone = str(val(r, '$.ZoneId'));
  // Other zones: `$.SlaveZones.SlaveZone[*].ZoneId` (the reference's name) or `$.SecondaryZoneId`.
  const others = [str(opt(r, '$.SecondaryZoneId')), ...list<{ ZoneId?: string }>(r, '$.SlaveZones.SlaveZone').map((z) => str(z.ZoneId))];
  const multi = /MAZ/i.test(zone) || others.some((z) => z !== '' && z !== zone);
  return check(multi, { configuration: zone, desiredValue: 'MAZ', operator: 'Contains', property: '$.ZoneId' });
};

export const rdsHighAvailabilityCategory: Evaluator = (r) => {
  const category = str(val(r, '$.Category'));
  const ok = ['HighAvailability', 'AlwaysOn', 'Finance'].includes(category);
  return check(ok, { configuration: category, desiredValue: 'HighAvailability,AlwaysOn,Finance', operator: 'In', property: '$.Category' });
};

export const rdsInstanceEnabledAuditing: Evaluator = (r) => {
  const status = str(val(r, '$.SQLCollectorStatus'));
  return check(status === 'Enable', { configuration: status, desiredValue: 'Enable', operator: 'StringEquals', property: '$.SQLCollectorStatus' });
};

export const rdsInstanceSqlCollectorRetention: Evaluator = (r, p) => {
  const days = numParam(p, 'days');
  const status = str(val(r, '$.SQLCollectorStatus'));
  if (status !== 'Enable') return fail({ configuration: status, desiredValue: 'Enable', operator: 'StringEquals', property: '$.SQLCollectorStatus' });
  const kept = num(val(r, '$.SQLCollectorRetention'), '$.SQLCollectorRetention');
  return check(kept >= days, { configuration: kept, desiredValue: days, operator: 'GreaterOrEquals', property: '$.SQLCollectorRetention' });
};

export const RDS_EVALUATORS: Record<string, Evaluator> = {
  'rds-public-access-check': rdsPublicAccessCheck,
  'rds-public-connection-and-any-ip-access-check': rdsPublicConnectionAndAnyIpAccessCheck,
  'rds-instances-in-vpc': rdsInstancesInVpc,
  'rds-multi-az-support': rdsMultiAzSupport,
  'rds-high-availability-category': rdsHighAvailabilityCategory,
  'rds-instance-enabled-auditing': rdsInstanceEnabledAuditing,
  'rds-instance-sql-collector-retention': rdsInstanceSqlCollectorRetention,
};
