/**
 * The truth of the services added as plugins (S3, IAM, Lambda, RDS, ELBv2, AutoScaling, DynamoDB, KMS): what
 * each one's list calls return for a spec, and the conditions planted for cloudtap's rules. One entry per service in
 * `SERVICE_TRUTHS` (local/sandbox/service-truths.ts); `sandboxTruth` (truth.ts) adds them to the account's truth.
 */
import type { SandboxSpec } from './spec';

export interface ServiceTruthResource {
  accountId: string;
  /** The partition's region: the region collected, or — for a global service — the collector's home region. */
  region: string;
  /** cloudtap's type key, e.g. `S3.Bucket`. */
  type: string;
  /** The id cloudtap stores the resource under. */
  id: string;
  name?: string;
  tags: Record<string, string>;
  attributes: Record<string, unknown>;
}

export interface ServiceTruthCondition {
  /** cloudtap's rule name, e.g. `PublicBucket`. */
  rule: string;
  accountId: string;
  region: string;
  type: string;
  /** The resource the condition is about. */
  id: string;
  severity: 1 | 2 | 3 | 4;
  detail: Record<string, unknown>;
}

export interface ServiceTruth {
  /** The service, as cloudtap and the sandbox module name it. */
  service: string;
  /**
   * Everything one account holds of the service. `regions`: the account's enabled regions in order (the first is the
   * collector's home region, where global services are collected).
   */
  truth(spec: SandboxSpec, accountId: string, regions: readonly string[]): { resources: ServiceTruthResource[]; conditions: ServiceTruthCondition[] };
}
