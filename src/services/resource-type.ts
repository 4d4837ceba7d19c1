import type { AwsClients, ClientName } from '../aws/clients';

/** A page request the framework makes: the type says how to build the SDK command, the framework pages it. */
export interface PageRequest {
  token?: string;
  maxResults?: number;
}

/** Any AWS SDK v3 command whose output is `Output`. */
export interface SdkCommand<Output> {
  readonly input: object;
  // Only the output type matters to the framework; the command travels unchanged to client.send.
  readonly __output?: Output;
}

/** How a type lists its resources: one paginated call, declared as data. */
export interface ListCall<Raw, Output> {
  client: ClientName;
  /** The IAM action this call needs, e.g. `ec2:DescribeInstances`; the collect policy is derived from these. */
  action: string;
  /** The largest page size the API allows (never a smaller cap); absent where the API does not paginate. */
  maxResults?: number;
  /**
   * Builds the request for one page. `context` is the listing's (one object for all of its pages), for calls
   * bounded by it, e.g. events since `context.since`; a pager that does not pass it gets the type's default bound.
   */
  command(page: PageRequest, context?: CollectContext): SdkCommand<Output>;
  items(output: Output): Raw[];
  nextToken?(output: Output): string | undefined;
}

export interface CollectContext {
  accountId: string;
  region: string;
  clients: AwsClients;
  /** When this partition was last collected completely (ISO), for calls that fetch what happened since. */
  since?: string;
}

/** A preprocessed resource, the flat record that lands in the inventory. */
export interface ResourceRecord {
  id: string;
  name?: string;
  arn: string;
  tags: Record<string, string>;
  data: Record<string, unknown>;
}

/** Extra work on a page of records, e.g. user data for instances without a Role tag. Never one call per resource where a batch call exists. */
export interface Enrichment {
  /** IAM actions the enrichment calls. */
  actions: string[];
  apply(records: ResourceRecord[], context: CollectContext): Promise<void>;
}

export interface CloudServiceTypeInfo {
  /** Display group (SpaceONE's cloud_service_group), e.g. `EC2`. */
  group: string;
  displayName: string;
  labels: string[];
  /** Fields that identify a resource at a glance, in order. */
  primaryFields: string[];
  /** Fields a table of this type shows. */
  displayFields: string[];
}

/** A resource type is data plus a small preprocess (see shared/STYLE.md). */
export interface ResourceType<Raw = unknown, Output = unknown> {
  service: string;
  /** Type name within the service, e.g. `Instance` → `EC2.Instance`. */
  name: string;
  info: CloudServiceTypeInfo;
  list: ListCall<Raw, Output>;
  /**
   * The same call narrowed to given ids, for real-time refreshes of single resources (same action, same
   * page shape). AWS answers `notFoundCode` when one of the ids no longer exists.
   */
  describe?: { command(ids: string[]): SdkCommand<Output>; idPrefix: string; notFoundCode: string };
  enrich?: Enrichment;
  /** Preprocessing: raw SDK shape → flat record. */
  preprocess(raw: Raw, context: CollectContext): ResourceRecord;
  /** Data fields that change without the resource changing; excluded from the change hash. */
  volatileFields: string[];
  /**
   * AWS's name for the type in CloudTrail events (`Resources[].ResourceType`, e.g. `AWS::EC2::Instance`), so events
   * can be matched to the types that are collected.
   */
  cloudTrailResourceType?: string;
  /**
   * Records are observations that stay once seen (e.g. CloudTrail events): a listing that no longer returns
   * them does not mean they are gone, so they are never reconciled as deleted.
   */
  appendOnly?: boolean;
}

export function typeKey(type: Pick<ResourceType, 'service' | 'name'>): string {
  return `${type.service}.${type.name}`;
}

/** AWS tag lists → a plain map. */
export function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) map[tag.Key] = tag.Value ?? '';
  return map;
}

/** Defines a type with its raw and output shapes checked, then erases them for the registry. */
export function defineResourceType<Raw, Output>(type: ResourceType<Raw, Output>): ResourceType {
  return type as unknown as ResourceType;
}
