import { describe, expect, it } from '@jest/globals';
import { mainThreadCpuMs, threadCpuMs } from '../../local/thread-cpu';
import { startEmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

// The bench tells the collector's CPU from the store's by the kernel's per-thread counts (Linux /proc; elsewhere
// the figures are NaN and the bench says so).
const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('CPU by thread', () => {
  it('counts the CPU this thread spends, not the time it waits', async () => {
    const before = mainThreadCpuMs();
    const cpu = process.cpuUsage();
    // Spin until the process has used 300 ms of CPU: whatever the machine's load, this thread used most of it.
    while ((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000 < 300);
    const spun = mainThreadCpuMs() - before;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waited = mainThreadCpuMs() - before - spun;
    expect(spun).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(100);
  });

  it('is NaN for a thread that is not this process\'s', () => {
    expect(threadCpuMs(0)).toBeNaN();
  });

  it('reads the embedded store\'s own thread', async () => {
    const store = await startEmbeddedDynamoDb();
    try {
      const client = new DynamoDBClient({ endpoint: store.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const before = store.cpuMs();
      for (let i = 0; i < 50; i++) await client.send(new ListTablesCommand({}));
      client.destroy();
      expect(Number.isFinite(before)).toBe(true);
      expect(store.cpuMs()).toBeGreaterThanOrEqual(before);
    } finally {
      await store.close();
    }
  });
});
