/**
 * The service-module framework against the real SDK clients: one throwaway module per protocol (registered here,
 * not in services/index.ts) answers list calls whose fields come back through the SDK, injected failures and
 * throttling with the module's codes, and inputs arrive in the SDK's Input shape.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as AutoScaling from '@aws-sdk/client-auto-scaling';
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import * as ELBv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as IAM from '@aws-sdk/client-iam';
import * as KMS from '@aws-sdk/client-kms';
import * as Lambda from '@aws-sdk/client-lambda';
import * as RDS from '@aws-sdk/client-rds';
import * as S3 from '@aws-sdk/client-s3';
import { SandboxApiError } from '../../local/sandbox/api-errors';
import { sandboxEndpointVariables } from '../../local/sandbox/endpoints';
import { awsJsonProtocol } from '../../local/sandbox/protocols/json';
import { awsQueryProtocol } from '../../local/sandbox/protocols/query-xml';
import { restJsonProtocol } from '../../local/sandbox/protocols/rest-json';
import { restXmlProtocol } from '../../local/sandbox/protocols/rest-xml';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import type { SandboxCall, SandboxServiceModule } from '../../local/sandbox/service-module';
import { SANDBOX_SERVICE_MODULES } from '../../local/sandbox/services/index';
import { parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { failureOf, PRIMARY_CREDENTIALS } from './sdk';

/** Every call the test modules answered, to check the inputs they were given. */
const calls: SandboxCall[] = [];
const inputOf = (operation: string) => calls.filter((call) => call.operation === operation).at(-1)?.input;
const CREATED = '2026-01-02T03:04:05.000Z';

function testModule(module: Omit<SandboxServiceModule, 'handle'>, answers: Record<string, (call: SandboxCall) => unknown>): SandboxServiceModule {
  return {
    ...module,
    handle(call) {
      calls.push(call);
      const answer = answers[call.operation];
      if (!answer) throw new Error(`test module ${module.name} has no answer for ${call.operation}`);
      return answer(call);
    },
  };
}

const s3 = testModule({
  name: 'S3', signingName: 's3', endpointVariable: 'AWS_ENDPOINT_URL_S3', global: true,
  protocol: restXmlProtocol({ schemas: S3, xmlNamespace: 'http://s3.amazonaws.com/doc/2006-03-01/', pathStyleLabel: 'Bucket' }),
  operations: ['ListBuckets', 'GetBucketVersioning', 'GetBucketEncryption', 'GetPublicAccessBlock', 'GetBucketPolicyStatus', 'GetBucketLogging', 'GetBucketTagging'],
  throttling: { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' },
}, {
  ListBuckets: ({ input }) => ({
    Buckets: [{ Name: 'alpha', CreationDate: CREATED, BucketRegion: 'us-east-1' }, { Name: 'beta', CreationDate: new Date(CREATED), BucketRegion: 'eu-west-1' }]
      .slice(0, Number(input.MaxBuckets ?? 1000)),
    Owner: { ID: 'owner-id', DisplayName: 'owner' },
    ContinuationToken: input.MaxBuckets ? 'next-page' : undefined,
  }),
  GetBucketVersioning: ({ input }) => (input.Bucket === 'alpha' ? { Status: 'Enabled', MFADelete: 'Disabled' } : {}),
  GetBucketEncryption: ({ input }) => {
    if (input.Bucket !== 'alpha') throw new SandboxApiError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', 404);
    return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'key-1' }, BucketKeyEnabled: true }] } };
  },
  GetPublicAccessBlock: () => ({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } }),
  GetBucketPolicyStatus: () => ({ PolicyStatus: { IsPublic: false } }),
  GetBucketTagging: ({ input }) => {
    if (input.Bucket !== 'alpha') throw new SandboxApiError('NoSuchTagSet', 'The TagSet does not exist', 404);
    return { TagSet: [{ Key: 'team', Value: 'blue' }, { Key: 'env', Value: 'prod' }] };
  },
}) satisfies SandboxServiceModule;

const iam = testModule({
  name: 'IAM', signingName: 'iam', endpointVariable: 'AWS_ENDPOINT_URL_IAM', global: true,
  protocol: awsQueryProtocol({ schemas: IAM, version: '2010-05-08', xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/' }),
  operations: ['ListUsers', 'GetAccountAuthorizationDetails', 'GetCredentialReport', 'ListPolicies'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
}, {
  ListUsers: ({ accountId }) => ({
    Users: [{ UserName: 'alice', UserId: 'AIDA1', Arn: `arn:aws:iam::${accountId}:user/alice`, Path: '/', CreateDate: CREATED, PasswordLastUsed: new Date(CREATED) }],
    IsTruncated: true, Marker: 'm2',
  }),
  GetAccountAuthorizationDetails: () => ({
    UserDetailList: [{ UserName: 'alice', GroupList: ['admins', 'ops'], AttachedManagedPolicies: [{ PolicyName: 'ReadOnly', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] }],
    RoleDetailList: [], IsTruncated: false,
  }),
  GetCredentialReport: () => ({ Content: Buffer.from('user,arn\nalice,arn:aws:iam::111111111111:user/alice\n'), ReportFormat: 'text/csv', GeneratedTime: CREATED }),
});

const lambda = testModule({
  name: 'Lambda', signingName: 'lambda', endpointVariable: 'AWS_ENDPOINT_URL_LAMBDA',
  protocol: restJsonProtocol({ schemas: Lambda }),
  operations: ['ListFunctions', 'ListTags'],
  throttling: { code: 'TooManyRequestsException', status: 429, message: 'Rate exceeded' },
}, {
  ListFunctions: ({ region }) => ({
    Functions: [{ FunctionName: 'f1', FunctionArn: `arn:aws:lambda:${region}:111111111111:function:f1`, Runtime: 'nodejs22.x', MemorySize: 256, LastModified: '2026-01-02T03:04:05.000+0000', Architectures: ['arm64'] }],
    NextMarker: 'n2',
  }),
  ListTags: ({ input }) => ({ Tags: { resource: String(input.Resource), team: 'blue' } }),
});

const rds = testModule({
  name: 'RDS', signingName: 'rds', endpointVariable: 'AWS_ENDPOINT_URL_RDS',
  protocol: awsQueryProtocol({ schemas: RDS, version: '2014-10-31', xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/' }),
  operations: ['DescribeDBInstances', 'DescribeDBClusters'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
}, {
  DescribeDBInstances: () => ({
    DBInstances: [{
      DBInstanceIdentifier: 'db-1', Engine: 'postgres', AllocatedStorage: 20, MultiAZ: true, StorageEncrypted: false, InstanceCreateTime: CREATED,
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }], TagList: [{ Key: 'team', Value: 'blue' }],
    }],
    Marker: 'r2',
  }),
});

const elbv2 = testModule({
  name: 'ELBv2', signingName: 'elasticloadbalancing', endpointVariable: 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
  protocol: awsQueryProtocol({ schemas: ELBv2, version: '2015-12-01', xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/' }),
  operations: ['DescribeLoadBalancers', 'DescribeTargetGroups', 'DescribeTags'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
}, {
  DescribeLoadBalancers: () => ({
    LoadBalancers: [{ LoadBalancerName: 'web', LoadBalancerArn: 'arn:lb/web', Scheme: 'internet-facing', CreatedTime: CREATED, AvailabilityZones: [{ ZoneName: 'us-east-1a', SubnetId: 'subnet-1' }], SecurityGroups: ['sg-1', 'sg-2'] }],
  }),
  DescribeTags: ({ input }) => ({ TagDescriptions: (input.ResourceArns as string[]).map((arn) => ({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'blue' }] })) }),
});

const autoScaling = testModule({
  name: 'AutoScaling', signingName: 'autoscaling', endpointVariable: 'AWS_ENDPOINT_URL_AUTO_SCALING',
  protocol: awsQueryProtocol({ schemas: AutoScaling, version: '2011-01-01', xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/' }),
  operations: ['DescribeAutoScalingGroups'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
}, {
  DescribeAutoScalingGroups: () => ({
    AutoScalingGroups: [{
      AutoScalingGroupName: 'asg-1', MinSize: 1, MaxSize: 4, DesiredCapacity: 2, DefaultCooldown: 300, HealthCheckType: 'EC2', CreatedTime: CREATED,
      AvailabilityZones: ['us-east-1a'], Instances: [{ InstanceId: 'i-1', AvailabilityZone: 'us-east-1a', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false }],
      Tags: [{ Key: 'team', Value: 'blue', PropagateAtLaunch: true, ResourceId: 'asg-1', ResourceType: 'auto-scaling-group' }],
    }],
  }),
});

const dynamodb = testModule({
  name: 'DynamoDB', signingName: 'dynamodb', endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
  protocol: awsJsonProtocol({ schemas: DynamoDB, version: '1.0', target: 'DynamoDB_20120810' }),
  operations: ['ListTables', 'DescribeTable', 'DescribeContinuousBackups'],
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
}, {
  ListTables: () => ({ TableNames: ['orders', 'users'], LastEvaluatedTableName: 'users' }),
  DescribeTable: ({ input }) => ({
    Table: { TableName: input.TableName, TableStatus: 'ACTIVE', CreationDateTime: CREATED, ItemCount: 42, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], SSEDescription: { Status: 'ENABLED' } },
  }),
});

const kms = testModule({
  name: 'KMS', signingName: 'kms', endpointVariable: 'AWS_ENDPOINT_URL_KMS',
  protocol: awsJsonProtocol({ schemas: KMS, version: '1.1', target: 'TrentService' }),
  operations: ['ListKeys', 'DescribeKey', 'GetKeyRotationStatus'],
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
}, {
  ListKeys: () => ({ Keys: [{ KeyId: 'key-1', KeyArn: 'arn:aws:kms:us-east-1:111111111111:key/key-1' }], Truncated: false }),
  DescribeKey: ({ input }) => ({ KeyMetadata: { KeyId: input.KeyId, Enabled: true, KeyManager: 'CUSTOMER', CreationDate: CREATED, KeyState: 'Enabled' } }),
});

const MODULES = [s3, iam, lambda, rds, elbv2, autoScaling, dynamodb, kms];
const FAILURES = [
  '*:S3.GetBucketLogging:AccessDenied', '*:IAM.ListPolicies:AccessDenied', 'eu-west-1:Lambda.ListFunctions:AccessDeniedException',
  '*:RDS.DescribeDBClusters:AccessDenied', '*:ELBv2.DescribeTargetGroups:AccessDenied', 'eu-west-1:AutoScaling:AccessDenied',
  '*:DynamoDB.DescribeContinuousBackups:AccessDeniedException', '*:KMS.GetKeyRotationStatus:AccessDeniedException',
];

function specOf(text: string): SandboxSpec {
  return parseSandboxSpec(text, { services: MODULES });
}

function clientsOf(sandbox: RunningSandbox, region = 'us-east-1') {
  const config = { region, endpoint: sandbox.url, credentials: PRIMARY_CREDENTIALS, maxAttempts: 1 };
  return {
    s3: new S3.S3Client({ ...config, forcePathStyle: true }),
    iam: new IAM.IAMClient(config),
    lambda: new Lambda.LambdaClient(config),
    rds: new RDS.RDSClient(config),
    elbv2: new ELBv2.ElasticLoadBalancingV2Client(config),
    autoScaling: new AutoScaling.AutoScalingClient(config),
    dynamodb: new DynamoDB.DynamoDBClient(config),
    kms: new KMS.KMSClient(config),
  };
}

describe('service modules over the real SDK clients', () => {
  let sandbox: RunningSandbox;
  let clients: ReturnType<typeof clientsOf>;
  beforeAll(async () => {
    sandbox = await startSandbox(specOf(`regions=4&fail=${FAILURES.join(',')}`), { modules: MODULES });
    clients = clientsOf(sandbox);
  });
  afterAll(() => sandbox.close());

  it('S3 (restXml, path style): ListBuckets with its query, bucket sub-resources, payload members and S3 errors', async () => {
    const page = await clients.s3.send(new S3.ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: 'tok' }));
    expect(page.Buckets).toEqual([{ Name: 'alpha', CreationDate: new Date(CREATED), BucketRegion: 'us-east-1' }]);
    expect([page.Owner?.ID, page.ContinuationToken]).toEqual(['owner-id', 'next-page']);
    expect(inputOf('ListBuckets')).toEqual({ MaxBuckets: 1, ContinuationToken: 'tok' });
    expect((await clients.s3.send(new S3.ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toEqual(['alpha', 'beta']);

    const versioning = await clients.s3.send(new S3.GetBucketVersioningCommand({ Bucket: 'alpha' }));
    expect([versioning.Status, versioning.MFADelete]).toEqual(['Enabled', 'Disabled']);
    expect(inputOf('GetBucketVersioning')).toEqual({ Bucket: 'alpha' });
    expect((await clients.s3.send(new S3.GetBucketVersioningCommand({ Bucket: 'beta' }))).Status).toBeUndefined();
    const encryption = await clients.s3.send(new S3.GetBucketEncryptionCommand({ Bucket: 'alpha' }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'key-1' }, BucketKeyEnabled: true });
    const missing = await failureOf(clients.s3.send(new S3.GetBucketEncryptionCommand({ Bucket: 'beta' })));
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['ServerSideEncryptionConfigurationNotFoundError', 404]);
    const block = await clients.s3.send(new S3.GetPublicAccessBlockCommand({ Bucket: 'alpha' }));
    expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true });
    expect((await clients.s3.send(new S3.GetBucketPolicyStatusCommand({ Bucket: 'alpha' }))).PolicyStatus).toEqual({ IsPublic: false });
    expect((await clients.s3.send(new S3.GetBucketTaggingCommand({ Bucket: 'alpha' }))).TagSet).toEqual([{ Key: 'team', Value: 'blue' }, { Key: 'env', Value: 'prod' }]);
    expect((await failureOf(clients.s3.send(new S3.GetBucketTaggingCommand({ Bucket: 'beta' })))).name).toBe('NoSuchTagSet');
    const denied = await failureOf(clients.s3.send(new S3.GetBucketLoggingCommand({ Bucket: 'alpha' })));
    expect([denied.name, denied.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });

  it('IAM (awsQuery): list members, nested lists in and out, blobs and timestamps', async () => {
    const users = await clients.iam.send(new IAM.ListUsersCommand({ PathPrefix: '/eng/', MaxItems: 5, Marker: 'm1' }));
    expect(users.Users?.[0]).toMatchObject({ UserName: 'alice', Arn: 'arn:aws:iam::111111111111:user/alice', CreateDate: new Date(CREATED), PasswordLastUsed: new Date(CREATED) });
    expect([users.IsTruncated, users.Marker]).toEqual([true, 'm2']);
    expect(inputOf('ListUsers')).toEqual({ PathPrefix: '/eng/', MaxItems: 5, Marker: 'm1' });
    const details = await clients.iam.send(new IAM.GetAccountAuthorizationDetailsCommand({ Filter: ['User', 'Role'] }));
    expect(details.UserDetailList?.[0]).toMatchObject({ GroupList: ['admins', 'ops'], AttachedManagedPolicies: [{ PolicyName: 'ReadOnly', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] });
    expect(details.RoleDetailList).toEqual([]);
    expect(inputOf('GetAccountAuthorizationDetails')).toEqual({ Filter: ['User', 'Role'] });
    const report = await clients.iam.send(new IAM.GetCredentialReportCommand({}));
    expect(Buffer.from(report.Content ?? []).toString()).toContain('alice,arn:aws:iam::111111111111:user/alice');
    expect(report.GeneratedTime).toEqual(new Date(CREATED));
    const denied = await failureOf(clients.iam.send(new IAM.ListPoliciesCommand({})));
    expect([denied.name, denied.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect(denied.message).toContain('iam:ListPolicies');
  });

  it('Lambda (restJson1): query parameters, a URI label holding an ARN, region-specific failures', async () => {
    const page = await clients.lambda.send(new Lambda.ListFunctionsCommand({ MaxItems: 50, Marker: 'm1' }));
    expect(page.Functions?.[0]).toMatchObject({ FunctionName: 'f1', FunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:f1', MemorySize: 256, Architectures: ['arm64'] });
    expect(page.NextMarker).toBe('n2');
    expect(inputOf('ListFunctions')).toEqual({ MaxItems: 50, Marker: 'm1' });
    const arn = 'arn:aws:lambda:us-east-1:111111111111:function:f1';
    expect((await clients.lambda.send(new Lambda.ListTagsCommand({ Resource: arn }))).Tags).toEqual({ resource: arn, team: 'blue' });
    const denied = await failureOf(clientsOf(sandbox, 'eu-west-1').lambda.send(new Lambda.ListFunctionsCommand({})));
    expect([denied.name, denied.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
  });

  it('RDS (awsQuery): list members named by the schema (<DBInstance>, <Filter>, <Value>) both ways', async () => {
    const page = await clients.rds.send(new RDS.DescribeDBInstancesCommand({ MaxRecords: 20, Filters: [{ Name: 'engine', Values: ['postgres', 'mysql'] }] }));
    expect(page.DBInstances?.[0]).toMatchObject({
      DBInstanceIdentifier: 'db-1', AllocatedStorage: 20, MultiAZ: true, StorageEncrypted: false, InstanceCreateTime: new Date(CREATED),
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }], TagList: [{ Key: 'team', Value: 'blue' }],
    });
    expect(page.Marker).toBe('r2');
    expect(inputOf('DescribeDBInstances')).toEqual({ MaxRecords: 20, Filters: [{ Name: 'engine', Values: ['postgres', 'mysql'] }] });
    expect((await failureOf(clients.rds.send(new RDS.DescribeDBClustersCommand({})))).name).toBe('AccessDenied');
  });

  it('ELBv2 and AutoScaling (awsQuery)', async () => {
    const balancers = await clients.elbv2.send(new ELBv2.DescribeLoadBalancersCommand({ Names: ['web'], PageSize: 10 }));
    expect(balancers.LoadBalancers?.[0]).toMatchObject({ LoadBalancerName: 'web', CreatedTime: new Date(CREATED), AvailabilityZones: [{ ZoneName: 'us-east-1a', SubnetId: 'subnet-1' }], SecurityGroups: ['sg-1', 'sg-2'] });
    expect(inputOf('DescribeLoadBalancers')).toEqual({ Names: ['web'], PageSize: 10 });
    const tags = await clients.elbv2.send(new ELBv2.DescribeTagsCommand({ ResourceArns: ['arn:1', 'arn:2'] }));
    expect(tags.TagDescriptions?.map((description) => description.ResourceArn)).toEqual(['arn:1', 'arn:2']);
    expect((await failureOf(clients.elbv2.send(new ELBv2.DescribeTargetGroupsCommand({})))).name).toBe('AccessDenied');

    const groups = await clients.autoScaling.send(new AutoScaling.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['asg-1'], MaxRecords: 10 }));
    expect(groups.AutoScalingGroups?.[0]).toMatchObject({
      AutoScalingGroupName: 'asg-1', MinSize: 1, DesiredCapacity: 2, CreatedTime: new Date(CREATED), AvailabilityZones: ['us-east-1a'],
      Instances: [{ InstanceId: 'i-1', ProtectedFromScaleIn: false }], Tags: [{ Key: 'team', PropagateAtLaunch: true }],
    });
    expect(inputOf('DescribeAutoScalingGroups')).toEqual({ AutoScalingGroupNames: ['asg-1'], MaxRecords: 10 });
    const denied = await failureOf(clientsOf(sandbox, 'eu-west-1').autoScaling.send(new AutoScaling.DescribeAutoScalingGroupsCommand({})));
    expect([denied.name, denied.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });

  it('DynamoDB (awsJson1_0) and KMS (awsJson1_1): targets, epoch-second timestamps, JSON errors', async () => {
    const tables = await clients.dynamodb.send(new DynamoDB.ListTablesCommand({ Limit: 2, ExclusiveStartTableName: 'a' }));
    expect([tables.TableNames, tables.LastEvaluatedTableName]).toEqual([['orders', 'users'], 'users']);
    expect(inputOf('ListTables')).toEqual({ Limit: 2, ExclusiveStartTableName: 'a' });
    const table = await clients.dynamodb.send(new DynamoDB.DescribeTableCommand({ TableName: 'orders' }));
    expect(table.Table).toMatchObject({ TableName: 'orders', CreationDateTime: new Date(CREATED), ItemCount: 42, SSEDescription: { Status: 'ENABLED' } });
    expect((await failureOf(clients.dynamodb.send(new DynamoDB.DescribeContinuousBackupsCommand({ TableName: 'orders' })))).name).toBe('AccessDeniedException');

    expect((await clients.kms.send(new KMS.ListKeysCommand({ Limit: 100 }))).Keys).toEqual([{ KeyId: 'key-1', KeyArn: 'arn:aws:kms:us-east-1:111111111111:key/key-1' }]);
    const key = await clients.kms.send(new KMS.DescribeKeyCommand({ KeyId: 'key-1' }));
    expect(key.KeyMetadata).toMatchObject({ KeyId: 'key-1', Enabled: true, CreationDate: new Date(CREATED), KeyManager: 'CUSTOMER' });
    expect((await failureOf(clients.kms.send(new KMS.GetKeyRotationStatusCommand({ KeyId: 'key-1' })))).name).toBe('AccessDeniedException');
  });

  it('answers an operation the module does not serve with the protocol\'s unknown-operation error', async () => {
    const iamUnknown = await failureOf(clients.iam.send(new IAM.ListGroupsCommand({})));
    expect(iamUnknown.name).toBe('InvalidAction');
    const kmsUnknown = await failureOf(clients.kms.send(new KMS.ListGrantsCommand({ KeyId: 'key-1' })));
    expect(kmsUnknown.name).toBe('UnknownOperationException');
    expect(sandbox.stats().byOperation['IAM.ListGroups']).toBe(1);
  });

  it('refuses a region the account has not enabled, as AWS refuses the credentials there', async () => {
    const refused = await failureOf(clientsOf(sandbox, 'ap-east-1').dynamodb.send(new DynamoDB.ListTablesCommand({})));
    expect(refused.name).toBe('UnrecognizedClientException');
    expect(refused.message).toContain('ap-east-1');
  });

  it('counts requests per Name.Operation', () => {
    expect(sandbox.stats().byOperation).toMatchObject({ 'S3.ListBuckets': 2, 'IAM.ListUsers': 1, 'Lambda.ListFunctions': 2, 'ELBv2.DescribeLoadBalancers': 1, 'DynamoDB.ListTables': 2 });
  });
});

describe('throttling of service modules', () => {
  it('answers every module\'s calls with its own throttling code and status', async () => {
    const sandbox = await startSandbox(specOf('throttle=1'), { modules: MODULES });
    try {
      const clients = clientsOf(sandbox);
      const outcomes = await Promise.all([
        failureOf(clients.s3.send(new S3.ListBucketsCommand({}))),
        failureOf(clients.iam.send(new IAM.ListUsersCommand({}))),
        failureOf(clients.lambda.send(new Lambda.ListFunctionsCommand({}))),
        failureOf(clients.rds.send(new RDS.DescribeDBInstancesCommand({}))),
        failureOf(clients.elbv2.send(new ELBv2.DescribeLoadBalancersCommand({}))),
        failureOf(clients.autoScaling.send(new AutoScaling.DescribeAutoScalingGroupsCommand({}))),
        failureOf(clients.dynamodb.send(new DynamoDB.ListTablesCommand({}))),
        failureOf(clients.kms.send(new KMS.ListKeysCommand({}))),
      ]);
      expect(outcomes.map((error) => [error.name, error.$metadata?.httpStatusCode])).toEqual(MODULES.map((module) => [module.throttling.code, module.throttling.status]));
      expect(sandbox.stats()).toMatchObject({ requests: 8, throttled: 8, failed: 0 });
    } finally {
      await sandbox.close();
    }
  });
});

describe('the module list', () => {
  it('fail= rules name a module\'s operations, and only those', () => {
    expect(specOf('fail=*:ELBv2.DescribeTags:AccessDenied').fail).toEqual([{ region: '*', service: 'ELBv2', operation: 'DescribeTags', code: 'AccessDenied' }]);
    expect(() => specOf('fail=*:ELBv2.DescribeNothing:AccessDenied')).toThrow(/ELBv2\.DescribeTags/);
    expect(() => specOf('fail=*:Glacier:AccessDenied')).toThrow(/Service one of EC2, CloudTrail, STS, S3, IAM/);
  });

  it('endpoint variables cover the built-in services and every module, minus the omitted ones', () => {
    const variables = sandboxEndpointVariables('http://127.0.0.1:1', { modules: MODULES, omit: ['AWS_ENDPOINT_URL_DYNAMODB'] });
    expect(Object.keys(variables)).toEqual([
      'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_CLOUDTRAIL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_RDS', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', 'AWS_ENDPOINT_URL_AUTO_SCALING', 'AWS_ENDPOINT_URL_KMS',
    ]);
  });

  it('every registered module is well-formed: unique name and signing name, each operation in the SDK\'s schemas, fail= accepts it', async () => {
    for (const modules of [SANDBOX_SERVICE_MODULES, MODULES]) {
      expect(new Set(modules.map((module) => module.name)).size).toBe(modules.length);
      expect(new Set(modules.map((module) => module.signingName)).size).toBe(modules.length);
      for (const module of modules) {
        expect(module.endpointVariable).toMatch(/^AWS_ENDPOINT_URL_[A-Z0-9_]+$/);
        expect(module.operations.filter((operation) => !module.protocol.supports(operation))).toEqual([]);
        for (const operation of module.operations) parseSandboxSpec(`fail=*:${module.name}.${operation}:AccessDenied`, { services: modules });
      }
    }
    const sandbox = await startSandbox(parseSandboxSpec(''));
    await sandbox.close();
  });
});
