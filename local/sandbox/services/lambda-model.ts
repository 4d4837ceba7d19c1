/**
 * The Lambda functions of one region of one synthetic account (≈ instances/4, at least 3), with their tags. Every
 * region plants the condition cloudtap's Lambda rule finds: function 0 runs python3.8 and function 1 nodejs16.x
 * (deprecated runtimes); later functions draw a deprecated runtime by chance. Execution roles are the IAM model's
 * Lambda roles; functions in a VPC use the EC2 model's private subnets and security groups. Environment variables
 * have secret values (prefixed `sandbox-secret-`) that must never reach a record. A pure function of (seed, account,
 * region, instances); functions do not change with the epoch.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { timeBeforeStart } from '../clock';
import { Dice, hashText } from '../random';
import type { SandboxSpec } from '../spec';
import { iamAccount } from './iam-model';
import { ec2RegionOf } from './rds-model';

export type LambdaModelSpec = Pick<SandboxSpec, 'seed' | 'instances'>;

/** Runtimes cloudtap's DeprecatedRuntime rule names (AWS's deprecated runtimes), as the sandbox uses them. */
export const DEPRECATED_RUNTIMES = ['python3.7', 'python3.8', 'nodejs14.x', 'nodejs16.x', 'go1.x', 'java8', 'dotnet6', 'ruby2.7'] as const;
const SUPPORTED_RUNTIMES = ['python3.12', 'python3.13', 'nodejs20.x', 'nodejs22.x', 'java21', 'provided.al2023', 'ruby3.3', 'dotnet8'] as const;
export const SECRET_VALUE_PREFIX = 'sandbox-secret-';

export interface LambdaFunctionPlan {
  configuration: FunctionConfiguration;
  tags: Record<string, string>;
}

const PURPOSES = ['api', 'worker', 'thumbnailer', 'ingest', 'cleanup', 'notifier', 'auth', 'report'] as const;
const GROUPS = ['web_server', 'app_server', 'batch_worker'] as const;

export function functionCount(spec: LambdaModelSpec): number {
  return Math.max(3, Math.floor(spec.instances / 4));
}

function handlerOf(runtime: string | undefined): string | undefined {
  if (!runtime) return undefined;
  if (runtime.startsWith('python')) return 'app.lambda_handler';
  if (runtime.startsWith('nodejs')) return 'index.handler';
  if (runtime.startsWith('java')) return 'com.example.Handler::handleRequest';
  if (runtime.startsWith('dotnet')) return 'Function::Function.Handler::FunctionHandler';
  if (runtime.startsWith('ruby')) return 'lambda_function.lambda_handler';
  return 'bootstrap';
}

function planFunction(dice: Dice, spec: LambdaModelSpec, accountId: string, region: string, index: number): LambdaFunctionPlan {
  const name = `${dice.pick(PURPOSES, index)}-${index}`;
  const image = index > 2 && dice.chance(0.1, index, 1);
  const runtime = image ? undefined
    : index === 0 ? 'python3.8'
      : index === 1 ? 'nodejs16.x'
        : index === 2 ? 'nodejs20.x'
          : dice.chance(0.15, index, 2) ? dice.pick(DEPRECATED_RUNTIMES, index, 3) : dice.pick(SUPPORTED_RUNTIMES, index, 4);
  const lambdaRoles = iamAccount(spec, accountId).roles.filter((role) => role.trust === 'lambda');
  const role = lambdaRoles.length > 0 ? dice.pick(lambdaRoles, index, 5).detail.Arn : `arn:aws:iam::${accountId}:role/service-role/lambda-exec`;
  const ec2 = ec2RegionOf(spec, accountId, region);
  const inVpc = ec2 !== undefined && (index === 2 || (index > 2 && dice.chance(0.3, index, 6)));
  const subnets = inVpc && ec2 ? ec2.network.privateSubnets.map((i) => ec2.network.subnets[i]?.id).filter((id): id is string => !!id) : [];
  const group = inVpc && ec2 ? ec2.securityGroups.find((g) => g.vpcIndex === 1 && g.purpose === 'app_server') ?? ec2.securityGroups.find((g) => g.vpcIndex === 1) : undefined;
  const modified = timeBeforeStart(dice.unit(index, 7), 300);
  const variables: Record<string, string> = { LOG_LEVEL: dice.pick(['info', 'debug', 'warn'], index, 8) };
  if (dice.chance(0.6, index, 9)) variables.DB_PASSWORD = `${SECRET_VALUE_PREFIX}${dice.hex(16, index, 10)}`;
  if (dice.chance(0.5, index, 11)) variables.TABLE_NAME = `${name}-table`;
  const tags: Record<string, string> = { team: dice.pick(['payments', 'platform', 'growth'], index, 12) };
  if (dice.chance(0.7, index, 13)) tags.Role = dice.pick(GROUPS, index, 14);
  return {
    tags,
    configuration: {
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
      ...(runtime ? { Runtime: runtime as FunctionConfiguration['Runtime'], Handler: handlerOf(runtime) } : {}),
      Role: role,
      CodeSize: 1024 * dice.between(4, 40_000, index, 15),
      Description: dice.chance(0.5, index, 16) ? `The ${name} function` : '',
      Timeout: dice.pick([3, 15, 30, 60, 300], index, 17),
      MemorySize: dice.pick([128, 256, 512, 1024, 2048], index, 18),
      LastModified: modified.toISOString().replace('Z', '+0000'),
      CodeSha256: Buffer.from(dice.hex(64, index, 19), 'hex').toString('base64'),
      Version: '$LATEST',
      ...(inVpc ? { VpcConfig: { SubnetIds: subnets, SecurityGroupIds: group ? [group.id] : [], VpcId: ec2?.network.vpcs[1]?.id } } : {}),
      Environment: { Variables: variables },
      TracingConfig: { Mode: dice.chance(0.3, index, 20) ? 'Active' : 'PassThrough' },
      RevisionId: dice.uuid(index, 21),
      ...(dice.chance(0.2, index, 22) ? { Layers: [{ Arn: `arn:aws:lambda:${region}:${accountId}:layer:common-utils:${dice.between(1, 9, index, 23)}`, CodeSize: 204_800 }] } : {}),
      PackageType: image ? 'Image' : 'Zip',
      Architectures: [dice.chance(0.3, index, 24) ? 'arm64' : 'x86_64'],
      EphemeralStorage: { Size: 512 },
    },
  };
}

const MAX_CACHED = 256;
const regions = new Map<string, LambdaFunctionPlan[]>();

/** The region's functions, sorted by name as ListFunctions returns them. */
export function lambdaFunctions(spec: LambdaModelSpec, accountId: string, region: string): LambdaFunctionPlan[] {
  const key = `${spec.seed}|${spec.instances}|${accountId}|${region}`;
  let functions = regions.get(key);
  if (!functions) {
    const dice = new Dice(hashText(`${spec.seed}|${accountId}|${region}|lambda`));
    functions = Array.from({ length: functionCount(spec) }, (_, i) => planFunction(dice, spec, accountId, region, i))
      .sort((a, b) => ((a.configuration.FunctionName ?? '') < (b.configuration.FunctionName ?? '') ? -1 : 1));
    if (regions.size >= MAX_CACHED) regions.delete(regions.keys().next().value as string);
    regions.set(key, functions);
  }
  return functions;
}

export function isDeprecatedRuntime(runtime: string | undefined): boolean {
  return (DEPRECATED_RUNTIMES as readonly string[]).includes(runtime ?? '');
}
