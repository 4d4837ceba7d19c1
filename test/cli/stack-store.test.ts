import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UsageError } from '../../cli/errors';
import { tableNamesOfStack, TABLE_OUTPUTS } from '../../cli/remote/stack';
import { openStoreFromFlags } from '../../cli/store-flags';
import { TABLE_IDS } from '../../src/store/tables';
import { tempDir } from '../support/cli';
import { readdir } from 'node:fs/promises';

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => {
  cloudformation.reset();
});

const client = () => new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe("a deployed stack's tables", () => {
  it('one output per table, named by the rule the stack follows: the table id in PascalCase + TableName', () => {
    expect(TABLE_OUTPUTS.resources).toBe('ResourcesTableName');
    expect(TABLE_OUTPUTS.events).toBe('EventsTableName');
    expect(TABLE_OUTPUTS.runs).toBe('RunsTableName');
    expect(Object.keys(TABLE_OUTPUTS).sort()).toEqual([...TABLE_IDS].sort());
  });

  it('come from the stack outputs', async () => {
    const outputs = TABLE_IDS.map((id) => ({ OutputKey: TABLE_OUTPUTS[id], OutputValue: `Cloudtap-${id}-ABC` }));
    cloudformation.on(DescribeStacksCommand, { StackName: 'Cloudtap' }).resolves({ Stacks: [{ StackName: 'Cloudtap', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }] });
    const names = await tableNamesOfStack(client(), 'Cloudtap');
    for (const id of TABLE_IDS) expect(names[id]).toBe(`Cloudtap-${id}-ABC`);
  });

  it('a stack that does not exist: says where it looked, what AWS said and what to do', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const error = await tableNamesOfStack(client(), 'Nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('stack "Nope" not found in eu-west-1 (DescribeStacks: Stack with id Nope does not exist); '
      + 'deploy it with `npx cdk deploy`, or pass --region R (and --profile P) where it is deployed');
  });

  it('a stack missing some table outputs names each of them and the outputs it has', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Old', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'ResourcesTableName', OutputValue: 't' }] }] });
    const message = ((await tableNamesOfStack(client(), 'Old').catch((e: unknown) => e)) as Error).message;
    for (const id of TABLE_IDS.filter((t) => t !== 'resources')) expect(message).toContain(TABLE_OUTPUTS[id]);
    expect(message).toContain('its outputs: ResourcesTableName');
  });

  it('AccessDenied says which permissions reading a stack needs', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }));
    const message = ((await tableNamesOfStack(client(), 'Cloudtap').catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(/needs cloudformation:DescribeStacks, dynamodb:DescribeTable, .*on its tables/);
  });
});

describe('which store the flags name', () => {
  it('CLOUDTAP_STACK names the stack when no --data-dir is given; --data-dir wins over it and reads the embedded store', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id FromEnv does not exist'), { name: 'ValidationError' }));
    const env = { CLOUDTAP_STACK: 'FromEnv', AWS_REGION: 'eu-west-1' };
    const previousRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';
    try {
      await expect(openStoreFromFlags({}, 'read', env)).rejects.toThrow('stack "FromEnv" not found in eu-west-1');
      const dataDir = await tempDir();
      await expect(openStoreFromFlags({ 'data-dir': dataDir }, 'read', env)).rejects.toThrow(/^no cloudtap store at /);
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      if (previousRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = previousRegion;
    }
  });

  it('a deployed stack is never created from the CLI', async () => {
    await expect(openStoreFromFlags({ stack: 'Cloudtap' }, 'create', {})).rejects.toThrow(/created by `npx cdk deploy`/);
  });
});
