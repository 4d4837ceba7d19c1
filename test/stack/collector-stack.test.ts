import { beforeAll, describe, expect, it } from '@jest/globals';
import { functionIamActions, realtimeEventPatterns } from '../../src/stack-inputs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { collectionWorkflow, FUNCTION_ARN_PLACEHOLDER, STATE, type FunctionId } from '../../lib/workflow/definition';
import { deployedWorkflow } from '../../lib/stacks/collector-stack';
import { SNAPSHOT_OUTPUTS } from '../../lib/stacks/snapshots';
import { TABLE_ENV, TABLE_IDS, TABLES } from '../../src/store/tables';
import { ITEM_ACTIONS, TABLE_ACCESS } from '../../lib/stacks/table-access';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import {
  actionsOn, grantsOf, logicalId, synthesizeCollector, wildcardResourceActions, type SynthesizedCollector,
} from './collector-fixture';
import { serviceNames } from '../../src/services/registry';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

const MEMBER_ROLES = ['arn:aws:iam::111111111111:role/cloudtap-member', 'arn:aws:iam::222222222222:role/cloudtap-member'];

function only(resources: Record<string, unknown>): Resource {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as Resource;
}

function isTableArn(resource: unknown): boolean {
  return JSON.stringify(resource).includes('Table');
}

describe('the collector stack with cdk.json defaults', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector();
  });

  it('deploys the very workflow definition the local runner executes', () => {
    const { stack, template } = synthesized;
    const machine = only(template.findResources('AWS::StepFunctions::StateMachine'));
    const definitionString = machine.Properties.DefinitionString as string;

    // Byte for byte the local definition (plus the run timeout, which CDK cannot add to a string definition).
    expect(definitionString).toBe(JSON.stringify(deployedWorkflow()));
    const { TimeoutSeconds, ...local } = JSON.parse(definitionString) as Record<string, unknown>;
    expect(TimeoutSeconds).toBe(2 * 60 * 60);
    expect(local).toEqual(collectionWorkflow());

    // CloudFormation substitutes each placeholder with exactly its function's ARN.
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const expected = Object.fromEntries((Object.keys(FUNCTION_ARN_PLACEHOLDER) as FunctionId[]).map((fid) => [
      FUNCTION_ARN_PLACEHOLDER[fid].slice(2, -1), { 'Fn::GetAtt': [logicalId(stack, stack.functions[fid]), 'Arn'] },
    ]));
    expect(substitutions).toEqual(expected);

    const deployed = definitionString.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
    expect(deployed).not.toContain('${');
    type Processor = { States: Record<string, { Type: string; MaxConcurrencyPath?: string; Parameters?: { FunctionName?: string }; ItemProcessor?: Processor }> };
    const states = (JSON.parse(deployed) as Processor).States;
    const perAccount = states[STATE.collectAccounts]?.ItemProcessor?.States;
    expect(perAccount?.[STATE.collectTasks]).toMatchObject({ Type: 'Map', MaxConcurrencyPath: '$.concurrency' });
    expect(perAccount?.[STATE.collectTasks]?.ItemProcessor?.States[STATE.collect]?.Parameters?.FunctionName).toMatch(/:function:CollectFunctionArn$/);
  });

  it('traces the state machine and logs every transition without execution data', () => {
    const machine = only(synthesized.template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    synthesized.template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/Cloudtap-collection', RetentionInDays: 30 });
  });

  it('runs three Node 22 arm64 functions with X-Ray and a log group that expires', () => {
    const { template } = synthesized;
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringContaining('FunctionLogs') } },
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('Collect'), Timeout: 900, MemorySize: 1024 });
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 4);
  });

  it('tells every function its tables, home region, deployment id and default concurrency', () => {
    const { stack, template } = synthesized;
    for (const fn of Object.values(stack.functions)) {
      const variables = (template.toJSON().Resources[logicalId(stack, fn)] as Resource).Properties.Environment as { Variables: Record<string, unknown> };
      expect(variables.Variables).toMatchObject({
        CLOUDTAP_HOME_REGION: { Ref: 'AWS::Region' },
        CLOUDTAP_DEFAULT_CONCURRENCY: '20',
        CLOUDTAP_EMS: { 'Fn::Join': ['', ['Cloudtap:', { Ref: 'AWS::AccountId' }, ':', { Ref: 'AWS::Region' }]] },
        POWERTOOLS_SERVICE_NAME: 'cloudtap',
        POWERTOOLS_METRICS_NAMESPACE: 'cloudtap/Cloudtap',
        ...Object.fromEntries(TABLE_IDS.map((id) => [TABLE_ENV[id], { Ref: logicalId(stack, stack.tables[id]) }])),
      });
    }
  });

  it('keeps the inventory: on-demand, encrypted, point-in-time-recoverable tables that survive a stack delete, keyed as TABLES says', () => {
    const { stack, template } = synthesized;
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_IDS.length);
    for (const id of TABLE_IDS) {
      const definition = TABLES[id];
      const table = template.toJSON().Resources[logicalId(stack, stack.tables[id])] as Resource;
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [{ AttributeName: definition.partitionKey.name, KeyType: 'HASH' }, { AttributeName: definition.sortKey.name, KeyType: 'RANGE' }],
      });
      const indexes = (table.Properties.GlobalSecondaryIndexes ?? []) as unknown[];
      expect(indexes).toEqual(definition.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })));
      const keys = [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap((i) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])])];
      const attributes = new Map(keys.map((key) => [key.name, key.type]));
      expect(table.Properties.AttributeDefinitions).toEqual(expect.arrayContaining([...attributes].map(([name, type]) => ({ AttributeName: name, AttributeType: type }))));
      expect(table.Properties.AttributeDefinitions).toHaveLength(attributes.size);
    }
  });

  it('starts a run every six hours with a CollectionRequest get-tasks accepts', () => {
    const { stack, template } = synthesized;
    const rule = scheduleRule(template);
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(6 hours)', State: 'ENABLED' });
    const [target] = rule.Properties.Targets as { Arn: unknown; Input: string }[];
    expect(target?.Arn).toEqual({ Ref: logicalId(stack, stack.stateMachine) });
    expect(JSON.parse(target!.Input)).toEqual({ schemaVersion: 1 });
    expect(parseCollectionRequest(JSON.parse(target!.Input), serviceNames())).toEqual({ schemaVersion: 1 });
  });

  it('lists in collect\'s policy exactly the read calls of the ten services, written out here so that a new call is a reviewed change', () => {
    const { stack, template } = synthesized;
    expect(wildcardResourceActions(grantsOf(stack, template, stack.functions.collect))).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus', 'cloudtrail:LookupEvents',
      // The metric rules (EC2's CPU, status checks, the agent's memory, disk and load, EBS burst balance).
      'cloudwatch:GetMetricData', 'cloudwatch:ListMetrics',
      'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTable', 'dynamodb:ListTables', 'dynamodb:ListTagsOfResource',
      'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeImages', 'ec2:DescribeInstanceAttribute', 'ec2:DescribeInstanceStatus',
      'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeRegions', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSnapshots',
      'ec2:DescribeSubnets', 'ec2:DescribeVolumes', 'ec2:DescribeVpcs',
      'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTags',
      'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
      'iam:GenerateCredentialReport', 'iam:GetAccountAuthorizationDetails', 'iam:GetCredentialReport',
      'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListAliases', 'kms:ListKeys', 'kms:ListResourceTags',
      'lambda:ListFunctions', 'lambda:ListTags',
      'rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots',
      's3:GetBucketLogging', 's3:GetBucketPolicyStatus', 's3:GetBucketPublicAccessBlock', 's3:GetBucketTagging', 's3:GetBucketVersioning',
      's3:GetEncryptionConfiguration', 's3:ListAllMyBuckets',
    ]);
  });

  it('lets collect call exactly the declared read APIs, and assume no role when no member roles are configured', () => {
    const { stack, template } = synthesized;
    const grants = grantsOf(stack, template, stack.functions.collect);
    const allActions = grants.flatMap((grant) => grant.actions);
    expect(wildcardResourceActions(grants)).toEqual(functionIamActions().collect.filter((action) => action !== 'sts:AssumeRole').sort());
    expect(allActions.filter((action) => action.includes('*'))).toEqual([]);
    expect(allActions).not.toContain('sts:AssumeRole');
    expect(actionsOn(grants, isTableArn)).toEqual(expect.arrayContaining(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']));
  });

  it('grants collect and normalize exactly the table actions of table-access.ts, on each table and its indexes by name: no DeleteItem, no Scan', () => {
    const { stack, template } = synthesized;
    for (const fn of [stack.functions.collect, stack.functions.normalize]) {
      // The store's grants (a collected account's DynamoDB is read with Resource "*", like every collected service).
      const tableGrants = grantsOf(stack, template, fn).filter((grant) => grant.actions.some((a) => a.startsWith('dynamodb:')) && !grant.resources.includes('*'));
      const tableArns = TABLE_IDS.map((id) => ({ 'Fn::GetAtt': [logicalId(stack, stack.tables[id]), 'Arn'] }));
      const indexArns = TABLE_IDS.flatMap((id) => TABLES[id].globalIndexes.map((index) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.tables[id]), 'Arn'] }, `/index/${index.name}`]] })));
      expect(actionsOn(tableGrants, (r) => tableArns.some((arn) => JSON.stringify(arn) === JSON.stringify(r)))).toEqual([...ITEM_ACTIONS].sort());
      expect(actionsOn(tableGrants, (r) => JSON.stringify(r).includes('/index/'))).toEqual(['dynamodb:Query']);
      const resources = tableGrants.flatMap((grant) => grant.resources);
      expect(resources).toEqual(expect.arrayContaining([...tableArns, ...indexArns]));
      expect(new Set(resources.map((r) => JSON.stringify(r))).size).toBe(tableArns.length + indexArns.length);
      const actions = tableGrants.flatMap((grant) => grant.actions);
      expect(actions).not.toContain('dynamodb:DeleteItem');
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('lets get-tasks probe accounts and regions and keep the run\'s pages of accounts, nothing more (the Organizations calls only in organization mode)', () => {
    const { stack, template } = synthesized;
    const grants = grantsOf(stack, template, stack.functions.getTasks);
    expect(wildcardResourceActions(grants)).toEqual(functionIamActions().getTasks.filter((action) => action !== 'sts:AssumeRole' && !action.startsWith('organizations:')).sort());
    const tableGrants = grants.filter((grant) => grant.actions.some((a) => a.startsWith('dynamodb:')));
    expect(tableGrants.flatMap((grant) => grant.actions).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(TABLE_ACCESS.getTasks).toEqual({ runs: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] });
  });

  it('lets the state machine start, describe and stop only its own child executions (the Distributed Map of accounts)', () => {
    const { template } = synthesized;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    // (The schedule's own role, which starts runs, has states:StartExecution on the state machine by its ARN.)
    const own = policies.filter((st) => JSON.stringify(st.Resource).includes('Cloudtap-collection'));
    expect(own.map((st) => [[st.Action].flat().sort(), JSON.stringify(st.Resource).match(/:(stateMachine|execution):Cloudtap-collection[^"]*/)?.[0]])).toEqual([
      [['states:StartExecution'], ':stateMachine:Cloudtap-collection'],
      [['states:DescribeExecution', 'states:StopExecution'], ':execution:Cloudtap-collection/*'],
    ]);
  });

  it('gives each function a role of its own that may write only to its own log group, with no managed policy', () => {
    const { stack, template } = synthesized;
    for (const [id, fn] of Object.entries(stack.functions) as [FunctionId, (typeof stack.functions)[FunctionId]][]) {
      const role = template.toJSON().Resources[logicalId(stack, fn.role as unknown as { node: { defaultChild?: unknown } })] as Resource;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logGrants = grantsOf(stack, template, fn).filter((grant) => grant.actions.some((a) => a.startsWith('logs:')));
      expect(logGrants).toEqual([{
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [{ 'Fn::GetAtt': [logicalId(stack, stack.logGroups[id]), 'Arn'] }],
      }]);
    }
    expect(new Set(Object.values(stack.functions).map((fn) => fn.role))).toHaveProperty('size', 3);
  });

  it('lets normalize use the tables, describe exactly what the real-time refresh declares, and put alarms on the default bus only', () => {
    const { stack, template } = synthesized;
    const grants = grantsOf(stack, template, stack.functions.normalize);
    const declared = functionIamActions().normalize.filter((action) => action !== 'sts:AssumeRole');
    expect(wildcardResourceActions(grants)).toEqual([...declared].sort());
    const others = grants.filter((grant) => grant.actions.some((a) => !/^(dynamodb|xray|logs):/.test(a) && !declared.includes(a)));
    // (s3:PutObject: Finalize's snapshot export, on the snapshot bucket's two prefixes; test/stack/snapshots.test.ts.)
    expect(others.flatMap((grant) => grant.actions).sort()).toEqual(['events:PutEvents', 's3:PutObject', 'sqs:SendMessage']);
    expect(JSON.stringify(others.find((grant) => grant.actions.includes('events:PutEvents'))?.resources)).toContain(':event-bus/default');
    expect(others.find((grant) => grant.actions.includes('sqs:SendMessage'))?.resources).toEqual([{ 'Fn::GetAtt': [logicalId(stack, stack.deadLetterQueues[Object.keys(stack.deadLetterQueues).find((k) => k.includes('normalize failed'))!]!), 'Arn'] }]);
  });

  it('routes every service\'s change notifications and the API calls that change its resources to normalize, as the services declare them', () => {
    const { stack, template } = synthesized;
    // (The rule that forwards cloudtap's own alarms to the topic matches source "cloudtap": operations.test.ts.)
    const rules = Object.values(template.findResources('AWS::Events::Rule'))
      .filter((rule) => rule.Properties.EventPattern && !(rule.Properties.EventPattern as { source: string[] }).source.includes('cloudtap'));
    const normalizeArn = { 'Fn::GetAtt': [logicalId(stack, stack.functions.normalize), 'Arn'] };
    const declared = realtimeEventPatterns().map(({ detailType, ...pattern }) => ({ ...pattern, 'detail-type': detailType }));
    expect(rules.map((rule) => rule.Properties.EventPattern)).toEqual(expect.arrayContaining(declared));
    expect(rules).toHaveLength(declared.length);
    expect(declared).toEqual(expect.arrayContaining([
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
      { source: ['aws.ec2'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: expect.arrayContaining(['StopInstances', 'AuthorizeSecurityGroupIngress']) } },
    ]));
    for (const rule of rules) expect((rule.Properties.Targets as { Arn: unknown }[])[0]?.Arn).toEqual(normalizeArn);
  });

  it('lets the state machine invoke exactly the three functions', () => {
    const { stack, template } = synthesized;
    const policy = only(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalId(stack, stack.stateMachine.role as unknown as { node: { defaultChild?: unknown } }) }] },
    }));
    const statements = (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement;
    const invoke = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('lambda:')));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Action).toBe('lambda:InvokeFunction');
    const functionIds = Object.values(stack.functions).map((fn) => logicalId(stack, fn));
    const invoked = [invoke[0]?.Resource].flat().map((resource) => JSON.stringify(resource).match(/"(\w+Function\w+)","Arn"/)?.[1]);
    expect(new Set(invoked)).toEqual(new Set(functionIds));
  });

  it('outputs what `cloudtap run --remote` and `--stack` read: the state machine ARN, every table\'s name and the SQL resources', () => {
    const { stack, template } = synthesized;
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const tableOutput = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}TableName`;
    expect(Object.keys(outputs).sort()).toEqual(['StateMachineArn', ...TABLE_IDS.map(tableOutput), ...Object.values(SNAPSHOT_OUTPUTS)].sort());
    expect(outputs).toMatchObject({ ResourcesTableName: {}, EventsTableName: {}, RunsTableName: {} });
    expect(outputs.StateMachineArn?.Value).toEqual({ Ref: logicalId(stack, stack.stateMachine) });
    for (const id of TABLE_IDS) expect(outputs[tableOutput(id)]?.Value).toEqual({ Ref: logicalId(stack, stack.tables[id]) });
  });
});

describe('the collector stack with every knob turned', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({
      stackName: 'CloudtapStaging',
      maxConcurrency: '30',
      memberRoleArns: MEMBER_ROLES.join(','),
      scheduleExpression: 'cron(0 3 * * ? *)',
      schedule: 'false',
      services: ['ec2'],
      regions: ['eu-west-1', 'us-east-1'],
    });
  });

  it('names the stack and the deployment id after stackName', () => {
    expect(synthesized.stack.stackName).toBe('CloudtapStaging');
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CLOUDTAP_EMS: { 'Fn::Join': ['', ['CloudtapStaging:', { Ref: 'AWS::AccountId' }, ':', { Ref: 'AWS::Region' }]] } }) },
    });
  });

  it('hands maxConcurrency to every function as the default Map concurrency', () => {
    synthesized.template.resourcePropertiesCountIs('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CLOUDTAP_DEFAULT_CONCURRENCY: '30' }) } }, 3);
  });

  it('lets get-tasks, collect and normalize (a member account\'s notification is described there) assume exactly the member roles', () => {
    const { stack, template } = synthesized;
    for (const fn of [stack.functions.getTasks, stack.functions.collect, stack.functions.normalize]) {
      const grants = grantsOf(stack, template, fn);
      const assume = grants.filter((grant) => grant.actions.includes('sts:AssumeRole'));
      expect(assume).toEqual([{ actions: ['sts:AssumeRole'], resources: MEMBER_ROLES }]);
      expect(wildcardResourceActions(grants)).not.toContain('sts:AssumeRole');
    }
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CLOUDTAP_MEMBER_ROLE_ARNS: MEMBER_ROLES.join(',') }) },
    });
  });

  it('keeps a disabled schedule whose run collects the chosen services and regions in this and the member accounts', () => {
    const rule = scheduleRule(synthesized.template);
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'cron(0 3 * * ? *)', State: 'DISABLED' });
    const input = JSON.parse((rule.Properties.Targets as { Input: string }[])[0]!.Input) as unknown;
    expect(input).toEqual({
      schemaVersion: 1,
      services: ['EC2'],
      regions: ['eu-west-1', 'us-east-1'],
      accounts: [{}, { accountId: '111111111111', roleArn: MEMBER_ROLES[0] }, { accountId: '222222222222', roleArn: MEMBER_ROLES[1] }],
    });
    expect(parseCollectionRequest(input, serviceNames())).toEqual(input);
  });
});

describe('a maxConcurrency beyond what an inline Map runs', () => {
  it('still deploys, with a warning that says so', () => {
    const { stack, template } = synthesizeCollector({ maxConcurrency: 100 });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CLOUDTAP_DEFAULT_CONCURRENCY: '100' }) } }, 3);
    Annotations.fromStack(stack).hasWarning('/Cloudtap', Match.stringLikeRegexp('maxConcurrency 100 exceeds the 40 concurrent iterations an inline Map runs'));
  });
});

/** The schedule's rule (the others are the real-time rules, with event patterns, and the heartbeat's: heartbeat-stack.test.ts). */
function scheduleRule(template: { findResources(type: string): Record<string, Record<string, unknown>> }) {
  const runs = (properties: Record<string, unknown>) => properties.ScheduleExpression && !JSON.stringify(properties.Targets).includes('heartbeat');
  return only(Object.fromEntries(Object.entries(template.findResources('AWS::Events::Rule')).filter(([, rule]) => runs(rule.Properties as Record<string, unknown>))));
}
