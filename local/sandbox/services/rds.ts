/**
 * RDS (awsQuery 2014-10-31): DescribeDBInstances, DescribeDBClusters and DescribeDBSnapshots over the model in
 * rds-model.ts, paged as RDS pages (MaxRecords 20–100, an opaque Marker), narrowed by identifier or by Filters.
 */
import * as RDS from '@aws-sdk/client-rds';
import type { DBCluster, DBInstance, DBSnapshot, Filter } from '@aws-sdk/client-rds';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { awsQueryProtocol } from '../protocols/query-xml';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { rdsRegion } from './rds-model';

const MAX_RECORDS = { min: 20, max: 100 };

type Matcher<T> = Record<string, (item: T) => (string | undefined)[]>;

const INSTANCE_FILTERS: Matcher<DBInstance> = {
  'db-instance-id': (i) => [i.DBInstanceIdentifier, i.DBInstanceArn],
  'db-cluster-id': (i) => [i.DBClusterIdentifier],
  'dbi-resource-id': (i) => [i.DbiResourceId],
  engine: (i) => [i.Engine],
};
const CLUSTER_FILTERS: Matcher<DBCluster> = {
  'db-cluster-id': (c) => [c.DBClusterIdentifier, c.DBClusterArn],
  'db-cluster-resource-id': (c) => [c.DbClusterResourceId],
  engine: (c) => [c.Engine],
};
const SNAPSHOT_FILTERS: Matcher<DBSnapshot> = {
  'db-snapshot-id': (s) => [s.DBSnapshotIdentifier, s.DBSnapshotArn],
  'db-instance-id': (s) => [s.DBInstanceIdentifier],
  'snapshot-type': (s) => [s.SnapshotType],
  engine: (s) => [s.Engine],
};

function matchesFilters<T>(filters: Filter[] | undefined, matcher: Matcher<T>): (item: T) => boolean {
  const checks = (filters ?? []).map((filter) => {
    const values = filter.Values ?? [];
    const read = matcher[filter.Name ?? ''];
    if (!read) throw new SandboxApiError('InvalidParameterValue', `Unrecognized filter name: ${filter.Name ?? ''}.`);
    return (item: T) => read(item).some((value) => value !== undefined && values.includes(value));
  });
  return (item) => checks.every((check) => check(item));
}

/** One page of the matching items: MaxRecords within 20–100, the Marker bound to the call and the account's time. */
function page<T>(call: SandboxCall, items: T[]): { items: T[]; Marker?: string } {
  const maxRecords = call.input.MaxRecords as number | undefined;
  if (maxRecords !== undefined && (maxRecords < MAX_RECORDS.min || maxRecords > MAX_RECORDS.max)) {
    throw new SandboxApiError('InvalidParameterValue', `Invalid value ${maxRecords} for MaxRecords. Must be between ${MAX_RECORDS.min} and ${MAX_RECORDS.max}`);
  }
  const size = maxRecords ?? MAX_RECORDS.max;
  const scope = `rds|${call.operation}|${call.accountId}|${call.region}|${call.spec.epoch}|${JSON.stringify(call.input.Filters ?? [])}`;
  const marker = call.input.Marker as string | undefined;
  const start = marker === undefined ? 0 : decodeToken(scope, marker, items.length, 'InvalidParameterValue');
  const end = start + size;
  return end < items.length ? { items: items.slice(start, end), Marker: encodeToken(scope, end) } : { items: items.slice(start) };
}

function byIdentifier<T>(items: T[], idOf: (item: T) => string | undefined, wanted: unknown, notFound: () => SandboxApiError): T[] {
  if (wanted === undefined) return items;
  const id = String(wanted).toLowerCase();
  const found = items.filter((item) => idOf(item) === id);
  if (found.length === 0) throw notFound();
  return found;
}

function handle(call: SandboxCall): unknown {
  const model = rdsRegion(call.spec, call.accountId, call.region);
  const { input } = call;
  const filters = input.Filters as Filter[] | undefined;
  switch (call.operation) {
    case 'DescribeDBInstances': {
      const matching = byIdentifier(model.instances, (i) => i.DBInstanceIdentifier, input.DBInstanceIdentifier,
        () => new SandboxApiError('DBInstanceNotFound', `DBInstance ${String(input.DBInstanceIdentifier)} not found.`, 404))
        .filter(matchesFilters(filters, INSTANCE_FILTERS));
      const { items, Marker } = page(call, matching);
      return { DBInstances: items, Marker };
    }
    case 'DescribeDBClusters': {
      const matching = byIdentifier(model.clusters, (c) => c.DBClusterIdentifier, input.DBClusterIdentifier,
        () => new SandboxApiError('DBClusterNotFoundFault', `DBCluster ${String(input.DBClusterIdentifier)} not found.`, 404))
        .filter(matchesFilters(filters, CLUSTER_FILTERS));
      const { items, Marker } = page(call, matching);
      return { DBClusters: items, Marker };
    }
    case 'DescribeDBSnapshots': {
      const type = input.SnapshotType as string | undefined;
      const instanceId = typeof input.DBInstanceIdentifier === 'string' ? input.DBInstanceIdentifier.toLowerCase() : undefined;
      // Without a SnapshotType AWS answers the account's manual and automated snapshots (the sandbox has no shared or public ones).
      const matching = byIdentifier(model.snapshots, (s) => s.DBSnapshotIdentifier, input.DBSnapshotIdentifier,
        () => new SandboxApiError('DBSnapshotNotFound', `DBSnapshot ${String(input.DBSnapshotIdentifier)} not found.`, 404))
        .filter((s) => (type === undefined || s.SnapshotType === type) && (instanceId === undefined || s.DBInstanceIdentifier === instanceId))
        .filter(matchesFilters(filters, SNAPSHOT_FILTERS));
      const { items, Marker } = page(call, matching);
      return { DBSnapshots: items, Marker };
    }
    default:
      throw new SandboxApiError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
  }
}

export const rdsModule: SandboxServiceModule = {
  name: 'RDS',
  signingName: 'rds',
  endpointVariable: 'AWS_ENDPOINT_URL_RDS',
  protocol: awsQueryProtocol({ schemas: RDS, version: '2014-10-31', xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/' }),
  operations: ['DescribeDBInstances', 'DescribeDBClusters', 'DescribeDBSnapshots'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  handle,
};
