import type { AwsClients, ClientFactory } from '../aws/clients';
import type { ResourceRecord, ResourceType } from './resource-type';
import type { RegionFacts, TapRule } from './rule';
import type { AccountRule } from './account-rule';
import type { MetricRule } from './metric-rule';

/**
 * The plugin contract: everything cloudtap knows about an AWS service is one `ServiceDefinition` in
 * `src/services/<name>/index.ts`, listed by one line in `registry.ts`. The engine (plan, collect, events,
 * finalize, real-time, the stack) reads these declarations and names no service.
 */
export interface ServiceDefinition {
  /** As operators name it (`--services S3`), and the first half of its type keys (`S3.Bucket`). */
  name: string;
  scope: ServiceScope;
  /**
   * The SDK clients its types call, by the name their `list.client` gives, e.g. `{ s3: (config) => new S3Client(config) }`.
   * Names are unique across services. The engine adds region, credentials, retries and tracing.
   */
  clients: Record<string, ClientFactory>;
  types: ResourceType[];
  /** Tap rules beside the types they evaluate. */
  rules: TapRule[];
  /** Rules over a whole account, evaluated by Finalize. */
  accountRules?: AccountRule[];
  /** Rules over CloudWatch metrics of the resources its types list (CPU, memory, disk), evaluated by the collect task. */
  metricRules?: MetricRule[];
  /** Facts a task learns from one type's records (e.g. instance roles) for the rules of its other types. */
  facts?: FactsSource;
  /** What its EventBridge events say changed, so that changes reach the store between runs. */
  realtime?: RealtimeHooks;
  /** Counts operators can put thresholds on besides open events (e.g. running instances per role). */
  counters?: Counter[];
  /**
   * The account's regions, from this service's API (EC2's DescribeRegions): one service in the registry offers
   * it; plan and the Region type use it.
   */
  regionDirectory?: RegionDirectory;
}

/**
 * Where a service exists. Regional services run once per enabled region (`regions`: only those where AWS offers it);
 * global ones once per account, in `homeRegion` (default: the collector's home region).
 */
export type ServiceScope = { kind: 'regional'; regions?: string[] } | { kind: 'global'; homeRegion?: string };

export interface FactsSource {
  /** The type whose records teach the facts, e.g. `EC2.Instance`. */
  from: string;
  create(): RegionFacts & { observe(record: ResourceRecord): void };
}

/** Resource ids of one collected type, as an event names them. */
export interface NamedResources {
  /** Type key, e.g. `EC2.Instance`. */
  type: string;
  ids: string[];
}

export interface RealtimeHooks {
  /** EventBridge `source` of its events, e.g. `aws.ec2`, `aws.s3`. */
  source: string;
  /** CloudTrail API calls (`detail.eventName`) after which the resources they name are refreshed at once. */
  apiCalls: string[];
  /**
   * The resources an API call names (from `detail.requestParameters` / `responseElements`). Default: every string
   * in them that starts with a type's `describe.idPrefix`.
   */
  resourcesInApiCall?(detail: Record<string, unknown>): NamedResources[];
  /** Service notifications other than API calls (e.g. `EC2 Instance State-change Notification`) and what they name. */
  notifications?: { detailType: string; resources(detail: Record<string, unknown>): NamedResources[] }[];
}

export interface Counter {
  /** The threshold `rule` name operators use, e.g. `RunningInstances`. */
  name: string;
  /** The type whose stored records are counted. */
  type: string;
  /** The group a record counts in (its role), null for none; undefined: the record does not count. */
  group(record: ResourceRecord): string | null | undefined;
  /** What a count says, e.g. `3 running web_server instances`. */
  describe(count: number, group: string | undefined): string;
}

export interface AccountRegion {
  name: string;
  /** False for regions that exist but are not opted in. */
  enabled: boolean;
  optInStatus: string | null;
  endpoint: string | null;
}

export interface RegionDirectory {
  /** The IAM actions it calls. */
  actions: string[];
  list(clients: AwsClients): Promise<AccountRegion[]>;
}
