import type { TapRule } from '../rule';
import type { ResourceRecord } from '../resource-type';
import type { TypeName } from '../../dto/tap-event';

function pinpoint(record: ResourceRecord): TypeName[] {
  return [{ type: 'ID', name: record.id }];
}

/** A DB instance's group: its own Role tag. */
function group(record: ResourceRecord): string | null {
  return typeof record.data.role === 'string' ? record.data.role : null;
}

function label(record: ResourceRecord): string {
  const engine = typeof record.data.engine === 'string' ? ` (${record.data.engine})` : '';
  return `DB instance ${record.id}${engine}`;
}

const idOf = (typeNames: TypeName[]) => typeNames[0]?.name ?? '';

/** DbPubliclyAccessible: the instance's endpoint resolves to a public address, reachable from the internet where its security groups allow. */
export const dbPubliclyAccessibleRule: TapRule = {
  name: 'DbPubliclyAccessible',
  resourceType: 'RDS.DBInstance',
  eventClass: 'AWS_RDS',
  evaluate: (record) => (record.data.publicly_accessible === true
    ? [{ severity: 1, typeNames: pinpoint(record), group: group(record), text: `CRITICAL – ${label(record)} is publicly accessible` }]
    : []),
  clearText: (typeNames) => `OK – DB instance ${idOf(typeNames)} is no longer publicly accessible or was deleted`,
};

/** DbStorageUnencrypted: the instance's storage, its automated backups and snapshots are not encrypted at rest. */
export const dbStorageUnencryptedRule: TapRule = {
  name: 'DbStorageUnencrypted',
  resourceType: 'RDS.DBInstance',
  eventClass: 'AWS_RDS',
  evaluate: (record) => (record.data.storage_encrypted === false
    ? [{ severity: 3, typeNames: pinpoint(record), group: group(record), text: `MINOR – ${label(record)} has unencrypted storage` }]
    : []),
  clearText: (typeNames) => `OK – DB instance ${idOf(typeNames)} has encrypted storage or was deleted`,
};

/** DbBackupsOff: a backup retention period of 0 turns automated backups (and point-in-time restore) off. */
export const dbBackupsOffRule: TapRule = {
  name: 'DbBackupsOff',
  resourceType: 'RDS.DBInstance',
  eventClass: 'AWS_RDS',
  evaluate: (record) => (record.data.backup_retention_period === 0
    ? [{ severity: 2, typeNames: pinpoint(record), group: group(record), text: `WARNING – ${label(record)} has automated backups turned off` }]
    : []),
  clearText: (typeNames) => `OK – DB instance ${idOf(typeNames)} has automated backups or was deleted`,
};
