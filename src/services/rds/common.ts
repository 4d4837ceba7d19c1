/** DescribeDBInstances, DescribeDBClusters and DescribeDBSnapshots take MaxRecords from 20 to 100. */
export const RDS_MAX_RECORDS = 100;

/** The tag that names a resource's server role, which groups its Tap events. */
export const ROLE_TAG = 'Role';

/** The key id in a KMS key ARN (`arn:aws:kms:…:key/<id>`); a bare key id stays as it is, an alias is not a key id. */
export function kmsKeyIdOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const match = /:key\/([^/]+)$/.exec(value);
  if (match) return match[1] ?? null;
  return value.includes(':') || value.startsWith('alias/') ? null : value;
}
