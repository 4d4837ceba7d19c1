import { describe, it, expect, afterAll } from '@jest/globals';
import { Agent, request } from 'node:http';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../local/embedded-dynamodb';

/** One ListTables over a keep-alive agent: whether it went on a socket the agent kept from a previous request. */
function listTables(endpoint: string, agent: Agent): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/`, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.ListTables', Authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.reusedSocket));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('the embedded DynamoDB', () => {
  let store: EmbeddedDynamoDb | undefined;
  afterAll(async () => { await store?.close(); });

  it('keeps an idle connection open as DynamoDB does (a minute), not Node\'s 5 s, so the store client\'s pool never reuses a closed one', async () => {
    store = await startEmbeddedDynamoDb();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await listTables(store.endpoint, agent)).toBe(false);
      // Idle past Node's default keepAliveTimeout (5 s): with it, the server had closed the socket by now.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await listTables(store.endpoint, agent)).toBe(true);
    } finally {
      agent.destroy();
    }
  }, 20_000);
});
