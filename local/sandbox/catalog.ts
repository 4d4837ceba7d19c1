/**
 * The vocabulary of the synthetic account: server roles and what each role looks like in EC2,
 * the ports that make an open security group dangerous, the marker of fake secrets.
 */
export const SERVER_ROLES = ['web_server', 'app_server', 'db_server', 'batch_worker', 'cache_server'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export interface RoleProfile {
  /** Relative share of instances with this role. */
  weight: number;
  namePrefix: string;
  instanceTypes: readonly string[];
  /** Web servers sit in public subnets and get public IPs; the rest in private ones. */
  publicSubnet: boolean;
}

export const ROLE_PROFILES: Record<ServerRole, RoleProfile> = {
  web_server: { weight: 34, namePrefix: 'web', instanceTypes: ['t3.medium', 't3.large', 'm5.large', 'm6i.large'], publicSubnet: true },
  app_server: { weight: 26, namePrefix: 'app', instanceTypes: ['m5.xlarge', 'm6i.large', 'c5.large', 'm6g.xlarge'], publicSubnet: false },
  db_server: { weight: 12, namePrefix: 'db', instanceTypes: ['r5.large', 'r6g.xlarge', 'r5.2xlarge'], publicSubnet: false },
  batch_worker: { weight: 18, namePrefix: 'batch', instanceTypes: ['c5.2xlarge', 'c6i.4xlarge', 'm5.4xlarge'], publicSubnet: false },
  cache_server: { weight: 10, namePrefix: 'cache', instanceTypes: ['r6g.large', 'r5.xlarge'], publicSubnet: false },
};

/** Instances whose role cannot be told (no Role tag, no role= line). */
export const UNKNOWN_ROLE_PROFILE: RoleProfile = {
  weight: 0, namePrefix: 'host', instanceTypes: ['t2.micro', 't3.small', 't3.micro'], publicSubnet: false,
};

export function roleProfile(role: ServerRole | null): RoleProfile {
  return role ? ROLE_PROFILES[role] : UNKNOWN_ROLE_PROFILE;
}

/** Ports whose ingress from anywhere is a planted `OpenIngress` condition: SSH, RDP and databases. */
export const SENSITIVE_PORTS: readonly number[] = [22, 3389, 3306, 5432, 1433, 27017];
/** "Anywhere", for IPv4 and IPv6. */
export const OPEN_CIDRS: readonly string[] = ['0.0.0.0/0', '::/0'];

/** Every fake secret in user data starts with this, so tests can prove none is ever stored. */
export const SANDBOX_SECRET_PREFIX = 'sandbox-secret-';

export const ENVIRONMENTS: readonly string[] = ['production', 'production', 'staging', 'development'];
export const TEAMS: readonly string[] = ['payments', 'search', 'platform', 'data', 'identity'];
/** Who makes the changes that CloudTrail records. */
export const OPERATORS: readonly string[] = ['alice', 'bob', 'deploy-bot', 'terraform', 'ops-oncall'];
/** Amazon's account id, the owner of public AMIs. */
export const AMAZON_OWNER_ID = '137112412989';
