import type { CollectContext } from './resource-type';

/** The ARN partition a region belongs to: China and GovCloud regions have their own. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The ARN of a resource in the collected account and region, e.g. `arn:aws:ec2:eu-west-1:111111111111:volume/vol-1`.
 * AMIs and snapshots are named without an account (`withAccount: false`), as AWS names them.
 */
export function regionalArn(
  context: Pick<CollectContext, 'accountId' | 'region'>, service: string, resource: string, options: { withAccount?: boolean } = {},
): string {
  const account = options.withAccount === false ? '' : context.accountId;
  return `arn:${partitionOf(context.region)}:${service}:${context.region}:${account}:${resource}`;
}

/** The key id in a key ARN or a bare key id (`1234abcd-…`, `mrk-…`); aliases name no key by themselves. */
export function keyIdOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const arn = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/.exec(value);
  if (arn) return arn[1] ?? null;
  return value.startsWith('arn:') || value.startsWith('alias/') ? null : value;
}
