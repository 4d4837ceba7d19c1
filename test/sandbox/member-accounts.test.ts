/**
 * Member accounts a collection cannot use: AssumeRole refused (`deny=`, SUSPENDED and PENDING_CLOSURE accounts), or
 * assumed but every read denied (`readDenied=`, each service with its own access-denied error); and the truth's
 * expectations for a collection of the whole organization, checked against one made through the SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, DescribeRegionsCommand, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListAccountsCommand, paginateListAccounts, type Account } from '@aws-sdk/client-organizations';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { collectedTruth, readDeniedCodes, sandboxOrganizationTruth, sandboxTruth } from '../../local/sandbox/truth';
import type { OrganizationTruth } from '../../local/sandbox/truth/organization';
import { PRIMARY_CREDENTIALS, ec2Client, failureOf, organizationsClient, stsClient, type Credentials } from './sdk';

const SPEC = 'seed=4&accounts=12&regions=2&instances=3&externalId=tap-org'
  + '&suspended=555555555555&pendingClosure=100000000011&deny=333333333333&readDenied=444444444444';

describe('member accounts a collection cannot use', () => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(SPEC);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  const assume = (accountId: string) => stsClient(sandbox).send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${accountId}:role/cloudtap-member`, RoleSessionName: 'collector', ExternalId: 'tap-org',
  }));
  const credentialsOf = async (accountId: string): Promise<Credentials> => {
    const { AccessKeyId = '', SecretAccessKey = '', SessionToken } = (await assume(accountId)).Credentials ?? {};
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
  };

  it('refuses AssumeRole with AccessDenied into a denied, a SUSPENDED and a PENDING_CLOSURE account, and into no other', async () => {
    for (const accountId of ['333333333333', '555555555555', '100000000011']) {
      const error = await failureOf(assume(accountId));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
      expect(error.message).toBe(`User: arn:aws:iam::111111111111:user/sandbox-admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${accountId}:role/cloudtap-member`);
    }
    for (const accountId of ['222222222222', '444444444444', '100000000010', '100000000012']) {
      expect((await assume(accountId)).Credentials?.AccessKeyId).toMatch(new RegExp(`^ASIA${accountId}`));
    }
  });

  it('answers every read in a readDenied account with the service\'s access-denied error, naming the assumed role', async () => {
    const credentials = await credentialsOf('444444444444');
    const region = 'us-west-2';
    const common = { region, endpoint: sandbox.url, credentials, maxAttempts: 1 };
    const calls: Record<string, () => Promise<unknown>> = {
      EC2: () => ec2Client(sandbox, region, credentials).send(new DescribeRegionsCommand({})),
      CloudTrail: () => new CloudTrailClient(common).send(new DescribeTrailsCommand({})),
      S3: () => new S3Client({ ...common, forcePathStyle: true }).send(new ListBucketsCommand({})),
      KMS: () => new KMSClient(common).send(new ListKeysCommand({})),
      RDS: () => new RDSClient(common).send(new DescribeDBInstancesCommand({})),
      DynamoDB: () => new DynamoDBClient(common).send(new ListTablesCommand({})),
      IAM: () => new IAMClient(common).send(new GetAccountAuthorizationDetailsCommand({})),
      Lambda: () => new LambdaClient(common).send(new ListFunctionsCommand({})),
      ELBv2: () => new ElasticLoadBalancingV2Client(common).send(new DescribeLoadBalancersCommand({})),
      AutoScaling: () => new AutoScalingClient(common).send(new DescribeAutoScalingGroupsCommand({})),
      Organizations: () => organizationsClient(sandbox, credentials).send(new ListAccountsCommand({})),
      CloudWatch: () => new CloudWatchClient(common).send(new ListMetricsCommand({})),
      // The notification targets: a denied caller may not publish either.
      SNS: () => new SNSClient(common).send(new PublishCommand({ TopicArn: `arn:aws:sns:${region}:444444444444:alerts`, Message: 'm' })),
      EventBridge: () => new EventBridgeClient(common).send(new PutEventsCommand({ Entries: [{ Source: 'cloudtap', DetailType: 'd', Detail: '{}' }] })),
    };
    // A service added to the sandbox needs its call here: the truth promises its code.
    const codes = readDeniedCodes();
    expect(Object.keys(calls).sort()).toEqual(Object.keys(codes).sort());
    for (const [service, call] of Object.entries(calls)) {
      const error = await failureOf(call());
      expect([service, error.name]).toEqual([service, codes[service]]);
      if (service !== 'S3') expect(error.message).toContain('arn:aws:sts::444444444444:assumed-role/cloudtap-member/collector is not authorized to perform');
    }
    const ec2 = await failureOf(ec2Client(sandbox, region, credentials).send(new DescribeInstancesCommand({})));
    expect([ec2.$metadata?.httpStatusCode, ec2.message]).toEqual([403,
      'You are not authorized to perform this operation. User: arn:aws:sts::444444444444:assumed-role/cloudtap-member/collector is not authorized to perform: ec2:DescribeInstances with an explicit deny in an identity-based policy']);
    // Who the caller is needs no permission; the account next door reads as usual.
    expect((await stsClient(sandbox, credentials).send(new GetCallerIdentityCommand({}))).Account).toBe('444444444444');
    const neighbour = await ec2Client(sandbox, region, await credentialsOf('222222222222')).send(new DescribeInstancesCommand({}));
    expect(neighbour.Reservations?.length).toBeGreaterThan(0);
  });

  it('a collection of the whole organization meets exactly what the truth expects, and collects the truth\'s resources', async () => {
    const org = sandboxOrganizationTruth(spec) as OrganizationTruth;
    expect(org.expected).toEqual({
      collected: ['111111111111', '222222222222', '666666666666', '777777777777', '888888888888', '999999999999', '100000000010', '100000000012'],
      readDenied: ['444444444444'],
      skipped: [
        { accountId: '333333333333', reason: 'assume-role-denied' },
        { accountId: '555555555555', reason: 'suspended' },
        { accountId: '100000000011', reason: 'pending-closure' },
      ],
    });

    // What a collector does: list the organization, leave out what is not ACTIVE, assume a role in each member, list.
    const met: OrganizationTruth['expected'] = { collected: [], readDenied: [], skipped: [] };
    const instances: string[] = [];
    const accounts: Account[] = [];
    for await (const page of paginateListAccounts({ client: organizationsClient(sandbox) }, {})) accounts.push(...(page.Accounts ?? []));
    for (const account of accounts) {
      const accountId = account.Id ?? '';
      if (account.Status !== 'ACTIVE') {
        met.skipped.push({ accountId, reason: account.Status === 'SUSPENDED' ? 'suspended' : 'pending-closure' });
        continue;
      }
      let credentials = PRIMARY_CREDENTIALS;
      if (accountId !== '111111111111') {
        try {
          credentials = await credentialsOf(accountId);
        } catch (error) {
          expect((error as Error).name).toBe('AccessDenied');
          met.skipped.push({ accountId, reason: 'assume-role-denied' });
          continue;
        }
      }
      try {
        const found: string[] = [];
        for (const region of enabledRegions(spec)) {
          for await (const page of paginateDescribeInstances({ client: ec2Client(sandbox, region, credentials) }, {})) {
            found.push(...(page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId ?? ''));
          }
        }
        instances.push(...found);
        met.collected.push(accountId);
      } catch (error) {
        expect((error as Error).name).toBe(org.readDeniedCodes.EC2);
        met.readDenied.push(accountId);
      }
    }
    const order = (skipped: OrganizationTruth['expected']['skipped']) => [...skipped].sort((a, b) => a.accountId.localeCompare(b.accountId));
    expect({ ...met, skipped: order(met.skipped) }).toEqual({ ...org.expected, skipped: order(org.expected.skipped) });

    const truth = sandboxTruth(spec);
    expect(truth.organization).toEqual(org);
    expect(truth.accounts.map((account) => [account.accountId, account.status, account.outcome]))
      .toEqual(org.accounts.map((account) => [account.accountId, account.status, account.outcome]));
    const collectable = collectedTruth(truth);
    expect(new Set(collectable.resources.map((resource) => resource.accountId))).toEqual(new Set(org.expected.collected));
    expect(instances.sort()).toEqual(collectable.resources.filter((resource) => resource.type === 'EC2.Instance').map((resource) => resource.id).sort());
    expect(truth.resources.some((resource) => resource.accountId === '555555555555')).toBe(true);
  });

  it('applies deny= and readDenied= to accounts outside an organization too', async () => {
    const standalone = parseSandboxSpec('accounts=3&regions=1&instances=1&organization=none&deny=222222222222&readDenied=333333333333');
    const truth = sandboxTruth(standalone);
    expect(truth.organization).toBeNull();
    expect(truth.accounts.map((account) => [account.accountId, account.status, account.outcome])).toEqual([
      ['111111111111', 'ACTIVE', 'collected'], ['222222222222', 'ACTIVE', 'assume-role-denied'], ['333333333333', 'ACTIVE', 'read-denied'],
    ]);
  });
});
