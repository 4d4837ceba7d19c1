import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { SandboxStacks } from '../../local/sandbox/cloudformation-api';

describe('the sandbox answers CloudFormation DescribeStacks', () => {
  const stacks = new SandboxStacks();
  let sandbox: RunningSandbox;
  const client = (region: string) => new CloudFormationClient({ region, endpoint: sandbox.url, credentials: { accessKeyId: 'AKIDCLOUDTAPSANDBOX', secretAccessKey: 'x' } });

  beforeAll(async () => {
    stacks.add({ name: 'Cloudtap', region: 'eu-west-1', outputs: { ResourcesTableName: 'Cloudtap-ResourcesTable1A2B-XYZ', Odd: 'a<b&"c"' } });
    sandbox = await startSandbox(parseSandboxSpec('seed=1'), { stacks });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('a registered stack with its outputs, by name and by stack id, through the real SDK', async () => {
    const byName = (await client('eu-west-1').send(new DescribeStacksCommand({ StackName: 'Cloudtap' }))).Stacks ?? [];
    expect(byName).toHaveLength(1);
    expect(byName[0]).toMatchObject({ StackName: 'Cloudtap', StackStatus: 'CREATE_COMPLETE' });
    expect(byName[0]?.StackId).toMatch(/^arn:aws:cloudformation:eu-west-1:111111111111:stack\/Cloudtap\/[0-9a-f-]{36}$/);
    expect(byName[0]?.Outputs).toEqual([
      { OutputKey: 'ResourcesTableName', OutputValue: 'Cloudtap-ResourcesTable1A2B-XYZ' },
      { OutputKey: 'Odd', OutputValue: 'a<b&"c"' },
    ]);
    const byId = (await client('eu-west-1').send(new DescribeStacksCommand({ StackName: byName[0]?.StackId }))).Stacks ?? [];
    expect(byId.map((s) => s.StackName)).toEqual(['Cloudtap']);
    const all = (await client('eu-west-1').send(new DescribeStacksCommand({}))).Stacks ?? [];
    expect(all.map((s) => s.StackName)).toEqual(['Cloudtap']);
  });

  it('an unknown stack, or a known one asked for in another region: ValidationError "Stack with id … does not exist", HTTP 400, like AWS', async () => {
    for (const [region, name] of [['eu-west-1', 'Nope'], ['us-east-1', 'Cloudtap']] as const) {
      const error = await client(region).send(new DescribeStacksCommand({ StackName: name })).catch((e: unknown) => e) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`Stack with id ${name} does not exist`);
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('EC2 and STS are answered as before on the same port', async () => {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({ region: 'us-east-1', endpoint: sandbox.url, credentials: { accessKeyId: 'AKIDCLOUDTAPSANDBOX', secretAccessKey: 'x' } });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('111111111111');
  });
});
