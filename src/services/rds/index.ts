import { RDSClient } from '@aws-sdk/client-rds';
import type { NamedResources, ServiceDefinition } from '../service';
import { dbInstanceType } from './db-instance';
import { dbClusterType } from './db-cluster';
import { dbSnapshotType } from './db-snapshot';
import { dbBackupsOffRule, dbPubliclyAccessibleRule, dbStorageUnencryptedRule } from './db-instance-rules';

/** The type each request parameter and each resource-ARN kind names (`arn:aws:rds:<region>:<account>:db:<id>`). */
const TYPE_OF_PARAMETER: Record<string, string> = {
  dBInstanceIdentifier: 'RDS.DBInstance',
  dBClusterIdentifier: 'RDS.DBCluster',
  dBSnapshotIdentifier: 'RDS.DBSnapshot',
  // Renames (the old identifier is then gone) and the final snapshot a deletion takes.
  newDBInstanceIdentifier: 'RDS.DBInstance',
  newDBClusterIdentifier: 'RDS.DBCluster',
  finalDBSnapshotIdentifier: 'RDS.DBSnapshot',
};
const TYPE_OF_ARN_KIND: Record<string, string> = { db: 'RDS.DBInstance', cluster: 'RDS.DBCluster', snapshot: 'RDS.DBSnapshot' };

/**
 * The resources an RDS API call names: its identifier parameters, and the ARN a tagging call names
 * (`resourceName`). RDS stores identifiers in lower case whatever case the call used.
 */
export function rdsResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const parameters = (detail.requestParameters ?? {}) as Record<string, unknown>;
  const ids = new Map<string, Set<string>>();
  const add = (type: string | undefined, id: unknown) => {
    if (!type || typeof id !== 'string' || id === '') return;
    ids.set(type, (ids.get(type) ?? new Set()).add(id.toLowerCase()));
  };
  for (const [parameter, type] of Object.entries(TYPE_OF_PARAMETER)) add(type, parameters[parameter]);
  if (typeof parameters.resourceName === 'string') {
    const match = /^arn:[^:]+:rds:[^:]*:[^:]*:([a-z]+):(.+)$/.exec(parameters.resourceName);
    if (match) add(TYPE_OF_ARN_KIND[match[1] ?? ''], match[2]);
  }
  return [...ids].map(([type, set]) => ({ type, ids: [...set] }));
}

export const rdsService: ServiceDefinition = {
  name: 'RDS',
  scope: { kind: 'regional' },
  clients: { rds: (config) => new RDSClient(config) },
  types: [dbInstanceType, dbClusterType, dbSnapshotType],
  rules: [dbPubliclyAccessibleRule, dbStorageUnencryptedRule, dbBackupsOffRule],
  realtime: {
    source: 'aws.rds',
    apiCalls: [
      'CreateDBInstance', 'DeleteDBInstance', 'ModifyDBInstance', 'RebootDBInstance', 'StartDBInstance', 'StopDBInstance',
      'CreateDBCluster', 'DeleteDBCluster', 'ModifyDBCluster', 'CreateDBSnapshot', 'DeleteDBSnapshot',
      'AddTagsToResource', 'RemoveTagsFromResource',
    ],
    resourcesInApiCall: rdsResourcesInApiCall,
  },
};
