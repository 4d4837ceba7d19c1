import { DescribeAvailabilityZonesCommand, DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../aws/clients';
import { defineResourceType, type CollectContext, type ResourceRecord } from '../resource-type';
import type { AccountRegion, RegionDirectory } from '../service';

/** The account's regions, enabled or not, as DescribeRegions (AllRegions) lists them. */
export const ec2RegionDirectory: RegionDirectory = {
  actions: ['ec2:DescribeRegions'],
  async list(clients: AwsClients): Promise<AccountRegion[]> {
    const output = await clients.get<EC2Client>('ec2').send(new DescribeRegionsCommand({ AllRegions: true }));
    return (output.Regions ?? []).filter((r) => !!r.RegionName).map((r) => ({
      name: r.RegionName as string,
      enabled: r.OptInStatus !== 'not-opted-in',
      optInStatus: r.OptInStatus ?? null,
      endpoint: r.Endpoint ?? null,
    }));
  },
};

interface RawRegion extends AccountRegion {
  zones: { name: string; id: string | null; state: string | null }[];
}

/** Regions with their opt-in status, and the availability zones of every enabled one: collected once per account. */
export const regionType = defineResourceType<RawRegion, never>({
  service: 'EC2',
  name: 'Region',
  key: 'Region',
  level: 'account',
  info: {
    group: 'Account',
    displayName: 'Region',
    labels: ['Account'],
    primaryFields: ['region_name', 'enabled'],
    displayFields: ['region_name', 'opt_in_status', 'enabled', 'availability_zones'],
  },
  source: {
    actions: ['ec2:DescribeRegions', 'ec2:DescribeAvailabilityZones'],
    async *pages(context: CollectContext) {
      const regions: RawRegion[] = [];
      for (const region of await ec2RegionDirectory.list(context.clients)) {
        let zones: RawRegion['zones'] = [];
        if (region.enabled) {
          const clients = context.clientsIn?.(region.name) ?? context.clients;
          const azs = await clients.get<EC2Client>('ec2').send(new DescribeAvailabilityZonesCommand({}));
          zones = (azs.AvailabilityZones ?? []).map((z) => ({ name: z.ZoneName ?? '', id: z.ZoneId ?? null, state: z.State ?? null }));
        }
        regions.push({ ...region, zones });
      }
      yield regions;
    },
  },
  preprocess: (raw): ResourceRecord => ({
    id: raw.name,
    name: raw.name,
    arn: `arn:aws:ec2:${raw.name}::region/${raw.name}`,
    tags: {},
    data: { region_name: raw.name, endpoint: raw.endpoint, opt_in_status: raw.optInStatus, enabled: raw.enabled, availability_zones: raw.zones },
  }),
  volatileFields: [],
});
