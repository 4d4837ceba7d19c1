/**
 * DynamoDB (awsJson1_0, `DynamoDB_20120810.<Op>`) of a collected account: the control-plane calls cloudtap makes
 * (ListTables, DescribeTable, DescribeContinuousBackups, ListTagsOfResource) over dynamodb-model.ts. It serves only
 * what the server routes to it by the SigV4 service `dynamodb` with a sandbox key; cloudtap's own store is elsewhere.
 */
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import { SandboxApiError } from '../api-errors';
import { awsJsonProtocol } from '../protocols/json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { dynamoDbTables, type SandboxTable } from './dynamodb-model';

const LIMIT = { min: 1, max: 100 };

function tableNamed(call: SandboxCall, name: unknown, code = 'ResourceNotFoundException'): SandboxTable {
  const table = dynamoDbTables(call.spec, call.accountId, call.region).find((t) => t.description.TableName === name);
  if (!table) throw new SandboxApiError(code, `Requested resource not found: Table: ${String(name)} not found`, 400);
  return table;
}

function listTables(call: SandboxCall): unknown {
  const limit = call.input.Limit as number | undefined;
  if (limit !== undefined && (limit < LIMIT.min || limit > LIMIT.max)) {
    throw new SandboxApiError('ValidationException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${LIMIT.max}`);
  }
  const names = dynamoDbTables(call.spec, call.accountId, call.region).map((t) => t.description.TableName ?? '');
  const start = call.input.ExclusiveStartTableName as string | undefined;
  const after = start === undefined ? names : names.filter((name) => name > start);
  const size = limit ?? LIMIT.max;
  const TableNames = after.slice(0, size);
  return after.length > size ? { TableNames, LastEvaluatedTableName: TableNames[TableNames.length - 1] } : { TableNames };
}

function handle(call: SandboxCall): unknown {
  switch (call.operation) {
    case 'ListTables':
      return listTables(call);
    case 'DescribeTable':
      return { Table: tableNamed(call, call.input.TableName).description };
    case 'DescribeContinuousBackups':
      return { ContinuousBackupsDescription: tableNamed(call, call.input.TableName, 'TableNotFoundException').backups };
    case 'ListTagsOfResource': {
      const arn = String(call.input.ResourceArn ?? '');
      const match = /^arn:aws:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(arn);
      if (!match) throw new SandboxApiError('ValidationException', `Invalid TableArn: ${arn}`);
      if (match[1] !== call.region || match[2] !== call.accountId) throw new SandboxApiError('AccessDeniedException', `User is not authorized to access ${arn}`);
      return { Tags: tableNamed(call, match[3]).tags };
    }
    default:
      throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`);
  }
}

export const dynamoDbModule: SandboxServiceModule = {
  name: 'DynamoDB',
  signingName: 'dynamodb',
  endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
  protocol: awsJsonProtocol({ schemas: DynamoDB, version: '1.0', target: 'DynamoDB_20120810' }),
  operations: ['ListTables', 'DescribeTable', 'DescribeContinuousBackups', 'ListTagsOfResource'],
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  handle,
};
