import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { NamedResources, ServiceDefinition } from '../service';
import { tableType } from './table';
import { tablePitrOffRule } from './table-rules';

/** The table an API call names: `tableName` (TagResource and UntagResource name it by ARN, `resourceArn`). */
export function dynamoDbResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const parameters = (detail.requestParameters ?? {}) as Record<string, unknown>;
  const fromArn = typeof parameters.resourceArn === 'string' ? /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)$/.exec(parameters.resourceArn)?.[1] : undefined;
  const name = typeof parameters.tableName === 'string' && parameters.tableName !== '' ? parameters.tableName : fromArn;
  return name ? [{ type: 'DynamoDB.Table', ids: [name] }] : [];
}

/**
 * The collected account's DynamoDB tables (not cloudtap's own store). The client is named `dynamodb` here; cloudtap's
 * store builds its own client with its own endpoint.
 */
export const dynamoDbService: ServiceDefinition = {
  name: 'DynamoDB',
  scope: { kind: 'regional' },
  clients: { dynamodb: (config) => new DynamoDBClient(config) },
  types: [tableType],
  rules: [tablePitrOffRule],
  realtime: {
    source: 'aws.dynamodb',
    apiCalls: ['CreateTable', 'DeleteTable', 'UpdateTable', 'UpdateContinuousBackups', 'TagResource', 'UntagResource'],
    resourcesInApiCall: dynamoDbResourcesInApiCall,
  },
};
