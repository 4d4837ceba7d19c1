/**
 * Real AWS region names the sandbox can enable, in the order `regions=N` takes them.
 * These are the regions every account has without opting in; the opt-in ones are listed
 * separately because a spec can only name them as `optIn` (present but not enabled).
 */
export interface RegionInfo {
  name: string;
  /** Prefix of the region's zone ids, e.g. `use1` for `use1-az1`. */
  zoneIdPrefix: string;
  /** Letters of the availability zones an account sees, e.g. `abc` → `us-west-2a`, `us-west-2b`, `us-west-2c`. */
  zoneLetters: string;
}

export const DEFAULT_REGIONS: readonly RegionInfo[] = [
  { name: 'us-east-1', zoneIdPrefix: 'use1', zoneLetters: 'abcdef' },
  { name: 'us-west-2', zoneIdPrefix: 'usw2', zoneLetters: 'abcd' },
  { name: 'eu-west-1', zoneIdPrefix: 'euw1', zoneLetters: 'abc' },
  { name: 'ap-southeast-2', zoneIdPrefix: 'apse2', zoneLetters: 'abc' },
  { name: 'us-east-2', zoneIdPrefix: 'use2', zoneLetters: 'abc' },
  { name: 'us-west-1', zoneIdPrefix: 'usw1', zoneLetters: 'ac' },
  { name: 'eu-central-1', zoneIdPrefix: 'euc1', zoneLetters: 'abc' },
  { name: 'eu-west-2', zoneIdPrefix: 'euw2', zoneLetters: 'abc' },
  { name: 'eu-west-3', zoneIdPrefix: 'euw3', zoneLetters: 'abc' },
  { name: 'eu-north-1', zoneIdPrefix: 'eun1', zoneLetters: 'abc' },
  { name: 'ap-northeast-1', zoneIdPrefix: 'apne1', zoneLetters: 'acd' },
  { name: 'ap-northeast-2', zoneIdPrefix: 'apne2', zoneLetters: 'abcd' },
  { name: 'ap-northeast-3', zoneIdPrefix: 'apne3', zoneLetters: 'abc' },
  { name: 'ap-southeast-1', zoneIdPrefix: 'apse1', zoneLetters: 'abc' },
  { name: 'ap-south-1', zoneIdPrefix: 'aps1', zoneLetters: 'abc' },
  { name: 'ca-central-1', zoneIdPrefix: 'cac1', zoneLetters: 'abd' },
  { name: 'sa-east-1', zoneIdPrefix: 'sae1', zoneLetters: 'abc' },
];

/** Real regions an account must opt in to; a spec may list them (or unused default ones) as `optIn`. */
export const OPT_IN_REGION_NAMES: readonly string[] = [
  'af-south-1', 'ap-east-1', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-7', 'ca-west-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1',
];

export function regionInfo(name: string): RegionInfo | undefined {
  return DEFAULT_REGIONS.find((region) => region.name === name);
}

export function isRealRegionName(name: string): boolean {
  return regionInfo(name) !== undefined || OPT_IN_REGION_NAMES.includes(name);
}

/** EC2's public endpoint host for a region, as DescribeRegions reports it. */
export function ec2Endpoint(region: string): string {
  return `ec2.${region}.amazonaws.com`;
}
