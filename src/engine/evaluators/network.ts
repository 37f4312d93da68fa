/**
 * Network rules: security groups (ACS::ECS::SecurityGroup), EIPs (ACS::EIP::EipAddress),
 * load balancers and their certificates (ACS::SLB::*), VPCs (ACS::VPC::VPC).
 */
import type { InventoryResource } from '../../store/index.js';
import {
  check, cidrInside, daysBetween, fail, isAllPorts, isAnyCidr, isTrue, list, listParam, notApplicable, num, numParam, opt, pass,
  portListParam, portRange, PRIVATE_CIDRS, str, time, val, type Evaluator, type Outcome,
} from '../kit.js';

// ---- security groups ----------------------------------------------------------------------------

interface Permission {
  Direction?: string;
  Policy?: string;
  IpProtocol?: string;
  PortRange?: string;
  SourceCidrIp?: string;
  DestCidrIp?: string;
  Priority?: number | string;
}
const PERMS = '$.Permissions.Permission';

function permissions(r: InventoryResource): Permission[] {
  val(r, PERMS);
  return list<Permission>(r, PERMS);
}
const direction = (p: Permission) => (p.Direction ?? 'ingress').toLowerCase();
const accepts = (p: Permission) => (p.Policy ?? 'Accept').toLowerCase() === 'accept';
const priority = (p: Permission) => Number(p.Priority ?? 1);
const covers = (p: Permission, port: number) => {
  const range = portRange(p.PortRange);
  return range !== undefined && range[0] <= port && port <= range[1];
};
const protocol = (p: Permission) => str(p.IpProtocol).toUpperCase() || 'ALL';
/**
 * An Accept rule is overridden when, for each protocol in question (by default the Accept's own),
 * a Drop rule of higher priority (lower number) covers the same traffic: direction, that protocol
 * (a Drop of ALL covers every one), source and every port in question. The reference's rules say
 * "a higher-priority rule"; a Drop of equal priority does not count (docs/fidelity.md).
 */
function overridden(p: Permission, all: Permission[], ports: number[], protocols: readonly string[] = [protocol(p)]): boolean {
  return protocols.every((proto) =>
    all.some(
      (d) =>
        !accepts(d) && direction(d) === direction(p) && priority(d) < priority(p) && (protocol(d) === 'ALL' || protocol(d) === proto) &&
        (isAnyCidr(d.SourceCidrIp) || str(d.SourceCidrIp) === str(p.SourceCidrIp)) &&
        ports.every((port) => covers(d, port)),
    ),
  );
}
const serviceManaged = (r: InventoryResource): Outcome | undefined =>
  isTrue(opt(r, '$.ServiceManaged')) ? notApplicable('$.ServiceManaged', 'The security group is managed by a cloud service.', 'true') : undefined;
const ruleText = (p: Permission) => `${p.IpProtocol ?? 'ALL'} ${p.PortRange ?? ''} ${p.SourceCidrIp ?? p.DestCidrIp ?? ''}`.trim();

export const sgPublicAccessCheck: Evaluator = (r) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const all = permissions(r);
  const bad = all.find((p) => direction(p) === 'ingress' && accepts(p) && str(p.PortRange) === '-1/-1' && isAnyCidr(p.SourceCidrIp) && !overridden(p, all, [1, 65535]));
  return bad ? fail({ configuration: ruleText(bad), desiredValue: '0.0.0.0/0 -1/-1', operator: 'NotContains', property: PERMS }) : pass();
};

/** `checked`: the protocols the rule looks at; an Accept of ALL is open for each of them. */
function riskyPort(all: Permission[], risky: number[], filter: (p: Permission) => boolean, checked?: readonly string[]): { perm: Permission; port: number } | undefined {
  for (const p of all) {
    if (!accepts(p) || !isAnyCidr(p.SourceCidrIp) || !filter(p)) continue;
    const protocols = checked && checked.length > 0 && protocol(p) === 'ALL' ? checked : [protocol(p)];
    const port = risky.find((x) => covers(p, x) && !overridden(p, all, [x], protocols));
    if (port !== undefined) return { perm: p, port };
  }
  return undefined;
}

export const sgRiskyPortsCheck: Evaluator = (r, p) => {
  const risky = portListParam(p, 'ports');
  const hit = riskyPort(permissions(r), risky, (x) => direction(x) === 'ingress');
  return hit
    ? fail({ configuration: ruleText(hit.perm), desiredValue: risky.join(','), operator: 'NotContainsPort', property: PERMS, reason: `Port ${hit.port} is open to 0.0.0.0/0.` })
    : pass();
};

export const ecsSecurityGroupRiskyPortsCheckWithProtocol: Evaluator = (r, p) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const risky = portListParam(p, 'ports');
  const protocols = listParam(p, 'protocol').map((x) => x.toUpperCase());
  const hit = riskyPort(
    permissions(r),
    risky,
    (x) => {
      const proto = protocol(x);
      return direction(x) === 'ingress' && (proto === 'ALL' || protocols.includes(proto));
    },
    protocols,
  );
  return hit
    ? fail({ configuration: ruleText(hit.perm), desiredValue: `${protocols.join(',')} ${risky.join(',')}`, operator: 'NotContainsPort', property: PERMS, reason: `Port ${hit.port} is open to 0.0.0.0/0.` })
    : pass();
};

export const ecsSecurityGroupNotOpenAllPort: Evaluator = (r) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const all = permissions(r);
  const bad = all.find((p) => direction(p) === 'ingress' && accepts(p) && isAllPorts(p.PortRange) && !overridden(p, all, [1, 65535]));
  return bad ? fail({ configuration: ruleText(bad), desiredValue: '-1/-1', operator: 'NotContains', property: `${PERMS}[*].PortRange` }) : pass();
};

export const ecsSecurityGroupWhiteListPortCheck: Evaluator = (r, p) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const allowed = portListParam(p, 'ports');
  const all = permissions(r);
  const bad = all.find((x) => {
    if (direction(x) !== 'ingress' || !accepts(x) || !isAnyCidr(x.SourceCidrIp)) return false;
    const range = portRange(x.PortRange);
    if (!range) return false;
    // Every port of the range must be whitelisted: a range wider than the whitelist always fails.
    if (range[1] - range[0] + 1 > allowed.length) return true;
    for (let port = range[0]; port <= range[1]; port++) if (!allowed.includes(port)) return true;
    return false;
  });
  return bad ? fail({ configuration: ruleText(bad), desiredValue: allowed.join(','), operator: 'PortsIn', property: PERMS }) : pass();
};

export const ecsSecurityGroupEgressNotAllAccess: Evaluator = (r) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const bad = permissions(r).find((p) => direction(p) === 'egress' && accepts(p) && isAnyCidr(p.DestCidrIp));
  return bad ? fail({ configuration: ruleText(bad), desiredValue: '0.0.0.0/0', operator: 'NotContains', property: `${PERMS}[*].DestCidrIp` }) : pass();
};

export const ecsSecurityGroupNotInternetCidrAccess: Evaluator = (r) => {
  const managed = serviceManaged(r);
  if (managed) return managed;
  const bad = permissions(r).find(
    (p) => direction(p) === 'ingress' && accepts(p) && str(p.SourceCidrIp) !== '' && !PRIVATE_CIDRS.some((c) => cidrInside(str(p.SourceCidrIp), c)),
  );
  return bad
    ? fail({ configuration: str(bad.SourceCidrIp), desiredValue: PRIVATE_CIDRS.join(','), operator: 'CidrIn', property: `${PERMS}[*].SourceCidrIp` })
    : pass();
};

// ---- EIP --------------------------------------------------------------------------------------

export const eipBandwidthLimit: Evaluator = (r, p) => {
  const min = numParam(p, 'bandwidth');
  const bw = num(val(r, '$.Bandwidth'), '$.Bandwidth');
  return check(bw >= min, { configuration: bw, desiredValue: min, operator: 'GreaterOrEquals', property: '$.Bandwidth' });
};

export const eipAttached: Evaluator = (r) => {
  const status = str(val(r, '$.Status'));
  const instance = str(opt(r, '$.InstanceId'));
  return check(status === 'InUse' || instance !== '', { configuration: status, desiredValue: 'InUse', operator: 'StringEquals', property: '$.Status' });
};

// ---- SLB --------------------------------------------------------------------------------------

const LISTENERS = '$.ListenerPortsAndProtocol.ListenerPortAndProtocol';
export const slbListenerHttpsEnabled: Evaluator = (r) => {
  val(r, LISTENERS);
  const protocols = list<{ ListenerProtocol?: string }>(r, LISTENERS).map((l) => str(l.ListenerProtocol).toLowerCase());
  return check(protocols.includes('https'), { configuration: protocols.join(','), desiredValue: 'https', operator: 'Contains', property: `${LISTENERS}[*].ListenerProtocol` });
};

export const slbNoPublicIp: Evaluator = (r) => {
  const type = str(val(r, '$.AddressType'));
  return check(type === 'intranet', { configuration: type, desiredValue: 'intranet', operator: 'StringEquals', property: '$.AddressType' });
};

export const slbDeleteProtectionEnabled: Evaluator = (r) => {
  const v = str(val(r, '$.DeleteProtection'));
  return check(v === 'on', { configuration: v, desiredValue: 'on', operator: 'StringEquals', property: '$.DeleteProtection' });
};

export const slbLoadbalancerInVpc: Evaluator = (r, p) => {
  const type = str(val(r, '$.NetworkType'));
  if (type !== 'vpc') return fail({ configuration: type, desiredValue: 'vpc', operator: 'StringEquals', property: '$.NetworkType' });
  const vpcIds = listParam(p, 'vpcIds');
  if (vpcIds.length === 0) return pass();
  const vpc = str(val(r, '$.VpcId'));
  return check(vpcIds.includes(vpc), { configuration: vpc, desiredValue: vpcIds.join(','), operator: 'In', property: '$.VpcId' });
};

export const slbLoadbalancerBandwidthLimit: Evaluator = (r, p) => {
  const min = numParam(p, 'bandwidth');
  const bw = num(val(r, '$.Bandwidth'), '$.Bandwidth');
  return check(bw === -1 || bw >= min, { configuration: bw, desiredValue: min, operator: 'GreaterOrEquals', property: '$.Bandwidth' });
};

export const slbServercertificateExpiredCheck: Evaluator = (r, p, env) => {
  const days = numParam(p, 'days');
  const left = daysBetween(env.now, time(val(r, '$.ExpireTimeStamp'), '$.ExpireTimeStamp'));
  return check(left > days, {
    configuration: Math.floor(left), desiredValue: days, operator: 'Greater', property: '$.ExpireTimeStamp', reason: `The certificate expires in ${Math.floor(left)} days.`,
  });
};

export const slbInstanceExpiredCheck: Evaluator = (r, p, env) => {
  const pay = str(val(r, '$.PayType'));
  if (pay !== 'PrePay') return notApplicable('$.PayType', 'Only subscription instances expire.', pay);
  const days = numParam(p, 'days');
  const left = daysBetween(env.now, time(val(r, '$.EndTimeStamp'), '$.EndTimeStamp'));
  return check(left > days, {
    configuration: Math.floor(left), desiredValue: days, operator: 'Greater', property: '$.EndTimeStamp', reason: `The instance expires in ${Math.floor(left)} days.`,
  });
};

// ---- VPC --------------------------------------------------------------------------------------

export const vpcFlowLogsEnabled: Evaluator = (r) => {
  const logs = list<{ Status?: string }>(r, '$.FlowLogs');
  const active = logs.some((l) => str(l.Status) === 'Active');
  return check(active, { configuration: logs.map((l) => str(l.Status)).join(','), desiredValue: 'Active', operator: 'Contains', property: '$.FlowLogs[*].Status' });
};

export const NETWORK_EVALUATORS: Record<string, Evaluator> = {
  'sg-public-access-check': sgPublicAccessCheck,
  'sg-risky-ports-check': sgRiskyPortsCheck,
  'ecs-security-group-risky-ports-check-with-protocol': ecsSecurityGroupRiskyPortsCheckWithProtocol,
  'ecs-security-group-not-open-all-port': ecsSecurityGroupNotOpenAllPort,
  'ecs-security-group-white-list-port-check': ecsSecurityGroupWhiteListPortCheck,
  'ecs-security-group-egress-not-all-access': ecsSecurityGroupEgressNotAllAccess,
  'ecs-security-group-not-internet-cidr-access': ecsSecurityGroupNotInternetCidrAccess,
  'eip-bandwidth-limit': eipBandwidthLimit,
  'eip-attached': eipAttached,
  'slb-listener-https-enabled': slbListenerHttpsEnabled,
  'slb-no-public-ip': slbNoPublicIp,
  'slb-delete-protection-enabled': slbDeleteProtectionEnabled,
  'slb-loadbalancer-in-vpc': slbLoadbalancerInVpc,
  'slb-loadbalancer-bandwidth-limit': slbLoadbalancerBandwidthLimit,
  'slb-servercertificate-expired-check': slbServercertificateExpiredCheck,
  'slb-instance-expired-check': slbInstanceExpiredCheck,
  'vpc-flow-logs-enabled': vpcFlowLogsEnabled,
};
