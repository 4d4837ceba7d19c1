import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS_WITH_STACK_REGION } from '../store-flags';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import { table } from '../format';
import { UsageError } from '../errors';

export const RESOURCES_HELP = `Usage: cloudtap resources [--type EC2.Instance] [--region R] [--account A] [--include-deleted] [--json]
                          [--stack NAME [--stack-region R] [--profile P] | --data-dir DIR]

The inventory: every collected resource, newest state.

  --type T           only this resource type (e.g. EC2.Instance, EC2.SecurityGroup, CloudTrail.Trail)
  --region R         only this region
  --account A        only this account
  --include-deleted  also resources that are gone, with the time they were marked deleted
  --json             one JSON array, full records
${storeHelp('--stack-region')}`;

const OPTIONS = {
  type: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  'include-deleted': { type: 'boolean' },
  json: { type: 'boolean' },
  ...STORE_FLAGS_WITH_STACK_REGION,
} as const;

export async function resourcesCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('resources', argv, OPTIONS);
  if (values.help) {
    console.log(RESOURCES_HELP);
    return 0;
  }
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const found: StoredResource[] = [];
    const types = new Set<string>();
    for await (const resource of new ResourceStore(workspace.db).scan()) {
      types.add(resource.type);
      if (values.type && resource.type !== values.type) continue;
      if (values.region && resource.region !== values.region) continue;
      if (values.account && resource.accountId !== values.account) continue;
      if (resource.deletedAt && !values['include-deleted']) continue;
      found.push(resource);
    }
    if (values.type && !types.has(values.type) && types.size > 0) {
      throw new UsageError(`--type: no resources of type "${values.type}"; the inventory holds: ${[...types].sort().join(', ')}`);
    }
    found.sort((a, b) => a.type.localeCompare(b.type) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region) || a.resourceId.localeCompare(b.resourceId));
    if (values.json) {
      console.log(JSON.stringify(found.map(({ pk: _pk, sk: _sk, ...r }) => r), null, 2));
      return 0;
    }
    console.log(table(
      ['type', 'account', 'region', 'id', 'name', 'first seen', 'last changed', ...(values['include-deleted'] ? ['deleted'] : [])],
      found.map((r) => [r.type, r.accountId, r.region, r.resourceId, r.name ?? '', r.firstSeen, r.lastChanged, ...(values['include-deleted'] ? [r.deletedAt ?? ''] : [])]),
    ));
    console.log(`\n${found.length} resource${found.length === 1 ? '' : 's'}`);
    return 0;
  } finally {
    await workspace.close();
  }
}
