import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { ResourceStore } from '../../src/store/resource-store';
import { UsageError } from '../errors';

export const HISTORY_HELP = `Usage: cloudtap history <resource-id> [--json] [--stack NAME [--region R] [--profile P] | --data-dir DIR]

A resource's configuration timeline: when it was first seen, every change (field by field, with the run
that saw it) and its deletion.

  --json            the record and its history entries as JSON
${storeHelp()}`;

const OPTIONS = { json: { type: 'boolean' }, ...STORE_FLAGS } as const;

export async function historyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('history', argv, OPTIONS, true);
  if (values.help) {
    console.log(HISTORY_HELP);
    return 0;
  }
  const [resourceId] = positionals;
  if (!resourceId || positionals.length > 1) throw new UsageError('history takes one resource id, e.g. cloudtap history i-0abc123; list ids with: cloudtap resources');
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const store = new ResourceStore(workspace.db);
    const records = await store.findById(resourceId);
    if (records.length === 0) throw new UsageError(`no resource with id "${resourceId}" in the inventory; list ids with: cloudtap resources --include-deleted`);
    const timelines = await Promise.all(records.map(async (record) => ({ record, entries: await store.history(record.pk, record.resourceId) })));
    if (values.json) {
      console.log(JSON.stringify(timelines.map(({ record: { pk: _pk, sk: _sk, ...record }, entries }) => ({ resource: record, history: entries })), null, 2));
      return 0;
    }
    for (const { record, entries } of timelines) {
      console.log(`${record.type} ${record.resourceId}${record.name ? ` (${record.name})` : ''} in ${record.accountId} ${record.region}`);
      console.log(`  ${record.firstSeen}  first seen (run ${record.runId === entries[0]?.runId ? record.runId : 'of that time'})`);
      for (const entry of entries) {
        console.log(`  ${entry.time}  ${entry.change} (run ${entry.runId})`);
        for (const [field, { from, to }] of Object.entries(entry.diff)) console.log(`      ${field}: ${JSON.stringify(from)} → ${JSON.stringify(to)}`);
      }
      if (entries.length === 0) console.log('  no changes since');
    }
    return 0;
  } finally {
    await workspace.close();
  }
}
