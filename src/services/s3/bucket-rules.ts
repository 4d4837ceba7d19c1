import type { TapRule } from '../rule';
import type { ResourceRecord } from '../resource-type';
import { SEVERITY_NAMES } from '../../dto/tap-event';

/** The tag that names a resource's server role, as on EC2 instances. */
const ROLE_TAG = 'Role';

function bucketFinding(record: ResourceRecord, severity: 1 | 3 | 4, condition: string) {
  return [{
    severity, typeNames: [{ type: 'ID', name: record.id }], group: record.tags[ROLE_TAG] ?? null,
    text: `${SEVERITY_NAMES[severity]} – bucket ${record.id} ${condition}`,
  }];
}

const bucketOf = (typeNames: { name: string }[]) => typeNames[0]?.name ?? '';

/**
 * PublicBucket: its policy grants public access and no public access block restricts it (RestrictPublicBuckets
 * limits a public policy to AWS services and the owner's account). Unknown (null) settings are no finding.
 */
export const publicBucketRule: TapRule = {
  name: 'PublicBucket',
  resourceType: 'S3.Bucket',
  eventClass: 'AWS_S3',
  evaluate(record) {
    if (record.data.policy_is_public !== true || record.data.restrict_public_buckets !== false) return [];
    return bucketFinding(record, 1, 'is public: its bucket policy grants public access and no public access block restricts it');
  },
  clearText: (typeNames) => `OK – bucket ${bucketOf(typeNames)} is no longer public`,
};

/** BucketUnencrypted: no default encryption, so objects uploaded without their own encryption are stored in clear. */
export const bucketUnencryptedRule: TapRule = {
  name: 'BucketUnencrypted',
  resourceType: 'S3.Bucket',
  eventClass: 'AWS_S3',
  evaluate: (record) => (record.data.default_encryption === false ? bucketFinding(record, 3, 'has no default encryption') : []),
  clearText: (typeNames) => `OK – bucket ${bucketOf(typeNames)} has default encryption`,
};

/** BucketVersioningOff: versioning never enabled or suspended; overwritten and deleted objects cannot be recovered. */
export const bucketVersioningOffRule: TapRule = {
  name: 'BucketVersioningOff',
  resourceType: 'S3.Bucket',
  eventClass: 'AWS_S3',
  evaluate(record) {
    const versioning = record.data.versioning;
    if (versioning === null || versioning === undefined || versioning === 'Enabled') return [];
    return bucketFinding(record, 4, versioning === 'Suspended' ? 'has versioning suspended' : 'has versioning off');
  },
  clearText: (typeNames) => `OK – bucket ${bucketOf(typeNames)} has versioning enabled`,
};
