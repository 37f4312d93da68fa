/**
 * Every evaluator, table-driven: a compliant, a non-compliant and a not-applicable case (or, for a
 * rule whose logic has no NOT_APPLICABLE branch, a missing attribute -> INSUFFICIENT_DATA case).
 * Parameters come from the catalog defaults unless the case sets them.
 */
import t from 'tap';
import { bundledCatalog } from '../src/catalog.js';
import { EVALUATORS, evaluateManaged } from '../src/engine/index.js';
import type { ComplianceType, InventoryResource } from '../src/store/index.js';

const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const catalog = bundledCatalog();

type Case = [expected: ComplianceType, configuration: Record<string, unknown>, extra?: { params?: Record<string, string>; tags?: Record<string, string> }];
interface Row {
  type: string;
  params?: Record<string, string>;
  cases: Case[];
}

const C = 'COMPLIANT';
const N = 'NON_COMPLIANT';
const NA = 'NOT_APPLICABLE';
const ID = 'INSUFFICIENT_DATA';

const OSS = 'ACS::OSS::Bucket';
const ECS = 'ACS::ECS::Instance';
const DISK = 'ACS::ECS::Disk';
const SG = 'ACS::ECS::SecurityGroup';
const USER = 'ACS::RAM::User';
const RDS = 'ACS::RDS::DBInstance';
const SLB = 'ACS::SLB::LoadBalancer';

const grant = (g: string, extra: Record<string, unknown> = {}) => ({ AccessControlList: { Grant: g }, ...extra });
const policy = (statements: unknown[]) => JSON.stringify({ Version: '1', Statement: statements });
const perm = (p: Record<string, unknown>) => ({ Direction: 'ingress', Policy: 'Accept', IpProtocol: 'TCP', Priority: 1, ...p });
const perms = (...ps: Record<string, unknown>[]) => ({ Permissions: { Permission: ps.map(perm) } });
const key = (createdDaysAgo: number, usedDaysAgo = createdDaysAgo) => ({ AccessKeyId: 'LTAI', Status: 'Active', CreateDate: iso(NOW - createdDaysAgo * DAY), LastUsedDate: iso(NOW - usedDaysAgo * DAY) });

const TABLE: Record<string, Row> = {
  // ---- OSS
  'oss-bucket-public-read-prohibited': { type: OSS, cases: [[C, grant('private')], [N, grant('public-read')], [ID, {}]] },
  'oss-bucket-public-write-prohibited': { type: OSS, cases: [[C, grant('public-read')], [N, grant('public-read-write')], [ID, {}]] },
  'oss-bucket-server-side-encryption-enabled': {
    type: OSS, cases: [[C, { ServerSideEncryptionRule: { SSEAlgorithm: 'AES256' } }], [N, { ServerSideEncryptionRule: { SSEAlgorithm: 'None' } }], [N, {}]],
  },
  'oss-default-encryption-kms': { type: OSS, cases: [[C, { ServerSideEncryptionRule: { SSEAlgorithm: 'KMS' } }], [N, { ServerSideEncryptionRule: { SSEAlgorithm: 'AES256' } }], [N, {}]] },
  'oss-zrs-enabled': { type: OSS, cases: [[C, { DataRedundancyType: 'ZRS' }], [N, { DataRedundancyType: 'LRS' }], [ID, {}]] },
  'oss-bucket-logging-enabled': { type: OSS, cases: [[C, { BucketPolicy: { LogBucket: 'logs' } }], [N, { BucketPolicy: { LogBucket: '' } }], [N, {}]] },
  'oss-bucket-versioning-enabled': { type: OSS, cases: [[C, { Versioning: 'Enabled' }], [N, { Versioning: 'Suspended' }], [N, {}]] },
  'oss-bucket-referer-limit': {
    type: OSS,
    cases: [
      [C, { RefererList: { Referer: ['http://www.aliyun.com'] }, AllowEmptyReferer: 'true' }],
      [C, { RefererList: { Referer: 'http://www.aliyun.com' }, AllowEmptyReferer: 'true' }], // a one-item list without brackets
      [N, { RefererList: { Referer: [] } }],
      [N, { RefererList: { Referer: ['http://evil.example'] }, AllowEmptyReferer: 'false' }],
      [N, { RefererList: { Referer: ['http://www.aliyun.com'] }, AllowEmptyReferer: 'true' }, { params: { allowEmptyReferer: 'false' } }],
    ],
  },
  'oss-bucket-anonymous-prohibited': {
    type: OSS,
    cases: [
      [NA, grant('private')],
      [C, grant('public-read', { Policy: policy([{ Effect: 'Allow', Principal: ['123'], Action: ['oss:GetObject'] }]) })],
      [N, grant('public-read')],
      [N, grant('public-read', { Policy: policy([{ Effect: 'Allow', Principal: ['*'], Action: ['oss:GetObject'] }]) })],
    ],
  },
  'oss-bucket-policy-no-any-anonymous': {
    type: OSS,
    cases: [[C, grant('private')], [N, grant('private', { Policy: policy([{ Effect: 'Allow', Principal: '*', Action: 'oss:*' }]) })], [C, grant('private', { Policy: policy([{ Effect: 'Deny', Principal: '*' }]) })]],
  },
  'oss-bucket-authorize-specified-ip': {
    type: OSS,
    cases: [
      // "ACL is private, or its bucket policy only allows access from specific IPs": either one.
      [C, grant('private', { Policy: policy([{ Effect: 'Allow', Principal: ['1'], Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }]) })],
      [C, grant('private', { Policy: policy([{ Effect: 'Allow', Principal: ['1'] }]) })],
      [C, grant('public-read', { Policy: policy([{ Effect: 'Allow', Principal: ['*'], Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }]) })],
      [N, grant('public-read')],
      [N, grant('public-read', { Policy: policy([{ Effect: 'Allow', Principal: ['*'], Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }, { Effect: 'Allow', Principal: ['1'] }]) })],
      [ID, {}],
    ],
  },
  'oss-bucket-only-https-enabled': {
    type: OSS,
    cases: [
      [C, { Policy: policy([{ Effect: 'Deny', Principal: ['*'], Condition: { Bool: { 'acs:SecureTransport': ['false'] } } }]) }],
      [N, { Policy: policy([{ Effect: 'Allow', Principal: ['1'] }]) }],
      [N, {}],
    ],
  },
  // ---- ECS
  'ecs-instance-no-public-ip': {
    type: ECS,
    cases: [
      [C, { PublicIpAddress: { IpAddress: [] }, EipAddress: { IpAddress: '' } }],
      [N, { PublicIpAddress: { IpAddress: ['47.98.1.1'] }, EipAddress: { IpAddress: '' } }],
      [N, { PublicIpAddress: { IpAddress: [] }, EipAddress: { IpAddress: '39.1.1.1' } }],
      [ID, {}],
    ],
  },
  'ecs-running-instance-no-public-ip': {
    type: ECS,
    cases: [
      [C, { Status: 'Running', PublicIpAddress: { IpAddress: [] } }],
      [N, { Status: 'Running', PublicIpAddress: { IpAddress: ['47.98.1.1'] } }],
      [NA, { Status: 'Stopped', PublicIpAddress: { IpAddress: ['47.98.1.1'] } }],
    ],
  },
  'ecs-instances-in-vpc': {
    type: ECS,
    cases: [
      [C, { InstanceNetworkType: 'vpc', VpcAttributes: { VpcId: 'vpc-1' } }],
      [N, { InstanceNetworkType: 'classic' }],
      [N, { InstanceNetworkType: 'vpc', VpcAttributes: { VpcId: 'vpc-2' } }, { params: { vpcIds: 'vpc-1' } }],
      [C, { InstanceNetworkType: 'vpc', VpcAttributes: { VpcId: 'vpc-1' } }, { params: { vpcIds: 'vpc-1,vpc-3' } }],
    ],
  },
  'ecs-disk-encrypted': {
    type: DISK,
    cases: [
      [C, { Type: 'data', Status: 'In_use', Encrypted: true, KMSKeyId: 'k1' }],
      [N, { Type: 'data', Status: 'In_use', Encrypted: false }],
      [N, { Type: 'data', Status: 'In_use', Encrypted: true, KMSKeyId: 'k2' }, { params: { kmsKeyIds: 'k1' } }],
      [NA, { Type: 'system', Status: 'In_use', Encrypted: false }],
      [NA, { Type: 'data', Status: 'Available', Encrypted: false }],
    ],
  },
  'ecs-disk-in-use': { type: DISK, cases: [[C, { Status: 'In_use' }], [N, { Status: 'Available' }], [ID, {}]] },
  'ecs-instance-deletion-protection-enabled': {
    type: ECS,
    cases: [[C, { InstanceChargeType: 'PostPaid', DeletionProtection: true }], [N, { InstanceChargeType: 'PostPaid', DeletionProtection: false }], [NA, { InstanceChargeType: 'PrePaid', DeletionProtection: false }]],
  },
  'ecs-instance-attached-security-group': {
    type: ECS,
    params: { securityGroupIds: 'sg-1,sg-2' },
    cases: [[C, { SecurityGroupIds: { SecurityGroupId: ['sg-2'] } }], [C, { SecurityGroupIds: { SecurityGroupId: 'sg-2' } }], [N, { SecurityGroupIds: { SecurityGroupId: ['sg-9'] } }], [ID, {}]],
  },
  'ecs-instance-expired-check': {
    type: ECS,
    cases: [
      [C, { InstanceChargeType: 'PrePaid', ExpiredTime: iso(NOW + 60 * DAY) }],
      [N, { InstanceChargeType: 'PrePaid', ExpiredTime: iso(NOW + 10 * DAY) }],
      [NA, { InstanceChargeType: 'PostPaid', ExpiredTime: '2099-12-31T15:59Z' }],
    ],
  },
  'ecs-instance-status-no-stopped': { type: ECS, cases: [[C, { Status: 'Running' }], [N, { Status: 'Stopped' }], [ID, {}]] },
  'ecs-disk-auto-snapshot-policy': {
    type: DISK,
    cases: [[C, { Status: 'In_use', AutoSnapshotPolicyId: 'sp-1' }], [N, { Status: 'In_use', AutoSnapshotPolicyId: '' }], [NA, { Status: 'Available' }]],
  },
  'ecs-snapshot-retention-days': {
    type: 'ACS::ECS::AutoSnapshotPolicy',
    cases: [[C, { RetentionDays: 30 }], [C, { RetentionDays: -1 }], [N, { RetentionDays: 3 }], [ID, {}]],
  },
  'ecs-cpu-min-count-limit': { type: ECS, params: { cpuCount: '4' }, cases: [[C, { Cpu: 8 }], [N, { Cpu: 2 }], [ID, {}], [ID, { Cpu: 8 }, { params: { cpuCount: '' } }]] },
  'ecs-desired-instance-type': { type: ECS, params: { instanceTypes: 'ecs.g7.large,ecs.c7.large' }, cases: [[C, { InstanceType: 'ecs.c7.large' }], [N, { InstanceType: 'ecs.t5.small' }], [ID, {}]] },
  'ecs-memory-min-size-limit': { type: ECS, params: { memorySize: '4096' }, cases: [[C, { Memory: 8192 }], [N, { Memory: 1024 }], [ID, {}]] },
  // ---- security groups
  'sg-public-access-check': {
    type: SG,
    cases: [
      [C, perms({ PortRange: '443/443', SourceCidrIp: '0.0.0.0/0' })],
      [N, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ALL', Priority: 2 })],
      [C, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', Priority: 2 }, { PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', Policy: 'Drop', Priority: 1 })],
      // A Drop overrides only traffic of its own protocol (or of every protocol, ALL).
      [N, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ALL', Priority: 100 }, { PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ICMP', Policy: 'Drop', Priority: 1 })],
      [C, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'TCP', Priority: 100 }, { PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ALL', Policy: 'Drop', Priority: 1 })],
      [NA, { ServiceManaged: true, ...perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0' }) }],
    ],
  },
  'sg-risky-ports-check': {
    type: SG,
    cases: [
      [C, perms({ PortRange: '22/22', SourceCidrIp: '10.0.0.0/8' }, { PortRange: '443/443', SourceCidrIp: '0.0.0.0/0' })],
      [N, perms({ PortRange: '20/30', SourceCidrIp: '0.0.0.0/0' })],
      [N, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0' })],
      [N, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 100 }, { PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'UDP', Policy: 'Drop', Priority: 1 })],
      [C, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 100 }, { PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'tcp', Policy: 'Drop', Priority: 1 })],
      [ID, {}],
      // A port list that is not one is INSUFFICIENT_DATA, not an empty list (every group compliant).
      [ID, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }), { params: { ports: '22;3389' } }],
      [ID, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }), { params: { ports: 'abc' } }],
      [ID, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }), { params: { ports: '22,70000' } }],
    ],
  },
  'ecs-security-group-risky-ports-check-with-protocol': {
    type: SG,
    cases: [
      [C, perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ICMP' })],
      [N, perms({ PortRange: '3389/3389', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'UDP' })],
      [NA, { ServiceManaged: true, ...perms({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }) }],
      // An Accept of ALL is open for each protocol the rule checks: a TCP Drop covers it under protocol=TCP only.
      [C, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ALL', Priority: 100 }, { PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Policy: 'Drop', Priority: 1 }), { params: { protocol: 'TCP', ports: '22' } }],
      [N, perms({ PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0', IpProtocol: 'ALL', Priority: 100 }, { PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Policy: 'Drop', Priority: 1 }), { params: { protocol: 'TCP,UDP', ports: '22' } }],
      // A lone permission object (a one-item list without brackets) is still read.
      [N, { Permissions: { Permission: perm({ PortRange: '3389/3389', SourceCidrIp: '0.0.0.0/0' }) } }],
    ],
  },
  'ecs-security-group-not-open-all-port': {
    type: SG,
    cases: [[C, perms({ PortRange: '80/80', SourceCidrIp: '0.0.0.0/0' })], [N, perms({ PortRange: '1/65535', SourceCidrIp: '10.0.0.0/8' })], [NA, { ServiceManaged: true, Permissions: { Permission: [] } }]],
  },
  'ecs-security-group-white-list-port-check': {
    type: SG,
    cases: [
      [C, perms({ PortRange: '80/80', SourceCidrIp: '0.0.0.0/0' }, { PortRange: '22/22', SourceCidrIp: '10.0.0.0/8' })],
      [N, perms({ PortRange: '8080/8080', SourceCidrIp: '0.0.0.0/0' })],
      [N, perms({ PortRange: '80/443', SourceCidrIp: '0.0.0.0/0' })],
      [NA, { ServiceManaged: true, Permissions: { Permission: [] } }],
    ],
  },
  'ecs-security-group-egress-not-all-access': {
    type: SG,
    cases: [
      [C, perms({ Direction: 'egress', PortRange: '443/443', DestCidrIp: '10.0.0.0/8' })],
      [N, perms({ Direction: 'egress', PortRange: '-1/-1', DestCidrIp: '0.0.0.0/0' })],
      [NA, { ServiceManaged: true, Permissions: { Permission: [] } }],
    ],
  },
  'ecs-security-group-not-internet-cidr-access': {
    type: SG,
    cases: [
      [C, perms({ PortRange: '22/22', SourceCidrIp: '172.16.1.0/24' }, { PortRange: '22/22', SourceCidrIp: '100.64.0.0/10' })],
      [N, perms({ PortRange: '22/22', SourceCidrIp: '47.98.0.0/16' })],
      [N, perms({ PortRange: '22/22', SourceCidrIp: '172.32.0.0/16' })],
      [NA, { ServiceManaged: true, Permissions: { Permission: [] } }],
    ],
  },
  // ---- RAM and account
  'ram-user-mfa-check': {
    type: USER,
    cases: [[C, { LoginProfile: { MFABindRequired: true } }], [N, { LoginProfile: { MFABindRequired: false } }], [NA, { UserName: 'robot' }], [ID, { LoginProfile: { PasswordResetRequired: false } }]],
  },
  'root-mfa-check': { type: 'ACS::::Account', cases: [[C, { MFAEnabled: true }], [N, { MFAEnabled: false }], [ID, {}]] },
  'root-ak-check': {
    type: 'ACS::::Account',
    cases: [[C, { AccessKeys: { AccessKey: [{ Status: 'Inactive' }] } }], [N, { AccessKeys: { AccessKey: [{ Status: 'Active' }] } }], [C, {}]],
  },
  'ram-password-policy-check': {
    type: 'ACS::::Account',
    cases: [
      [C, { PasswordPolicy: { MinimumPasswordLength: 12, RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: true, HardExpire: true, MaxLoginAttemps: 5, PasswordReusePrevention: 3, MaxPasswordAge: 90 } }],
      [N, { PasswordPolicy: { MinimumPasswordLength: 6, RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: true, HardExpire: true, MaxLoginAttemps: 5, PasswordReusePrevention: 3, MaxPasswordAge: 90 } }],
      [N, { PasswordPolicy: { MinimumPasswordLength: 12, RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: true, HardExpire: true, MaxLoginAttemps: 5, PasswordReusePrevention: 3, MaxPasswordAge: 0 } }],
      // "Every configured parameter": an optional one set empty is left out, not replaced by its default.
      [C, { PasswordPolicy: { MinimumPasswordLength: 12, RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: true, HardExpire: true, MaxLoginAttemps: 5, PasswordReusePrevention: 0, MaxPasswordAge: 0 } }, { params: { passwordReusePrevention: '', maxPasswordAge: '' } }],
      [ID, {}],
    ],
  },
  'ram-user-no-policy-check': { type: USER, cases: [[C, { Policies: { Policy: [] } }], [N, { Policies: { Policy: [{ PolicyName: 'ReadOnlyAccess' }] } }], [C, {}]] },
  'ram-user-group-membership-check': {
    type: USER,
    cases: [[C, { Groups: { Group: [{ GroupName: 'dev' }] } }], [N, { Groups: { Group: [] } }], [N, { Groups: { Group: [{ GroupName: 'dev' }] } }, { params: { groupNames: 'ops' } }]],
  },
  'ram-group-has-member-check': { type: 'ACS::RAM::Group', cases: [[C, { Users: { User: [{ UserName: 'a' }] } }], [N, { Users: { User: [] } }], [N, {}]] },
  'ram-policy-no-statements-with-admin-access-check': {
    type: 'ACS::RAM::Role',
    cases: [
      [C, { Policies: { Policy: [{ PolicyName: 'ReadOnlyAccess' }] } }],
      [N, { Policies: { Policy: [{ PolicyName: 'AdministratorAccess' }] } }],
      [N, { Policies: { Policy: [{ PolicyName: 'custom', PolicyDocument: policy([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }] } }],
    ],
  },
  'ram-policy-in-use-check': {
    type: 'ACS::RAM::Policy',
    cases: [[C, { PolicyType: 'Custom', AttachmentCount: 2 }], [N, { PolicyType: 'Custom', AttachmentCount: 0 }], [NA, { PolicyType: 'System', AttachmentCount: 0 }]],
  },
  'ram-user-login-check': {
    type: USER,
    cases: [[C, { LoginProfile: { MFABindRequired: true }, AccessKeys: { AccessKey: [] } }], [N, { LoginProfile: { MFABindRequired: true }, AccessKeys: { AccessKey: [key(1)] } }], [C, { AccessKeys: { AccessKey: [key(1)] } }]],
  },
  'ram-user-ak-create-date-expired-check': { type: USER, cases: [[C, { AccessKeys: { AccessKey: [key(10)] } }], [N, { AccessKeys: { AccessKey: [key(10), key(120)] } }], [NA, { AccessKeys: { AccessKey: [] } }]] },
  'ram-user-last-login-expired-check': {
    type: USER,
    cases: [[C, { LastLoginDate: iso(NOW - 5 * DAY) }], [N, { LastLoginDate: iso(NOW - 200 * DAY) }], [C, { LastLoginDate: '', UpdateDate: iso(NOW - DAY) }], [ID, {}]],
  },
  'ram-user-ak-used-expired-check': { type: USER, cases: [[C, { AccessKeys: { AccessKey: [key(300, 2)] } }], [N, { AccessKeys: { AccessKey: [key(300, 120)] } }], [NA, {}]] },
  'ram-user-activated-ak-quantity-check': {
    type: USER,
    cases: [
      [C, { AccessKeys: { AccessKey: [key(60), key(5)] } }],
      [N, { AccessKeys: { AccessKey: [key(60), key(45)] } }],
      [N, { Status: 'Inactive' }],
      [C, { AccessKeys: { AccessKey: [key(60), key(5)] } }, { params: { days: '' } }], // '' evaluates as the default (30), not 0
    ],
  },
  'ram-risky-policy-user-mfa-check': {
    type: USER,
    cases: [
      [C, { Policies: { Policy: [{ PolicyName: 'AdministratorAccess' }] }, LoginProfile: { MFABindRequired: true } }],
      [N, { Policies: { Policy: [{ PolicyName: 'AdministratorAccess' }] }, LoginProfile: { MFABindRequired: false } }],
      [NA, { Policies: { Policy: [{ PolicyName: 'ReadOnlyAccess' }] } }],
      // policyName is a comma list (valueType csv): any one of its policies puts the user in scope.
      [N, { Policies: { Policy: [{ PolicyName: 'AdministratorAccess' }] }, LoginProfile: { MFABindRequired: false } }, { params: { policyName: 'AliyunRAMFullAccess, AdministratorAccess' } }],
      [NA, { Policies: { Policy: [{ PolicyName: 'ReadOnlyAccess' }] } }, { params: { policyName: 'AliyunRAMFullAccess,AdministratorAccess' } }],
      [ID, { Policies: { Policy: [{ PolicyName: 'AdministratorAccess' }] } }, { params: { policyName: ' , ' } }],
    ],
  },
  // ---- RDS
  'rds-public-access-check': { type: RDS, cases: [[C, { DBInstanceNetType: 'Intranet' }], [N, { DBInstanceNetType: 'Internet' }], [N, { DBInstanceNetType: 'Intranet', NetInfo: [{ IPType: 'Public' }] }], [N, { DBInstanceNetType: 'Intranet', NetInfoItems: [{ IPType: 'Public' }] }], [ID, {}]] },
  'rds-public-connection-and-any-ip-access-check': {
    type: RDS,
    cases: [[C, { DBInstanceNetType: 'Internet', SecurityIPList: '10.0.0.0/8' }], [N, { DBInstanceNetType: 'Internet', SecurityIPList: '10.0.0.0/8,0.0.0.0/0' }], [C, { DBInstanceNetType: 'Intranet', SecurityIPList: '0.0.0.0/0' }]],
  },
  'rds-instances-in-vpc': { type: RDS, cases: [[C, { InstanceNetworkType: 'VPC', VpcId: 'vpc-1' }], [N, { InstanceNetworkType: 'Classic' }], [N, { InstanceNetworkType: 'VPC', VpcId: 'vpc-1' }, { params: { vpcIds: 'vpc-2' } }]] },
  'rds-multi-az-support': { type: RDS, cases: [[C, { ZoneId: 'cn-hangzhou-MAZ6(h,i)' }], [C, { ZoneId: 'cn-hangzhou-h', SecondaryZoneId: 'cn-hangzhou-i' }], [C, { ZoneId: 'cn-hangzhou-h', SlaveZones: { SlaveZone: [{ ZoneId: 'cn-hangzhou-i' }] } }], [N, { ZoneId: 'cn-hangzhou-h', SlaveZones: { SlaveZone: [{ ZoneId: 'cn-hangzhou-h' }] } }], [N, { ZoneId: 'cn-hangzhou-h' }], [ID, {}]] },
  'rds-high-availability-category': { type: RDS, cases: [[C, { Category: 'AlwaysOn' }], [N, { Category: 'Basic' }], [ID, {}]] },
  'rds-instance-enabled-auditing': { type: RDS, cases: [[C, { SQLCollectorStatus: 'Enable' }], [N, { SQLCollectorStatus: 'Disabled' }], [ID, {}]] },
  'rds-instance-sql-collector-retention': {
    type: RDS,
    cases: [[C, { SQLCollectorStatus: 'Enable', SQLCollectorRetention: 365 }], [N, { SQLCollectorStatus: 'Enable', SQLCollectorRetention: 30 }], [N, { SQLCollectorStatus: 'Disabled' }]],
  },
  // ---- SLB
  'slb-listener-https-enabled': {
    type: SLB,
    cases: [[C, { ListenerPortsAndProtocol: { ListenerPortAndProtocol: [{ ListenerPort: 443, ListenerProtocol: 'https' }] } }], [N, { ListenerPortsAndProtocol: { ListenerPortAndProtocol: [{ ListenerPort: 80, ListenerProtocol: 'http' }] } }], [ID, {}]],
  },
  'slb-no-public-ip': { type: SLB, cases: [[C, { AddressType: 'intranet' }], [N, { AddressType: 'internet' }], [ID, {}]] },
  'slb-delete-protection-enabled': { type: SLB, cases: [[C, { DeleteProtection: 'on' }], [N, { DeleteProtection: 'off' }], [ID, {}]] },
  'slb-loadbalancer-in-vpc': { type: SLB, cases: [[C, { NetworkType: 'vpc', VpcId: 'vpc-1' }], [N, { NetworkType: 'classic' }], [N, { NetworkType: 'vpc', VpcId: 'vpc-1' }, { params: { vpcIds: 'vpc-2' } }]] },
  'slb-loadbalancer-bandwidth-limit': { type: SLB, cases: [[C, { Bandwidth: 50 }], [C, { Bandwidth: -1 }], [N, { Bandwidth: 5 }], [ID, {}]] },
  'slb-servercertificate-expired-check': {
    type: 'ACS::SLB::ServerCertificate',
    cases: [[C, { ExpireTimeStamp: NOW + 200 * DAY }], [C, { ExpireTimeStamp: String(NOW + 200 * DAY) }], [ID, { ExpireTimeStamp: 'soon' }], [ID, { ExpireTimeStamp: '1900000000' }], [N, { ExpireTimeStamp: NOW + 30 * DAY }], [ID, {}]],
  },
  'slb-instance-expired-check': {
    type: SLB,
    cases: [[C, { PayType: 'PrePay', EndTimeStamp: NOW + 90 * DAY }], [N, { PayType: 'PrePay', EndTimeStamp: NOW + 5 * DAY }], [NA, { PayType: 'PayOnDemand' }]],
  },
  // ---- EIP, VPC, ActionTrail, tags
  'eip-bandwidth-limit': { type: 'ACS::EIP::EipAddress', cases: [[C, { Bandwidth: '20' }], [C, { Bandwidth: 10 }], [N, { Bandwidth: '5' }], [ID, {}]] },
  'eip-attached': { type: 'ACS::EIP::EipAddress', cases: [[C, { Status: 'InUse', InstanceId: 'i-1' }], [N, { Status: 'Available', InstanceId: '' }], [ID, {}]] },
  'vpc-flow-logs-enabled': { type: 'ACS::VPC::VPC', cases: [[C, { FlowLogs: [{ Status: 'Active' }] }], [N, { FlowLogs: [{ Status: 'Inactive' }] }], [N, {}]] },
  'actiontrail-enabled': { type: 'ACS::ActionTrail::Trail', cases: [[C, { Status: 'Enable' }], [N, { Status: 'Disable' }], [ID, {}]] },
  'actiontrail-trail-intact-enabled': {
    type: 'ACS::ActionTrail::Trail',
    cases: [[C, { Status: 'Enable', TrailRegion: 'All', EventRW: 'All' }], [N, { Status: 'Enable', TrailRegion: 'All', EventRW: 'Write' }], [ID, { Status: 'Enable' }]],
  },
  'required-tags': {
    type: ECS,
    params: { tag1Key: 'env' },
    cases: [
      [C, {}, { tags: { env: 'prod' } }],
      [N, {}, { tags: { owner: 'x' } }],
      [N, {}, { tags: { env: 'dev' }, params: { tag1Key: 'env', tag1Value: 'prod' } }],
      [ID, {}, { params: { tag1Key: '' } }],
    ],
  },
};

function resource(type: string, configuration: Record<string, unknown>, tags: Record<string, string> = {}): InventoryResource {
  return { accountId: 1, regionId: 'cn-hangzhou', resourceType: type, resourceId: 'r-1', resourceName: 'r-1', resourceGroupId: '', tags, configuration, createdAt: 0 };
}

t.test('at least 40 evaluators, each for a catalog rule, and every one has a table row', async (t) => {
  t.ok(EVALUATORS.size >= 40, `${EVALUATORS.size} evaluators`);
  for (const id of EVALUATORS.keys()) {
    t.ok(catalog.managedRule(id), `${id} is in the catalog`);
    t.ok(TABLE[id], `${id} has test cases`);
  }
});

for (const [id, row] of Object.entries(TABLE)) {
  t.test(id, async (t) => {
    const rule = catalog.managedRule(id)!;
    t.ok(rule.resourceTypes.includes(row.type), `${row.type} is a resource type of ${id}`);
    const seen = new Set<ComplianceType>();
    row.cases.forEach(([expected, configuration, extra], i) => {
      const out = evaluateManaged(catalog, id, resource(row.type, configuration, extra?.tags), { ...row.params, ...extra?.params }, NOW)!;
      t.equal(out.complianceType, expected, `case ${i + 1}: ${JSON.stringify(configuration).slice(0, 100)}`);
      if (expected === 'COMPLIANT') t.equal(out.annotation, '', 'compliant results carry no annotation');
      else {
        const a = JSON.parse(out.annotation) as Record<string, unknown>;
        t.same(Object.keys(a).slice(0, 4), ['configuration', 'desiredValue', 'operator', 'property'], 'annotation shaped like the real ones');
        t.ok(Object.values(a).every((v) => typeof v === 'string'), 'annotation values are strings');
      }
      seen.add(expected);
    });
    t.ok(seen.has('COMPLIANT') && seen.has('NON_COMPLIANT'), 'covers compliant and non-compliant');
    t.ok(seen.has('NOT_APPLICABLE') || seen.has('INSUFFICIENT_DATA') || row.cases.length >= 3, 'covers a third outcome or edge');
  });
}

t.test('annotations match the documented examples', async (t) => {
  const ann = (id: string, type: string, cfg: Record<string, unknown>) => evaluateManaged(catalog, id, resource(type, cfg), {}, NOW)!.annotation;
  t.equal(ann('oss-bucket-public-read-prohibited', OSS, grant('public-read')), '{"configuration":"public-read","desiredValue":"read","operator":"NotContains","property":"$.AccessControlList.Grant"}');
  t.equal(ann('oss-zrs-enabled', OSS, { DataRedundancyType: 'LRS' }), '{"configuration":"LRS","desiredValue":"ZRS","operator":"StringEquals","property":"$.DataRedundancyType"}');
  t.equal(ann('ram-user-mfa-check', USER, { LoginProfile: { MFABindRequired: false } }), '{"configuration":"false","desiredValue":"True","operator":"StringEquals","property":"$.LoginProfile.MFABindRequired"}');
  t.equal(ann('ecs-instances-in-vpc', ECS, { InstanceNetworkType: 'classic' }), '{"configuration":"classic","desiredValue":"vpc","operator":"StringEquals","property":"$.InstanceNetworkType"}');
  t.equal(ann('ecs-instance-deletion-protection-enabled', ECS, { InstanceChargeType: 'PostPaid', DeletionProtection: false }), '{"configuration":"false","desiredValue":"True","operator":"StringEquals","property":"$.DeletionProtection"}');
  t.equal(
    evaluateManaged(catalog, 'required-tags', resource(ECS, {}), { tag1Key: 'aaaaa' }, NOW)!.annotation,
    '{"configuration":"{}","desiredValue":"{\\"aaaaa\\":\\"\\"}","operator":"TagsExist","property":"$.Tags","reason":"Tags not match key: aaaaa"}',
  );
  t.equal(
    ann('oss-zrs-enabled', OSS, {}),
    '{"configuration":"","desiredValue":"","operator":"Exists","property":"$.DataRedundancyType","reason":"No property contains."}',
    'a missing attribute is INSUFFICIENT_DATA naming the property',
  );
});

t.test('catalog defaults fill the parameters; explicit values win', async (t) => {
  const eip = (bw: string) => resource('ACS::EIP::EipAddress', { Bandwidth: bw });
  t.equal(evaluateManaged(catalog, 'eip-bandwidth-limit', eip('10'))!.complianceType, 'COMPLIANT', 'default bandwidth 10');
  t.equal(evaluateManaged(catalog, 'eip-bandwidth-limit', eip('10'), { bandwidth: '20' })!.complianceType, 'NON_COMPLIANT');
  t.equal(evaluateManaged(catalog, 'no-such-rule', eip('10')), undefined, 'no evaluator, no outcome');
});
