import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS_WITH_STACK_REGION } from '../store-flags';
import type { StoredResource } from '../../src/store/resource-store';
import type { Database } from '../../src/store/dynamo';
import { listResources, UnindexedQueryError, type ResourceQuery } from '../../src/store/inventory-queries';
import { INDEXED_TAG_KEYS } from '../../src/store/tables';
import { CLOUD_SERVICE_TYPE, REGION_TYPE } from '../../src/collect/collect-task';
import { table } from '../format';
import { UsageError } from '../errors';

export const RESOURCES_HELP = `Usage: cloudtap resources [--type EC2.Instance] [--region R] [--account A] [--tag KEY=VALUE] [--include-deleted] [--json]
                          [--stack NAME [--stack-region R] [--profile P] | --data-dir DIR]

The inventory: every collected resource, newest state.

  --type T           only this resource type (e.g. EC2.Instance, EC2.SecurityGroup, CloudTrail.Trail)
  --region R         only this region
  --account A        only this account
  --tag KEY=VALUE    only resources with this tag (repeatable); ${INDEXED_TAG_KEYS.join(', ')} are indexed,
                     any other key needs --type, --account or --region beside it
  --include-deleted  also resources that are gone, with the time they were marked deleted
  --json             one JSON array, full records
${storeHelp('--stack-region')}`;

const OPTIONS = {
  type: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  tag: { type: 'string', multiple: true },
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
    const query: ResourceQuery = {
      ...(values.type ? { type: values.type } : {}),
      ...(values.account ? { accountId: values.account } : {}),
      ...(values.region ? { region: values.region } : {}),
      tags: (values.tag ?? []).map(tagFlag),
      includeDeleted: values['include-deleted'] === true,
    };
    let found: StoredResource[];
    try {
      found = await listResources(workspace.db, query);
    } catch (error) {
      if (error instanceof UnindexedQueryError) throw new UsageError(`--tag: ${error.message}`);
      throw error;
    }
    if (values.type && found.length === 0) await checkTypeKnown(workspace.db, values.type);
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

/** `KEY=VALUE` → [key, value]; the value may hold `=` and may be empty. */
function tagFlag(flag: string): [string, string] {
  const at = flag.indexOf('=');
  if (at <= 0) throw new UsageError(`--tag: "${flag}" is not KEY=VALUE (e.g. --tag Environment=prod)`);
  return [flag.slice(0, at), flag.slice(at + 1)];
}

/** A type nothing was found of may be a typo: the store's type records (one Query) say which types exist. */
async function checkTypeKnown(db: Database, type: string): Promise<void> {
  const types = new Set([REGION_TYPE, CLOUD_SERVICE_TYPE, ...(await listResources(db, { type: CLOUD_SERVICE_TYPE, includeDeleted: true })).map((r) => r.resourceId)]);
  if (types.size > 2 && !types.has(type)) throw new UsageError(`--type: no resources of type "${type}"; the inventory holds: ${[...types].sort().join(', ')}`);
}
