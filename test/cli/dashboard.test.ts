import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { serveDashboard } from '../../cli/commands/dashboard';
import { storeAccess } from '../../cli/dashboard/store-access';
import { UsageError } from '../../cli/errors';
import type { Workspace } from '../../cli/workspace';

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => {
  cloudformation.reset();
});

/** A stand-in workspace that records when it is opened and closed (only `close` is used by storeAccess). */
function fakeStore() {
  const log: string[] = [];
  let opened = 0;
  let failNext = false;
  return {
    log,
    failNextOpen: () => { failNext = true; },
    open: async (): Promise<Workspace> => {
      if (failNext) {
        failNext = false;
        log.push('open failed');
        throw new UsageError('the store is in use by another cloudtap process');
      }
      const n = ++opened;
      log.push(`open ${n}`);
      return { close: async () => { log.push(`close ${n}`); } } as unknown as Workspace;
    },
  };
}

describe('the dashboard\'s use of the store', () => {
  it('opens the store once for requests that overlap, releases it when idle, and opens it again for the next', async () => {
    const store = fakeStore();
    const access = storeAccess(store.open, 5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const first = access.use(() => held);
    const second = access.use(async () => 'read');
    expect(await second).toBe('read');
    release();
    await first;
    expect(store.log).toEqual(['open 1']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.log).toEqual(['open 1', 'close 1']);
    await access.use(async () => undefined);
    await access.close();
    expect(store.log).toEqual(['open 1', 'close 1', 'open 2', 'close 2']);
  });

  it('a store that cannot be opened (a run holds it) fails that request only; the next one opens it', async () => {
    const store = fakeStore();
    const access = storeAccess(store.open);
    store.failNextOpen();
    await expect(access.use(async () => 'x')).rejects.toThrow(/in use by another cloudtap process/);
    expect(await access.use(async () => 'y')).toBe('y');
    await access.close();
    expect(store.log).toEqual(['open failed', 'open 1', 'close 1']);
  });
});

describe('cloudtap dashboard: which store it serves', () => {
  it('a deployed stack that does not exist is refused before anything is served, as for every command reading a stack', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const previous = { region: process.env.AWS_REGION, key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    try {
      const error = await serveDashboard({ stack: 'Nope' }, { port: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^stack "Nope" not found in eu-west-1/);
    } finally {
      for (const [name, value] of [['AWS_REGION', previous.region], ['AWS_ACCESS_KEY_ID', previous.key], ['AWS_SECRET_ACCESS_KEY', previous.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses a port that is not one, and a refresh under a second', async () => {
    await expect(serveDashboard({}, { port: 70000 })).rejects.toThrow('--port: 70000 is not a port');
    await expect(serveDashboard({}, { port: 0, refreshSeconds: 0 })).rejects.toThrow('--refresh: at least 1 second');
  });
});
