import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { CallTrace, withCallTrace } from '../../src/aws/call-trace';
import { DynamoDbError, StoreClient, resolveStoreConfig, signV4 } from '../../src/store/store-client';

/** The SDK's signer, given node's hashes, as the reference the store client's signatures must equal. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const bytes = (data: SourceData): string | Uint8Array => (typeof data === 'string' || data instanceof Uint8Array ? data : new Uint8Array(ArrayBuffer.isView(data) ? data.buffer : data));

describe('signing', () => {
  const cases = [
    { name: 'long-term credentials', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } },
    { name: 'a session (Lambda\'s role)', credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/with+chars', sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOZ  token' } },
  ];
  it.each(cases)('signs as the SDK\'s Signature V4 signer does, with $name', async ({ credentials }) => {
    const url = new URL('https://dynamodb.eu-west-1.amazonaws.com/');
    const body = JSON.stringify({ TableName: 'cloudtap-resources', Key: { pk: { S: 'a#b' }, sk: { S: 'ü' } } });
    const now = new Date('2026-11-21T13:45:07.123Z');
    const ours = signV4({
      url, region: 'eu-west-1', service: 'dynamodb', body, credentials, now,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    });
    const reference = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: NodeSha256, applyChecksum: false }).sign({
      method: 'POST', protocol: 'https:', hostname: url.hostname, path: '/', query: {}, body,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', host: url.host },
    }, { signingDate: now });
    expect(ours.authorization).toBe(reference.headers.authorization);
    expect(ours['x-amz-date']).toBe('20261121T134507Z');
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
  });
});

describe('where the store\'s calls go', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  const urlFor = async (region: string, endpoint?: string): Promise<string> =>
    (await resolveStoreConfig({ region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, ...(endpoint ? { endpoint } : {}) })).url.href;

  it('goes to AWS\'s endpoint for the region, in its partition, FIPS and dual-stack as configured', async () => {
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']) delete process.env[name];
    expect(await urlFor('eu-west-1')).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(await urlFor('cn-north-1')).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn/');
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    expect(await urlFor('us-east-1')).toBe('https://dynamodb-fips.us-east-1.amazonaws.com/');
    delete process.env.AWS_USE_FIPS_ENDPOINT;
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'true';
    expect(await urlFor('us-east-1')).toBe('https://dynamodb.us-east-1.api.aws/');
  });

  it('follows the endpoint variables as the SDK does: DynamoDB\'s own first, then the general one; an explicit endpoint over both', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    expect(await urlFor('us-east-1')).toBe('http://127.0.0.1:4566/');
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://localhost:8000';
    expect(await urlFor('us-east-1')).toBe('http://localhost:8000/');
    expect(await urlFor('us-east-1', 'http://127.0.0.1:9999')).toBe('http://127.0.0.1:9999/');
  });
});

/** A stand-in DynamoDB endpoint that answers each request with the next scripted answer. */
interface Scripted {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function endpoint(script: Scripted[], seen: { headers: IncomingMessage['headers']; body: string }[] = []): Promise<string> {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      const next = script.shift() ?? { status: 500, body: { __type: 'Unscripted', message: 'no answer scripted' } };
      if (next.reset) {
        request.socket.destroy();
        return;
      }
      response.writeHead(next.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1', ...next.headers });
      response.end(typeof next.body === 'string' ? next.body : JSON.stringify(next.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const client = (url: string, maxAttempts = 4): StoreClient =>
  new StoreClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });

describe('the store client on the wire', () => {
  it('sends DynamoDB\'s JSON protocol and hands back plain items', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const url = await endpoint([
      { body: { Item: { pk: { S: 'p' }, count: { N: '3' }, data: { M: { zone: { S: 'a' }, ids: { L: [{ S: 'x' }, { NULL: true }] } } }, gz: { B: Buffer.from('hi').toString('base64') } } } },
      { body: { Items: [{ pk: { S: 'p' }, sk: { S: '1' } }], LastEvaluatedKey: { pk: { S: 'p' }, sk: { S: '1' } } } },
    ], seen);
    const store = client(url);
    try {
      const got = await store.get({ TableName: 't', Key: { pk: 'p', sk: 's' }, ConsistentRead: true });
      expect(got.Item).toEqual({ pk: 'p', count: 3, data: { zone: 'a', ids: ['x', null] }, gz: Buffer.from('hi') });
      const page = await store.query({ TableName: 't', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'p' }, ExclusiveStartKey: { pk: 'p', sk: '0' } });
      expect(page).toEqual({ Items: [{ pk: 'p', sk: '1' }], LastEvaluatedKey: { pk: 'p', sk: '1' } });
    } finally {
      store.destroy();
    }
    expect(seen[0]?.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(seen[0]!.body)).toEqual({ TableName: 't', Key: { pk: { S: 'p' }, sk: { S: 's' } }, ConsistentRead: true });
    expect(JSON.parse(seen[1]!.body)).toEqual({
      TableName: 't', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'p' } }, ExclusiveStartKey: { pk: { S: 'p' }, sk: { S: '0' } },
    });
  });

  it('does not retry a failed condition, and names it as DynamoDB does', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const url = await endpoint([{ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' } }], seen);
    const store = client(url);
    try {
      const error = await store.put({ TableName: 't', Item: { pk: 'p' }, ConditionExpression: 'attribute_not_exists(pk)' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDbError);
      expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed', $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1 } });
    } finally {
      store.destroy();
    }
    expect(seen).toHaveLength(1);
  });

  it('retries throttling, server errors and dropped connections, and the trace counts them', async () => {
    const url = await endpoint([
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
      { status: 500, body: { __type: 'com.amazon.coral.service#InternalFailure' } },
      { reset: true },
      { body: { Attributes: { state: { S: 'cleared' } } } },
    ]);
    const store = client(url, 5);
    const trace = new CallTrace('task-1');
    try {
      const output = await withCallTrace(trace, () => store.update({
        TableName: 'events', Key: { pk: 'e', sk: 'EVENT' }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':s': 'open' }, ReturnValues: 'UPDATED_OLD',
      }));
      expect(output.Attributes).toEqual({ state: 'cleared' });
    } finally {
      store.destroy();
    }
    expect(trace.calls).toEqual([expect.objectContaining({
      service: 'DynamoDB', operation: 'UpdateItem', region: 'us-east-1', attempts: 4, throttles: 1,
      params: { TableName: 'events', UpdateExpression: 'SET #s = :s', ReturnValues: 'UPDATED_OLD' },
    })]);
    expect(trace.calls[0]).not.toHaveProperty('errorCode');
  });

  it('gives up after its attempts with the last error, recorded in the trace', async () => {
    const url = await endpoint([{ status: 502, body: '<html>Bad Gateway</html>' }, { status: 502, body: '<html>Bad Gateway</html>' }]);
    const store = client(url, 2);
    const trace = new CallTrace('task-1');
    try {
      await expect(withCallTrace(trace, () => store.scan({ TableName: 't' }))).rejects.toMatchObject({
        name: 'InternalServerError', message: 'DynamoDB answered HTTP 502: <html>Bad Gateway</html>', $metadata: { httpStatusCode: 502, attempts: 2 },
      });
    } finally {
      store.destroy();
    }
    expect(trace.calls).toEqual([expect.objectContaining({ operation: 'Scan', attempts: 2, errorCode: 'InternalServerError' })]);
  });

  it('stops retrying once failures have drained its retry quota, and a success refills it', async () => {
    const failure = { status: 500, body: { __type: 'com.amazon.coral.service#InternalFailure', message: 'broken' } };
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const url = await endpoint([failure, failure, failure, {}, failure], seen);
    const store = new StoreClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 8, retryQuota: 10 });
    try {
      // A server error is transient, as the SDK counts: its retry takes the quota's 10 tokens, and the next failure is final.
      await expect(store.scan({ TableName: 't' })).rejects.toMatchObject({ name: 'InternalFailure', $metadata: { attempts: 2 } });
      // Nothing left: no retry at all.
      await expect(store.scan({ TableName: 't' })).rejects.toMatchObject({ $metadata: { attempts: 1 } });
      // A success gives back 1 token; still short of a retry's 10.
      await store.scan({ TableName: 't' });
      await expect(store.scan({ TableName: 't' })).rejects.toMatchObject({ $metadata: { attempts: 1 } });
    } finally {
      store.destroy();
    }
    expect(seen).toHaveLength(5);
  });

  it('follows AWS\'s clock when a signature is refused as too far from it', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const serverNow = new Date(Date.now() + 3_600_000);
    const url = await endpoint([
      { status: 400, headers: { date: serverNow.toUTCString() }, body: { __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'Signature expired' } },
      {},
    ], seen);
    const store = client(url);
    try {
      await store.put({ TableName: 't', Item: { pk: 'p' } });
    } finally {
      store.destroy();
    }
    const signedAt = (i: number): number => Date.parse(String(seen[i]?.headers['x-amz-date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Math.abs(signedAt(0) - Date.now())).toBeLessThan(60_000);
    expect(Math.abs(signedAt(1) - serverNow.getTime())).toBeLessThan(60_000);
  });

  it('hands back BatchWrite\'s unprocessed items as items, to be sent again', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const url = await endpoint([{ body: { UnprocessedItems: { t: [{ PutRequest: { Item: { pk: { S: 'b' }, n: { N: '2' } } } }] } } }], seen);
    const store = client(url);
    try {
      const output = await store.batchWrite({ RequestItems: { t: [{ PutRequest: { Item: { pk: 'a', n: 1 } } }, { PutRequest: { Item: { pk: 'b', n: 2 } } }, { DeleteRequest: { Key: { pk: 'c' } } }] } });
      expect(output.UnprocessedItems).toEqual({ t: [{ PutRequest: { Item: { pk: 'b', n: 2 } } }] });
    } finally {
      store.destroy();
    }
    expect(JSON.parse(seen[0]!.body)).toEqual({
      RequestItems: { t: [{ PutRequest: { Item: { pk: { S: 'a' }, n: { N: '1' } } } }, { PutRequest: { Item: { pk: { S: 'b' }, n: { N: '2' } } } }, { DeleteRequest: { Key: { pk: { S: 'c' } } } }] },
    });
  });
});
