/**
 * The deployment, played without AWS: the stack is synthesized; its tables are created in an embedded DynamoDB
 * from the template's own key and index definitions, under the names CloudFormation would give them; the
 * sandbox answers DescribeStacks with the template's outputs; the three handlers run the deployed workflow
 * twice with the environment the template gives each function; then the real CLI reads it all back by stack
 * name — and must agree with the same two runs collected into the embedded default store.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { overlayEnvironment } from '../../cli/environment';
import { TABLE_OUTPUTS } from '../../cli/remote/stack';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { runWorkflowLocally } from '../../local/runner';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { SandboxStacks } from '../../local/sandbox/cloudformation-api';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { resourceKey, sandboxTruth } from '../../local/sandbox/truth';
import type { RunSummary } from '../../src/dto/run-summary';
import type { TapEvent } from '../../src/events/tap-event';
import { TABLE_IDS } from '../../src/store/tables';
import { synthesizeCollector } from '../stack/collector-fixture';
import { cloudtap, tempDir, type CliResult } from '../support/cli';
import { localStore } from '../support/local-run';
import { sandboxEndpointVariables } from '../../local/sandbox/endpoints';

const SPEC = 'seed=21&regions=2&instances=16';
const REGION = enabledRegions(parseSandboxSpec(SPEC))[0] as string;

type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
};

/** The physical id CloudFormation gives a resource it names itself: `<stack>-<logical id>-<RANDOM>`. */
function physicalName(stackName: string, logicalId: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const random = [...randomBytes(13)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${stackName}-${logicalId}-${random}`;
}

/** The intrinsic functions the template's environment and outputs use, as CloudFormation resolves them. */
function resolve(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Ref' in node) {
    const ref = refs[node.Ref as string];
    if (ref === undefined) throw new Error(`the play does not know how to resolve Ref ${String(node.Ref)}`);
    return ref;
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, refs)).join(separator);
  }
  throw new Error(`the play does not resolve ${JSON.stringify(value)}; extend resolve() in this test`);
}

/** CreateTable from the template's own definition of the table (not from src/store/tables.ts). */
function createTableInput(name: string, properties: Record<string, unknown>): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: properties.BillingMode as 'PAY_PER_REQUEST',
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    ...(properties.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'] } : {}),
  };
}

interface Deployment {
  stackName: string;
  tableNames: string[];
  runs: RunSummary[];
  /** The CLI against the deployed stack, with the SDK pointed at the sandbox and the embedded DynamoDB. */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  listTables(): Promise<string[]>;
}

let deployment: Deployment;
let reference: { dataDir: string; runs: RunSummary[]; cli(args: string[]): Promise<CliResult> };
let dynamodb: EmbeddedDynamoDb;
let sandbox: RunningSandbox;
let client: DynamoDBClient;
const stacks = new SandboxStacks();

beforeAll(async () => {
  // The same two runs into the embedded default store: what the deployed stack must read back alike.
  const store = await localStore();
  reference = {
    dataDir: store.dataDir,
    runs: [await store.run(`${SPEC}&epoch=0`), await store.run(`${SPEC}&epoch=1`)],
    cli: (args) => cloudtap([...args, '--data-dir', store.dataDir]),
  };

  const { stack, template: synthesized } = synthesizeCollector();
  const template = synthesized.toJSON() as Template;
  const stackName = stack.stackName;
  const refs: Record<string, string> = { 'AWS::Region': REGION, 'AWS::AccountId': PRIMARY_ACCOUNT_ID, 'AWS::StackName': stackName, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    refs[logicalId] = resource.Type === 'AWS::StepFunctions::StateMachine'
      ? `arn:aws:states:${REGION}:${PRIMARY_ACCOUNT_ID}:stateMachine:${logicalId}-${physicalName(stackName, logicalId).split('-').pop() ?? ''}`
      : physicalName(stackName, logicalId);
  }

  dynamodb = await startEmbeddedDynamoDb();
  client = new DynamoDBClient({ region: REGION, endpoint: dynamodb.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const tables = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table');
  for (const [logicalId, resource] of tables) {
    await client.send(new CreateTableCommand(createTableInput(refs[logicalId] as string, resource.Properties ?? {})));
  }
  const outputs = Object.fromEntries(Object.entries(template.Outputs).map(([key, output]) => [key, resolve(output.Value, refs)]));
  stacks.add({ name: stackName, region: REGION, outputs });
  sandbox = await startSandbox(parseSandboxSpec(`${SPEC}&epoch=0`), { stacks });

  // Each function's environment as the template gives it. The handlers run in this one process, so where two
  // functions carry the same variable it must have the same value (it does: only normalize has extra ones).
  const environment: Record<string, string> = {};
  for (const resource of Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const variables = ((resource.Properties?.Environment ?? {}) as { Variables?: Record<string, unknown> }).Variables ?? {};
    for (const [key, value] of Object.entries(variables)) {
      const resolved = resolve(value, refs);
      expect([key, environment[key] ?? resolved]).toEqual([key, resolved]);
      environment[key] = resolved;
    }
  }
  delete environment.NODE_OPTIONS; // Lambda's runtime options, not this process's
  // The scheduled run's input, as the template's EventBridge rule sends it.
  const schedule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Events::Rule' && (r.Properties?.ScheduleExpression));
  const input = JSON.parse(((schedule?.Properties?.Targets as { Input: string }[])[0] as { Input: string }).Input) as unknown;

  const restore = overlayEnvironment({
    ...environment,
    AWS_REGION: REGION,
    // In AWS the store and a collected DynamoDB are one endpoint; here the account is the sandbox (every service's
    // variable, DynamoDB's too) and the stack's tables are in their own DynamoDB, which the functions reach explicitly.
    ...sandboxEndpointVariables(sandbox.url),
    CLOUDTAP_STORE_ENDPOINT: dynamodb.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDCLOUDTAPSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox-secret', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const runs: RunSummary[] = [];
  try {
    runs.push(await runWorkflowLocally({ input }));
    sandbox.setEpoch(1);
    runs.push(await runWorkflowLocally({ input }));
  } finally {
    restore();
  }

  const sdkEnvironment = {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_CLOUDFORMATION: sandbox.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDCLOUDTAPSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  deployment = {
    stackName,
    tableNames: tables.map(([logicalId]) => refs[logicalId] as string).sort(),
    runs,
    cli: (args, env = {}) => cloudtap(args, { ...sdkEnvironment, ...env }),
    listTables: async () => ((await client.send(new ListTablesCommand({}))).TableNames ?? []).sort(),
  };
}, 240_000);

afterAll(async () => {
  client?.destroy();
  await sandbox?.close();
  await dynamodb?.close();
});

/** The CLI by stack name, and the proof that the command created no table. */
async function readStack(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await deployment.cli([...args, '--stack', deployment.stackName], env);
  expect(await deployment.listTables()).toEqual(deployment.tableNames);
  return result;
}

function ok(result: CliResult): string {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

function json<T>(result: CliResult): T {
  return JSON.parse(ok(result)) as T;
}

/** A CLI answer asked for once and shared by the tests that need it (each call is a process start). */
function once<T>(ask: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => (answer ??= ask());
}
const stackResources = once(() => readStack(['resources', '--json']));
const stackEvents = once(() => readStack(['events', '--state', 'all', '--json']));

/** An event as both stores must agree on it (ids and EMS name the store's own stack, times its own clock). */
function eventShape(e: TapEvent): string {
  return `${e.rule} ${e.state} sev=${e.severity} count=${e.count} ${e.typeNames.map((p) => `${p.type}=${p.name}`).join(' ')}`;
}

describe('a deployed stack, read by name', () => {
  it('the tables are named as CloudFormation names them, created from the template, and both runs succeeded', () => {
    expect(deployment.tableNames).toHaveLength(TABLE_IDS.length);
    for (const name of deployment.tableNames) expect(name).toMatch(new RegExp(`^${deployment.stackName}-[A-Za-z]+Table[0-9A-F]{8}-[A-Z0-9]{13}$`));
    expect(deployment.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(deployment.runs[1]?.resources).toEqual(reference.runs[1]?.resources);
  });

  it('resources: the inventory after two runs, as the sandbox planted it at epoch 1 and as the local store holds it', async () => {
    type Listed = { type: string; accountId: string; region: string; resourceId: string };
    const [deployed, local] = await Promise.all([stackResources(), reference.cli(['resources', '--json'])]);
    const keys = (rows: Listed[]) => rows.map((r) => `${r.accountId}/${r.region}/${r.type}/${r.resourceId}`).sort();
    const listed = keys(json<Listed[]>(deployed));
    expect(listed).toEqual(keys(json<Listed[]>(local)));
    const planted = sandboxTruth(parseSandboxSpec(`${SPEC}&epoch=1`)).resources.filter((r) => r.type !== 'EC2.Region').map(resourceKey);
    expect(listed.filter((key) => planted.includes(key)).sort()).toEqual([...planted].sort());
  });

  it('history: a resource changed by the second run shows that change, as in the local store', async () => {
    type Listed = { resourceId: string; firstSeen: string; lastChanged: string; runId: string; type: string };
    const resources = json<Listed[]>(await stackResources());
    const changed = resources.find((r) => r.runId === deployment.runs[1]?.runId && r.lastChanged !== r.firstSeen && r.type.startsWith('EC2.'));
    expect(changed).toBeDefined();
    type Timeline = { resource: { resourceId: string }; history: { runId: string; change: string; diff: Record<string, unknown> }[] }[];
    const [deployed, local] = await Promise.all([readStack(['history', changed?.resourceId ?? '', '--json']), reference.cli(['history', changed?.resourceId ?? '', '--json'])]);
    const timeline = json<Timeline>(deployed);
    expect(timeline[0]?.history.at(-1)?.runId).toBe(deployment.runs[1]?.runId);
    const shape = (t: Timeline) => t.map(({ history }) => history.map((h) => `${h.change} ${Object.keys(h.diff).sort().join(',')}`));
    expect(shape(timeline)).toEqual(shape(json<Timeline>(local)));
  });

  it('events: every event with its count after two runs (2 where the condition held in both), as in the local store', async () => {
    const [deployed, local] = await Promise.all([stackEvents(), reference.cli(['events', '--state', 'all', '--json'])]);
    const events = json<TapEvent[]>(deployed);
    expect(events.map(eventShape).sort()).toEqual(json<TapEvent[]>(local).map(eventShape).sort());
    expect(events.some((e) => e.state === 'open' && e.count === 2)).toBe(true);
    expect(events.every((e) => e.count === 1 || e.count === 2)).toBe(true);
    for (const e of events) expect(e.ems).toContain(deployment.stackName);

    const cleared = events.find((e) => e.state === 'cleared');
    expect(cleared).toBeDefined();
    const transitions = json<{ transition: string }[]>(await readStack(['events', 'history', cleared?.id ?? '', '--json']));
    expect(transitions.map((t) => t.transition)).toContain('cleared');
  });

  it('events ack acts on the deployed table (and creates none); the acknowledgement reads back', async () => {
    const open = json<TapEvent[]>(await stackEvents()).find((e) => e.state === 'open');
    expect(open).toBeDefined();
    ok(await readStack(['events', 'ack', open?.id ?? '', '--note', 'seen in the play']));
    const after = json<TapEvent[]>(await readStack(['events', '--json'])).find((e) => e.id === open?.id);
    expect(after?.acknowledged?.note).toBe('seen in the play');
  });

  it('report config and report --html agree with the local store', async () => {
    const at = sandboxTruth(parseSandboxSpec(`${SPEC}&epoch=1`)).time;
    type Config = { groups: Record<string, number>; active: { instanceId: string }[] };
    const [deployed, local] = await Promise.all([readStack(['report', 'config', '--at', at, '--json']), reference.cli(['report', 'config', '--at', at, '--json'])]);
    const shape = (c: Config) => ({ groups: c.groups, active: c.active.map((a) => a.instanceId).sort() });
    const config = json<Config>(deployed);
    expect(config.active.length).toBeGreaterThan(0);
    expect(shape(config)).toEqual(shape(json<Config>(local)));

    const directory = await tempDir();
    const [page, localPage] = await Promise.all([
      readStack(['report', '--html', join(directory, 'deployed.html')]),
      reference.cli(['report', '--html', join(directory, 'local.html')]),
    ]);
    const counts = (stdout: string) => stdout.replace(/^wrote \S+ \(\d+ KB\): /, '');
    expect(counts(ok(page))).toEqual(counts(ok(localPage)));
    expect(counts(ok(page))).toMatch(/, 2 runs\n?$/);
    expect(await readFile(join(directory, 'deployed.html'), 'utf8')).toContain(`stack &quot;${deployment.stackName}&quot; in ${REGION}`);
  });

  it('trace: the latest run and the list of runs; CLOUDTAP_STACK names the stack as --stack does', async () => {
    type Trace = { runId: string; tasks: { taskId: string }[] };
    const [deployed, local] = await Promise.all([readStack(['trace', '--json']), reference.cli(['trace', '--json'])]);
    const trace = json<Trace>(deployed);
    expect(trace.runId).toBe(deployment.runs[1]?.runId);
    expect(trace.tasks.map((t) => t.taskId).sort()).toEqual(json<Trace>(local).tasks.map((t) => t.taskId).sort());

    const listed = json<{ runId: string }[]>(await deployment.cli(['trace', '--list', '--json'], { CLOUDTAP_STACK: deployment.stackName }));
    expect(listed.map((r) => r.runId)).toEqual([deployment.runs[1]?.runId, deployment.runs[0]?.runId]);
    expect(await deployment.listTables()).toEqual(deployment.tableNames);
  });
});

describe('a stack that cannot be read exits 1, names what is missing, and creates nothing', () => {
  function refused(result: CliResult, ...named: string[]): void {
    expect(result.code).toBe(1);
    for (const text of named) expect(result.stderr).toContain(text);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  }

  it('no such stack', async () => {
    refused(await deployment.cli(['resources', '--stack', 'Nope']), `stack "Nope" not found in ${REGION}`, 'Stack with id Nope does not exist', 'npx cdk deploy', '--region');
    expect(await deployment.listTables()).toEqual(deployment.tableNames);
  });

  it('a stack without the table outputs', async () => {
    stacks.add({ name: 'NotCloudtap', region: REGION, outputs: { BucketName: 'some-bucket' } });
    refused(await deployment.cli(['events', '--stack', 'NotCloudtap']), 'stack "NotCloudtap" has no', ...TABLE_IDS.map((id) => TABLE_OUTPUTS[id]), 'its outputs: BucketName');
    expect(await deployment.listTables()).toEqual(deployment.tableNames);
  });

  it('a stack whose table is gone', async () => {
    const outputs = Object.fromEntries(TABLE_IDS.map((id, n) => [TABLE_OUTPUTS[id], n === 0 ? 'Cloudtap-DeletedTable0000-AAAAAAAAAAAAA' : deployment.tableNames[n] as string]));
    stacks.add({ name: 'Gone', region: REGION, outputs });
    refused(await deployment.cli(['trace', '--stack', 'Gone']), 'table Cloudtap-DeletedTable0000-AAAAAAAAAAAAA', `the ${TABLE_OUTPUTS[TABLE_IDS[0] as (typeof TABLE_IDS)[number]]} output of stack "Gone"`);
    expect(await deployment.listTables()).toEqual(deployment.tableNames);
  });

  it('--stack together with --data-dir', async () => {
    refused(await deployment.cli(['resources', '--stack', deployment.stackName, '--data-dir', reference.dataDir]), '--stack and --data-dir');
  });
});
