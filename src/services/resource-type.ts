import type { AwsClients } from '../aws/clients';

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
  /** The client, by the name the service's `clients` gives it (e.g. `ec2`). */
  client: string;
  /** The IAM action this call needs, e.g. `ec2:DescribeInstances`; the collect policy is derived from these. */
  action: string;
  /** The largest page size the API allows (never a smaller cap); absent where the API does not paginate. */
  maxResults?: number;
  /**
   * Builds the request for one page. `context` is the listing's (one object for all of its pages), for calls
   * bounded by it, e.g. events since `context.since`; a pager that does not pass it gets the type's default bound.
   */
  command(page: PageRequest, context?: CollectContext): SdkCommand<Output>;
  items(output: Output, context?: CollectContext): Raw[];
  nextToken?(output: Output): string | undefined;
}

export interface CollectContext {
  accountId: string;
  region: string;
  clients: AwsClients;
  /** The same account's clients in another region (e.g. a bucket's settings are read in the bucket's region). */
  clientsIn?(region: string): AwsClients;
  /** When this partition was last collected completely (ISO), for calls that fetch what happened since. */
  since?: string;
  /** AWS's names of every collected type (`AWS::EC2::Instance`), from the registry: observations about others are not kept. */
  collectedAwsTypes?: ReadonlySet<string>;
  /**
   * Reports an enrichment call that failed for some records: the listing is still stored and reconciled, the
   * fields the call would set are marked unknown on those records (`markUnknown`), and the run reports the warning.
   */
  warn?(warning: CollectWarning): void;
}

/** A call that failed without failing its listing (e.g. user data denied on purpose). */
export interface CollectWarning {
  /** The IAM action, e.g. `ec2:DescribeInstanceAttribute`. */
  call: string;
  code: string;
  message: string;
  /** How many records lack the call's fields. */
  records: number;
}

/** Marks fields an enrichment could not read: the stored record says it does not know them (not that they are empty). */
export function markUnknown(record: ResourceRecord, fields: readonly string[]): void {
  const unknown = new Set([...((record.data.unknown_fields as string[] | undefined) ?? []), ...fields]);
  for (const field of fields) record.data[field] = null;
  record.data.unknown_fields = [...unknown].sort();
}

/** A preprocessed resource, the flat record that lands in the inventory. */
export interface ResourceRecord {
  id: string;
  name?: string;
  arn: string;
  tags: Record<string, string>;
  data: Record<string, unknown>;
  /** Edges to other resources, from the type's `relations` (set by the framework, stored with the record). */
  related?: RelatedResource[];
}

export interface RelatedResource {
  /** The relation's name, e.g. `subnet`, `security_group`, `target_group`. */
  relation: string;
  /** The other resource's type key, e.g. `EC2.Subnet`. */
  type: string;
  id: string;
}

/** An edge a type declares: the ids of another type's resources a record points to. */
export interface Relation {
  name: string;
  type: string;
  ids(record: ResourceRecord): readonly (string | null | undefined)[];
}

/**
 * Extra work on a page of records, e.g. the status checks of a page of instances. Never one call per resource
 * where a batch call exists. A failed call must not fail the listing: the enrichment marks the records' fields
 * unknown (`markUnknown`) and reports a warning (`context.warn`); only a throttled call may throw.
 */
export interface Enrichment {
  /** IAM actions the enrichment calls. */
  actions: string[];
  /**
   * Per-resource calls (user data, a bucket's settings): the data fields they set are kept from the stored record,
   * and the calls are made only for records that are new, whose listing changed and `needed` says so, or whose
   * fields are older than `maxAgeHours`: an unchanged run makes no per-resource call. Absent: a call or a few per
   * listing (e.g. status checks), made every time.
   */
  perResource?: {
    /** Data fields it sets; `tags` names the record's tags. */
    fields: string[];
    /** The records it is for (default: every record); the others are left as preprocess made them, but for `keeps`. */
    applies?(record: ResourceRecord): boolean;
    /**
     * Records it no longer applies to whose fields were read while it did, and are kept from the stored record (a
     * terminated instance's role from its user data, which can no longer be read). Default: none.
     */
    keeps?(record: ResourceRecord): boolean;
    /** Whether a changed record needs the calls again, given what is stored (default: yes). */
    needed?(record: ResourceRecord, stored: ResourceRecord): boolean;
    /** Fetched again after this long even if nothing says it changed (default 24). */
    maxAgeHours?: number;
  };
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
  /**
   * The type's key where it is not `<service>.<name>`: the account-level types `Region` and `CloudServiceType`
   * keep their bare names.
   */
  key?: string;
  /** `account`: collected once per account by the account task (regions), not per region by the service's task. */
  level?: 'account';
  info: CloudServiceTypeInfo;
  /** How the type lists its resources: one declared paginated call ... */
  list?: ListCall<Raw, Output>;
  /** ... or, where one call cannot (the regions and their zones), its own pages of raw items and the actions they call. */
  source?: { actions: string[]; pages(context: CollectContext): AsyncIterable<Raw[]> };
  /**
   * The resources of given ids, for real-time refreshes: `command` narrows the list call to them (same action,
   * same page shape; AWS answers `notFoundCode` when one of them no longer exists), or `fetch` gets them its own
   * way. Ids it does not return no longer exist. `idPrefix`: how its ids look in API calls (`i-`, `sg-`).
   */
  describe?: {
    command?(ids: string[]): SdkCommand<Output>;
    fetch?(ids: string[], context: CollectContext): Promise<Raw[]>;
    idPrefix?: string;
    notFoundCode?: string;
    /** IAM actions `fetch` calls besides the type's own list call and enrichments (normalize's policy). */
    actions?: string[];
  };
  enrich?: Enrichment | Enrichment[];
  /** Edges to other types' resources, stored with each record (`cloudtap resources --related-to`). */
  relations?: Relation[];
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

export function typeKey(type: Pick<ResourceType, 'service' | 'name' | 'key'>): string {
  return type.key ?? `${type.service}.${type.name}`;
}

/** A type's enrichments, as a list. */
export function enrichmentsOf(type: Pick<ResourceType, 'enrich'>): Enrichment[] {
  return type.enrich === undefined ? [] : Array.isArray(type.enrich) ? type.enrich : [type.enrich];
}

/** Every IAM action a type's collection calls: its listing and its enrichments. */
export function typeActions(type: ResourceType): string[] {
  return [...(type.list ? [type.list.action] : type.source?.actions ?? []), ...enrichmentsOf(type).flatMap((e) => e.actions)];
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
