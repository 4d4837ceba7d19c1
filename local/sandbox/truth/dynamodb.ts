/** What cloudtap's DynamoDB type should store for a spec and the conditions planted for its rule, read from the DynamoDB model. */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { dynamoDbTables } from '../services/dynamodb-model';

export const dynamoDbTruth: ServiceTruth = {
  service: 'DynamoDB',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      for (const table of dynamoDbTables(spec, accountId, region)) {
        const id = table.description.TableName ?? '';
        const pitr = table.backups.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
        resources.push({
          accountId, region, type: 'DynamoDB.Table', id, name: id,
          tags: Object.fromEntries(table.tags.map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
          attributes: {
            pointInTimeRecovery: pitr === 'ENABLED', billingMode: table.description.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
            kmsKeyArn: table.description.SSEDescription?.KMSMasterKeyArn ?? null,
          },
        });
        if (pitr === 'DISABLED') conditions.push({ rule: 'TablePitrOff', accountId, region, type: 'DynamoDB.Table', id, severity: 3, detail: {} });
      }
    }
    return { resources, conditions };
  },
};
