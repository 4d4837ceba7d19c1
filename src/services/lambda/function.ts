import {
  GetFunctionCommand, ListFunctionsCommand, ListTagsCommand,
  type FunctionConfiguration, type LambdaClient, type ListFunctionsCommandOutput,
} from '@aws-sdk/client-lambda';
import { defineResourceType, markUnknown, type CollectContext, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { isThrottling } from '../call-failures';

/** The Lambda client, by the name the service declares it under. */
export const LAMBDA_CLIENT = 'lambda';
/** ListTags calls in flight at once (Lambda's control plane allows 15 reads a second per region). */
const TAG_CALLS_IN_FLIGHT = 8;
/** ListFunctions returns at most 50 functions a page, whatever MaxItems asks for. */
const LIST_FUNCTIONS_MAX_ITEMS = 50;

/** Functions ($LATEST): configuration from the listing; tags from ListTags, one call per function (there is no batch form). */
export const functionType = defineResourceType<FunctionConfiguration, ListFunctionsCommandOutput>({
  service: 'Lambda',
  name: 'Function',
  info: {
    group: 'Lambda',
    displayName: 'Lambda Function',
    labels: ['Compute', 'Serverless'],
    primaryFields: ['function_name', 'runtime', 'last_modified'],
    displayFields: ['function_name', 'runtime', 'handler', 'memory_size', 'timeout', 'package_type', 'architectures', 'vpc_id', 'last_modified'],
  },
  list: {
    client: LAMBDA_CLIENT,
    action: 'lambda:ListFunctions',
    maxResults: LIST_FUNCTIONS_MAX_ITEMS,
    command: (page) => new ListFunctionsCommand({ MaxItems: page.maxResults, Marker: page.token }),
    items: (output) => output.Functions ?? [],
    nextToken: (output) => output.NextMarker,
  },
  describe: { fetch: fetchFunctions, actions: ['lambda:GetFunction'] },
  enrich: {
    actions: ['lambda:ListTags'],
    perResource: {
      // The record's tags (`tags` is the record's tag map, not a data field).
      fields: ['tags'],
      // Any configuration or code change gets a new revision. Tag changes do not, and do not change the listing:
      // TagResource/UntagResource refresh them in real time, and maxAgeHours catches any missed event.
      needed: (record, stored) => record.data.revision_id !== stored.data.revision_id,
      maxAgeHours: 24,
    },
    apply: readTags,
  },
  relations: [
    { name: 'role', type: 'IAM.Role', ids: (record) => [roleNameOf(record.data.role)] },
    { name: 'subnet', type: 'EC2.Subnet', ids: (record) => stringsOf(record.data.subnet_ids) },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: (record) => stringsOf(record.data.security_group_ids) },
  ],
  preprocess: (raw, context) => preprocessFunction(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::Lambda::Function',
});

export function preprocessFunction(raw: FunctionConfiguration, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const name = raw.FunctionName ?? '';
  const vpc = raw.VpcConfig;
  return {
    id: name,
    name,
    arn: raw.FunctionArn ?? `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`,
    tags: {},
    data: {
      function_name: name,
      runtime: raw.Runtime ?? null,
      role: raw.Role ?? null,
      handler: raw.Handler ?? null,
      description: raw.Description || null,
      memory_size: raw.MemorySize ?? null,
      timeout: raw.Timeout ?? null,
      ephemeral_storage_size: raw.EphemeralStorage?.Size ?? null,
      code_size: raw.CodeSize ?? null,
      package_type: raw.PackageType ?? null,
      architectures: raw.Architectures ?? [],
      last_modified: isoTime(raw.LastModified),
      revision_id: raw.RevisionId ?? null,
      version: raw.Version ?? null,
      vpc_id: vpc?.VpcId || null,
      subnet_ids: vpc?.SubnetIds ?? [],
      security_group_ids: vpc?.SecurityGroupIds ?? [],
      // Names only: the values often hold secrets and are never stored.
      environment_variable_names: Object.keys(raw.Environment?.Variables ?? {}).sort(),
      layer_arns: (raw.Layers ?? []).map((layer) => layer.Arn).filter((arn): arn is string => !!arn),
      kms_key_arn: raw.KMSKeyArn ?? null,
      tracing_mode: raw.TracingConfig?.Mode ?? null,
      dead_letter_target_arn: raw.DeadLetterConfig?.TargetArn ?? null,
    },
  };
}

/** `arn:aws:iam::111111111111:role/service-role/name` → `name`, the id IAM.Role records have. */
export function roleNameOf(roleArn: unknown): string | null {
  if (typeof roleArn !== 'string') return null;
  const match = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return match?.[1] ?? null;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

async function readTags(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const lambda = context.clients.get<LambdaClient>(LAMBDA_CLIENT);
  const failures = new Map<string, { message: string; records: number }>();
  await mapWithConcurrency(records, TAG_CALLS_IN_FLIGHT, async (record) => {
    try {
      record.tags = (await lambda.send(new ListTagsCommand({ Resource: record.arn }))).Tags ?? {};
    } catch (error) {
      if (isThrottling(error)) throw error;
      // The function stays; its tags are not known (an empty map would say it has none).
      markUnknown(record, ['tags']);
      const code = (error as { name?: string }).name ?? 'Error';
      const failure = failures.get(code) ?? { message: error instanceof Error ? error.message : String(error), records: 0 };
      failure.records++;
      failures.set(code, failure);
    }
  });
  for (const [code, failure] of failures) context.warn?.({ call: 'lambda:ListTags', code, message: failure.message, records: failure.records });
}

/** GetFunction per name; a function Lambda no longer knows (ResourceNotFoundException) is gone and not returned. */
async function fetchFunctions(ids: string[], context: CollectContext): Promise<FunctionConfiguration[]> {
  const lambda = context.clients.get<LambdaClient>(LAMBDA_CLIENT);
  const found = await mapWithConcurrency(ids, TAG_CALLS_IN_FLIGHT, async (FunctionName) => {
    try {
      const configuration = (await lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration;
      return configuration ? [configuration] : [];
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return [];
      throw error;
    }
  });
  return found.flat();
}
