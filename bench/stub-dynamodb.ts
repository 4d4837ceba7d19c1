/**
 * A DynamoDB endpoint that accepts every write and finds nothing: what a first run sees of an empty table,
 * answered at once. For measuring the collect handler itself (its calls to AWS, its memory) at sizes the
 * embedded store could not absorb within the bench's budget. Nothing is stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWERS: Record<string, string> = {
  PutItem: '{}',
  UpdateItem: '{}',
  DeleteItem: '{}',
  GetItem: '{}',
  Query: '{"Items":[],"Count":0,"ScannedCount":0}',
  Scan: '{"Items":[],"Count":0,"ScannedCount":0}',
  BatchWriteItem: '{"UnprocessedItems":{}}',
  BatchGetItem: '{"Responses":{},"UnprocessedKeys":{}}',
};

export interface StubDynamoDb {
  endpoint: string;
  /** Requests answered, by operation. */
  requests: Record<string, number>;
  close(): Promise<void>;
}

export async function startStubDynamoDb(): Promise<StubDynamoDb> {
  const requests: Record<string, number> = {};
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      requests[operation] = (requests[operation] ?? 0) + 1;
      const body = ANSWERS[operation];
      response.writeHead(body ? 200 : 400, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': 'stub' });
      response.end(body ?? JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: `the stub store does not answer ${operation}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
