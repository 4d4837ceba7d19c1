import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS_WITH_STACK_REGION } from '../store-flags';
import type { StoredResource } from '../../src/store/resource-store';
import type { Database } from '../../src/store/dynamo';
import { listResources, relatedTo, UnindexedQueryError, type ResourceQuery } from '../../src/store/inventory-queries';
import { INDEXED_TAG_KEYS } from '../../src/store/tables';
import { CLOUD_SERVICE_TYPE, REGION_TYPE } from '../../src/collect/collect-task';
import { table } from '../format';
import { UsageError } from '../errors';

export const RESOURCES_HELP = `Usage: cloudtap resources [--type EC2.Instance] [--region R] [--account A] [--tag KEY=VALUE] [--include-deleted] [--json]
                          [--stack NAME [--stack-region R] [--profile P] | --data-dir DIR]
       cloudtap resources --related-to ID [--json] [--stack NAME … | --data-dir DIR]

The inventory: every collected resource, newest state.

  --type T           only this resource type (e.g. EC2.Instance, EC2.SecurityGroup, CloudTrail.Trail)
  --region R         only this region
  --account A        only this account
  --tag KEY=VALUE    only resources with this tag (repeatable); ${INDEXED_TAG_KEYS.join(', ')} are indexed,
                     any other key needs --type, --account or --region beside it
  --include-deleted  also resources that are gone, with the time they were marked deleted
  --related-to ID    the resource's edges both ways: what it points to (an instance → its subnet, security
                     groups, volumes) and what points to it (a target group → the instance), with the relation
  --json             one JSON array, full records
${storeHelp('--stack-region')}`;

const OPTIONS = {
  type: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  tag: { type: 'string', multiple: true },
  'include-deleted': { type: 'boolean' },
  'related-to': { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_FLAGS_WITH_STACK_REGION,
} as const;

export async function resourcesCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('resources', argv, OPTIONS);
  if (values.help) {
    console.log(RESOURCES_HELP);
    return 0;
  }
  const relatedId = values['related-to'];
  if (relatedId !== undefined) {
    const others = (['type', 'region', 'account', 'tag', 'include-deleted'] as const).filter((flag) => values[flag] !== undefined);
    if (others.length > 0) throw new UsageError(`--related-to lists one resource's edges; it does not combine with --${others.join(', --')}`);
    if (relatedId === '') throw new UsageError('--related-to: give a resource id (e.g. i-0abc…, vol-…, an ARN, a bucket name)');
  }
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    if (relatedId !== undefined) return await printRelated(workspace.db, relatedId, values.json === true);
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

/** A resource's edges, both ways; a resource that is not in the inventory is a usage error naming it. */
async function printRelated(db: Database, id: string, json: boolean): Promise<number> {
  const { resources, related } = await relatedTo(db, id);
  if (resources.length === 0) throw new UsageError(`--related-to: no resource "${id}" in the inventory; list ids with: cloudtap resources --type <type>`);
  related.sort((a, b) => a.direction.localeCompare(b.direction) || a.relation.localeCompare(b.relation) || a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
  if (json) {
    console.log(JSON.stringify({
      resources: resources.map(({ pk: _pk, sk: _sk, ...r }) => r),
      related: related.map(({ resource, ...edge }) => ({ ...edge, collected: resource !== undefined, ...(resource?.name ? { name: resource.name } : {}), ...(resource ? { region: resource.region } : {}) })),
    }, null, 2));
    return 0;
  }
  for (const r of resources) console.log(`${r.type} ${r.resourceId}${r.name ? ` (${r.name})` : ''} in ${r.accountId} ${r.region}`);
  console.log(table(
    ['', 'relation', 'type', 'account', 'region', 'id', 'name'],
    related.map((e) => [e.direction === 'to' ? '→' : '←', e.relation, e.type, e.accountId, e.resource?.region ?? '(not collected)', e.id, e.resource?.name ?? '']),
  ));
  console.log(`\n${related.filter((e) => e.direction === 'to').length} pointed to, ${related.filter((e) => e.direction === 'from').length} pointing here`);
  return 0;
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
