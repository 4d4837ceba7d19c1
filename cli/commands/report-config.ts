import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { ResourceStore } from '../../src/store/resource-store';
import { configurationAt, instanceLifetime, type InstanceLifetime } from '../../src/report/configuration';
import { table } from '../format';
import { UsageError } from '../errors';

export const REPORT_CONFIG_HELP = `Usage: cloudtap report config --at <ISO time> [--json] [--stack NAME [--region R] [--profile P] | --data-dir DIR]

The configuration at a moment: how many instances of each group (server role) were active, and when each
of them started and ended.

  --at TIME        an ISO 8601 time, e.g. 2026-01-01T12:00:00Z (default: now)
  --json            {at, groups: {role: count}, active: [{instanceId, group, startedAt, endedAt, …}]}
${storeHelp()}`;

const OPTIONS = { at: { type: 'string' }, json: { type: 'boolean' }, ...STORE_FLAGS } as const;

export async function reportConfigCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('report config', argv, OPTIONS);
  if (values.help) {
    console.log(REPORT_CONFIG_HELP);
    return 0;
  }
  const at = values.at ?? new Date().toISOString();
  if (!/^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(at) || Number.isNaN(Date.parse(at))) {
    throw new UsageError(`--at: "${at}" is not an ISO 8601 time; use e.g. 2026-01-01T12:00:00Z`);
  }
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const lifetimes: InstanceLifetime[] = [];
    for await (const record of new ResourceStore(workspace.db).scan()) {
      if (record.type !== 'EC2.Instance') continue;
      const lifetime = instanceLifetime(record);
      if (lifetime) lifetimes.push(lifetime);
    }
    const report = configurationAt(lifetimes, at);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(`Configuration at ${report.at}: ${report.active.length} active instance${report.active.length === 1 ? '' : 's'}\n`);
    console.log(table(['group', 'active'], Object.entries(report.groups).sort().map(([group, count]) => [group, count])));
    console.log('');
    console.log(table(['group', 'instance', 'account', 'region', 'started', 'ended'],
      report.active.map((l) => [l.group, l.instanceId, l.accountId, l.region, l.startedAt, l.endedAt ?? ''])));
    return 0;
  } finally {
    await workspace.close();
  }
}
