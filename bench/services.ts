/**
 * A process of its own for what stands in for AWS: the sandbox account (and, for the collect handler measured
 * alone, the stub DynamoDB). Their CPU and memory are not the collector's, as in AWS, where the APIs and the
 * table run on AWS's machines. Talks to the bench over IPC; closing the channel shuts it down.
 */
import { startSandbox, type RunningSandbox } from '../local/sandbox/server';
import { parseSandboxSpec } from '../local/sandbox/spec';
import type { ServicesRequest } from './services-client';
import { startStubDynamoDb, type StubDynamoDb } from './stub-dynamodb';

const request = JSON.parse(process.argv[2] ?? '{}') as ServicesRequest;

let sandbox: RunningSandbox | undefined;
let dynamo: StubDynamoDb | undefined;
try {
  sandbox = await startSandbox(parseSandboxSpec(request.spec));
  if (request.store === 'stub') dynamo = await startStubDynamoDb();
  process.send?.({ type: 'ready', sandboxUrl: sandbox.url, ...(dynamo ? { dynamoUrl: dynamo.endpoint } : {}) });
} catch (error) {
  process.send?.({ type: 'error', error: (error as Error).stack ?? String(error) });
  process.exit(1);
}

process.on('message', (message: { type: string; epoch?: number }) => {
  if (!sandbox) return;
  if (message.type === 'stats') process.send?.({ type: 'stats', stats: sandbox.stats() });
  if (message.type === 'storeMeter') process.send?.({ type: 'storeMeter', meter: dynamo?.meter() ?? null });
  if (message.type === 'resetStats') {
    sandbox.resetStats();
    dynamo?.resetMeter();
    process.send?.({ type: 'statsReset' });
  }
  if (message.type === 'epoch' && message.epoch !== undefined) {
    sandbox.setEpoch(message.epoch);
    process.send?.({ type: 'epochSet' });
  }
});

process.on('disconnect', () => {
  void Promise.all([sandbox?.close(), dynamo?.close()]).finally(() => process.exit(0));
});
