/**
 * The DynamoDB tables of one region of one synthetic account (the collected account's, not cloudtap's own store):
 * ≈ instances/8 tables, at least 3, and one more every three days of the account's time. Every region plants the
 * condition cloudtap's rule finds: table 0 has point-in-time recovery off, later tables draw it by chance; table 1
 * is encrypted with the region's customer managed KMS key. Item counts grow every six hours, as DynamoDB refreshes them.
 * A pure function of (seed, account, region, instances, epoch).
 */
import type { ContinuousBackupsDescription, TableDescription, Tag } from '@aws-sdk/client-dynamodb';
import { epochTime, timeBeforeStart } from '../clock';
import { Dice, hashText } from '../random';
import type { SandboxSpec } from '../spec';
import { ec2RegionOf } from './rds-model';

export type DynamoDbModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'epoch'>;

export interface SandboxTable {
  description: TableDescription;
  backups: ContinuousBackupsDescription;
  tags: Tag[];
}

const NAMES = ['orders', 'sessions', 'users', 'events', 'carts', 'audit-log', 'inventory', 'leases'] as const;
const EPOCHS_PER_NEW_TABLE = 72;
const EPOCHS_PER_STATS_REFRESH = 6;

export function tableCount(spec: Pick<SandboxSpec, 'instances' | 'epoch'>): number {
  return Math.max(3, Math.round(spec.instances / 8)) + Math.floor(spec.epoch / EPOCHS_PER_NEW_TABLE);
}

const MAX_CACHED = 64;
const models = new Map<string, SandboxTable[]>();

/** The region's tables, sorted by name as ListTables lists them; empty for a region the sandbox does not model. */
export function dynamoDbTables(spec: DynamoDbModelSpec, accountId: string, region: string): SandboxTable[] {
  const key = `${spec.seed}|${spec.instances}|${spec.epoch}|${accountId}|${region}`;
  let tables = models.get(key);
  if (!tables) {
    if (models.size >= MAX_CACHED) models.delete(models.keys().next().value as string);
    tables = buildTables(spec, accountId, region);
    models.set(key, tables);
  }
  return tables;
}

function buildTables(spec: DynamoDbModelSpec, accountId: string, region: string): SandboxTable[] {
  const ec2 = ec2RegionOf(spec, accountId, region);
  if (!ec2) return [];
  const dice = new Dice(hashText(`${spec.seed}|${accountId}|${region}|dynamodb`));
  const base = tableCount({ ...spec, epoch: 0 });
  const stats = Math.floor(spec.epoch / EPOCHS_PER_STATS_REFRESH);
  const tables: SandboxTable[] = [];
  for (let t = 0; t < tableCount(spec); t++) {
    const name = `${dice.pick(NAMES, 1, t)}-${dice.pick(['prod', 'staging'], 2, t)}-${t}`;
    const arn = `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
    // Tables of later epochs were created during the epoch step that added them.
    const created = t < base ? timeBeforeStart(dice.unit(3, t), 500) : new Date(epochTime((t - base + 1) * EPOCHS_PER_NEW_TABLE).getTime() - 1800_000);
    const onDemand = dice.chance(0.6, 4, t);
    const sortKey = dice.chance(0.7, 5, t);
    const stream = dice.chance(0.3, 6, t);
    const customerKey = t === 1 || (t > 1 && dice.chance(0.3, 7, t));
    const pitr = t !== 0 && (t === 1 || dice.chance(0.7, 8, t));
    const items = dice.between(0, 50_000, 9, t) + stats * dice.between(0, 200, 10, t);
    const throughput = { ReadCapacityUnits: onDemand ? 0 : dice.pick([5, 25, 100], 11, t), WriteCapacityUnits: onDemand ? 0 : dice.pick([5, 25, 100], 12, t), NumberOfDecreasesToday: 0 };
    const keySchema = [{ AttributeName: 'pk', KeyType: 'HASH' as const }, ...(sortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])];
    const description: TableDescription = {
      TableName: name,
      TableArn: arn,
      TableId: dice.uuid(13, t),
      TableStatus: 'ACTIVE',
      CreationDateTime: created,
      ItemCount: items,
      TableSizeBytes: items * dice.between(100, 2000, 14, t),
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' }, ...(sortKey ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : []),
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
      ],
      KeySchema: keySchema,
      ProvisionedThroughput: throughput,
      ...(onDemand ? { BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: created } } : {}),
      ...(dice.chance(0.4, 15, t) ? {
        GlobalSecondaryIndexes: [{
          IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' },
          IndexStatus: 'ACTIVE', ProvisionedThroughput: throughput, IndexSizeBytes: 0, ItemCount: 0, IndexArn: `${arn}/index/gsi1`,
        }],
      } : {}),
      ...(stream ? {
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        LatestStreamLabel: created.toISOString().slice(0, 23),
        LatestStreamArn: `${arn}/stream/${created.toISOString().slice(0, 23)}`,
      } : {}),
      ...(customerKey ? { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: ec2.kmsKeyArn } } : {}),
      TableClassSummary: { TableClass: dice.chance(0.1, 16, t) ? 'STANDARD_INFREQUENT_ACCESS' : 'STANDARD' },
      DeletionProtectionEnabled: dice.chance(0.2, 17, t),
    };
    const role = dice.chance(0.5, 18, t) ? 'app_server' : undefined;
    tables.push({
      description,
      backups: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: pitr
          ? { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35, EarliestRestorableDateTime: created, LatestRestorableDateTime: epochTime(spec.epoch) }
          : { PointInTimeRecoveryStatus: 'DISABLED' },
      },
      tags: [{ Key: 'team', Value: dice.pick(['payments', 'platform', 'growth'], 19, t) }, ...(role ? [{ Key: 'Role', Value: role }] : [])],
    });
  }
  return tables.sort((a, b) => ((a.description.TableName ?? '') < (b.description.TableName ?? '') ? -1 : 1));
}
