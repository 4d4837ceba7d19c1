/**
 * The named queries cloudtap ships: `cloudtap query <name> [--param k=v …]` runs them on DuckDB locally and on
 * Athena with `--stack`, and the stack deploys them as Athena named queries (deployableNamedQueries). Each is
 * written once, in the SQL both engines accept (src/sql/dialect.ts; test/sql/dialect.test.ts holds every one
 * to it), over the snapshot tables of schema.ts.
 *
 * Parameters are typed and rendered into the SQL as validated literals — never spliced as text: a string is
 * quoted with its quotes doubled, an int is digits, a timestamp is `TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm'` (UTC).
 * The template names a parameter as `{{name}}`.
 */
import { InvalidInputError } from '../dto/validation';
import type { SnapshotTableName } from './schema';

export type ParamType = 'string' | 'timestamp' | 'int';

export interface NamedQueryParam {
  name: string;
  type: ParamType;
  description: string;
  /** Used when the parameter is not given; a parameter without one is required. */
  default?: string;
  /** The value a deployed (Athena) named query is saved with when there is no default: edit it in the console. */
  example?: string;
}

export interface NamedQuery {
  name: string;
  description: string;
  params: readonly NamedQueryParam[];
  /** The snapshot tables it reads. */
  tables: readonly SnapshotTableName[];
  /** The SQL, `{{param}}` where a parameter's literal goes. */
  sql: string;
}

/** The value of a timestamp parameter that means the moment the query is rendered (deployed: the moment it runs). */
export const NOW = 'now';

/** The resource type keys the queries name (typeKey of src/services/ec2/security-group.ts and instance.ts). */
export const SECURITY_GROUP_TYPE = 'EC2.SecurityGroup';

const RESOURCE_KEY_JOIN = (a: string, b: string) =>
  `${b}.account_id = ${a}.account_id AND ${b}.region = ${a}.region AND ${b}.type = ${a}.type AND ${b}.resource_id = ${a}.resource_id`;

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'open-ports',
    description: 'Security group ingress rules open to the world (0.0.0.0/0 or ::/0), by account: the port range of each.',
    params: [],
    tables: ['resource_fields', 'resources'],
    sql: `WITH ingress AS (
  SELECT account_id, region, type, resource_id, item,
    max(CASE WHEN key = 'protocol' THEN value END) AS protocol,
    max(CASE WHEN key = 'fromPort' THEN value END) AS from_port,
    max(CASE WHEN key = 'toPort' THEN value END) AS to_port,
    max(CASE WHEN key = 'source' THEN value END) AS source
  FROM resource_fields
  WHERE type = '${SECURITY_GROUP_TYPE}' AND field = 'ingress'
  GROUP BY account_id, region, type, resource_id, item
)
SELECT i.account_id, i.region, i.resource_id AS security_group, r.name, i.protocol,
  TRY_CAST(i.from_port AS INTEGER) AS from_port, TRY_CAST(i.to_port AS INTEGER) AS to_port, i.source
FROM ingress i
JOIN resources r ON ${RESOURCE_KEY_JOIN('i', 'r')}
WHERE i.source IN ('0.0.0.0/0', '::/0')
ORDER BY i.account_id, i.region, i.resource_id, i.protocol, TRY_CAST(i.from_port AS INTEGER) NULLS FIRST, TRY_CAST(i.to_port AS INTEGER) NULLS FIRST, i.source`,
  },
  {
    name: 'untagged',
    description: 'Resources without a tag key, among the types that carry tags (at least one resource of the type has a tag).',
    params: [
      { name: 'key', type: 'string', description: 'the tag key, e.g. CostCenter (case-sensitive, as AWS compares tag keys)', example: 'CostCenter' },
      { name: 'type', type: 'string', description: "only this resource type, e.g. EC2.Instance ('' for every type)", default: '' },
    ],
    tables: ['resources', 'tags'],
    sql: `SELECT r.account_id, r.region, r.type, r.resource_id, r.name
FROM resources r
WHERE ({{type}} = '' OR r.type = {{type}})
  AND r.type IN (SELECT t.type FROM tags t)
  AND NOT EXISTS (
    SELECT 1 FROM tags t
    WHERE ${RESOURCE_KEY_JOIN('r', 't')} AND t.tag_key = {{key}}
  )
ORDER BY r.account_id, r.region, r.type, r.resource_id`,
  },
  {
    name: 'instances-per-role',
    description: 'How many instances of each group (role) were active at a moment: started at or before it and not yet ended — `cloudtap report config --at` in SQL.',
    params: [{ name: 'at', type: 'timestamp', description: `the moment, ISO 8601 (UTC when no zone is given), or ${NOW}`, default: NOW }],
    tables: ['instance_lifetimes'],
    sql: `SELECT instance_group, count(*) AS active_instances
FROM instance_lifetimes
WHERE started_at <= {{at}} AND (ended_at IS NULL OR {{at}} < ended_at)
GROUP BY instance_group
ORDER BY instance_group`,
  },
  {
    name: 'changes-last-run',
    description: 'What the last exported run changed: each created, updated, deleted or restored resource, and for an update each field from and to.',
    params: [],
    tables: ['changes'],
    sql: `SELECT c.run_id, c.account_id, c.region, c.type, c.resource_id, c.name, c.change, c.changed_at, c.field, c.from_value, c.to_value
FROM changes c
ORDER BY c.account_id, c.region, c.type, c.resource_id, c.changed_at, c.field NULLS FIRST`,
  },
  {
    name: 'used-by',
    description: 'What points to a resource (a security group, key, role, subnet, volume …): every existing resource with an edge to that id.',
    params: [{ name: 'id', type: 'string', description: 'the resource id pointed to, e.g. sg-0123456789abcdef0', example: 'sg-0123456789abcdef0' }],
    tables: ['relationships', 'resources'],
    sql: `SELECT rel.account_id, rel.region, rel.type, rel.resource_id, r.name, rel.relation, rel.related_type, rel.related_id
FROM relationships rel
JOIN resources r ON ${RESOURCE_KEY_JOIN('rel', 'r')}
WHERE rel.related_id = {{id}}
ORDER BY rel.account_id, rel.region, rel.type, rel.resource_id, rel.relation`,
  },
  {
    name: 'events-over-time',
    description: 'Tap events by day of their last occurrence, severity (1 most severe … 5 OK) and group: how many, how many still open, and their occurrences.',
    params: [],
    tables: ['events'],
    sql: `SELECT CAST(last_time AS DATE) AS day, severity, event_group,
  count(*) AS events, count_if(state = 'open') AS open_events, sum(event_count) AS occurrences
FROM events
GROUP BY CAST(last_time AS DATE), severity, event_group
ORDER BY day, severity, event_group NULLS LAST`,
  },
];

export function namedQuery(name: string): NamedQuery | undefined {
  return NAMED_QUERIES.find((q) => q.name === name);
}

/** The parameters' values as `--param k=v` gives them; a value is rendered per the parameter's type. */
export type ParamValues = Readonly<Record<string, string>>;

/**
 * The query's SQL with every parameter rendered as a literal of its type. An unknown parameter, a missing
 * required one or a value not of its type is an InvalidInputError naming `--param NAME` and the form expected.
 * `now` for a timestamp is the moment of rendering.
 */
export function renderNamedQuery(query: NamedQuery, values: ParamValues, now: Date = new Date()): string {
  const known = new Set(query.params.map((p) => p.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) {
      const valid = query.params.length ? `its parameters are: ${query.params.map((p) => p.name).join(', ')}` : 'it takes no parameters';
      throw new InvalidInputError(`--param ${name}`, `${query.name} has no parameter "${name}"; ${valid}`);
    }
  }
  const literals: Record<string, string> = {};
  for (const param of query.params) {
    const value = values[param.name] ?? param.default;
    if (value === undefined) {
      throw new InvalidInputError(`--param ${param.name}`, `${query.name} needs ${param.name} (${param.description}): --param ${param.name}=${param.example ?? '…'}`);
    }
    literals[param.name] = renderParam(param, value, now);
  }
  return fill(query.sql, literals);
}

/**
 * The queries as the stack deploys them (CfnNamedQuery takes concrete SQL): each parameter at its default, or
 * at its example when it has none (noted in the description, to be edited before running); `now` is the
 * engine's current time, `CAST(current_timestamp AS TIMESTAMP)` (UTC, Athena's session zone).
 */
export function deployableNamedQueries(): { name: string; description: string; sql: string }[] {
  return NAMED_QUERIES.map((query) => {
    const literals: Record<string, string> = {};
    const edits: string[] = [];
    for (const param of query.params) {
      const value = param.default ?? param.example;
      if (value === undefined) throw new Error(`named query ${query.name}: parameter ${param.name} has neither a default nor an example`);
      if (param.default === undefined) edits.push(`${param.name} = ${value}`);
      literals[param.name] = param.type === 'timestamp' && value === NOW ? CURRENT_TIMESTAMP : renderParam(param, value, new Date(0));
    }
    const note = edits.length ? ` Saved with ${edits.join(', ')}: edit before running.` : '';
    return { name: `cloudtap-${query.name}`, description: `${query.description}${note}`.slice(0, 1024), sql: fill(query.sql, literals) };
  });
}

const CURRENT_TIMESTAMP = 'CAST(current_timestamp AS TIMESTAMP)';

function fill(sql: string, literals: Readonly<Record<string, string>>): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const literal = literals[name];
    if (literal === undefined) throw new Error(`named query SQL names {{${name}}}, which is not one of its parameters`);
    return literal;
  });
}

/** A parameter's value as an SQL literal of its type. */
export function renderParam(param: Pick<NamedQueryParam, 'name' | 'type'>, value: string, now: Date = new Date()): string {
  const bad = (expected: string) => new InvalidInputError(`--param ${param.name}`, `expected ${expected}, got "${value}"`);
  switch (param.type) {
    case 'string':
      // Control characters have no place in the values these queries compare (ids, tag keys, types).
      if ([...value].some((c) => c.charCodeAt(0) < 0x20)) throw bad('text without control characters');
      return `'${value.replace(/'/g, "''")}'`;
    case 'int':
      if (!/^-?\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) throw bad('a whole number, e.g. 22');
      return String(Number(value));
    case 'timestamp': {
      const time = value === NOW ? now : parseIsoTime(value);
      if (!time) throw bad(`an ISO 8601 time such as 2026-03-01T12:00:00Z, 2026-03-01T12:00 (UTC) or 2026-03-01, or ${NOW}`);
      return `TIMESTAMP '${time.toISOString().replace('T', ' ').replace('Z', '')}'`;
    }
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO 8601 date or date-time; without a zone it is UTC. Undefined when it is not one, or names no real moment (2026-02-30). */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone] = match;
  if (zone && match[4] === undefined) return undefined;
  const parts = [Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)] as const;
  const utc = Date.UTC(...parts, Number(`${fraction}000`.slice(0, 3)));
  const check = new Date(utc);
  const same = check.getUTCFullYear() === parts[0] && check.getUTCMonth() === parts[1] && check.getUTCDate() === parts[2]
    && check.getUTCHours() === parts[3] && check.getUTCMinutes() === parts[4] && check.getUTCSeconds() === parts[5];
  if (!same) return undefined;
  const offset = zone && zone.toUpperCase() !== 'Z' ? /^([+-])(\d{2}):?(\d{2})$/.exec(zone) : null;
  const shift = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000 : 0;
  return new Date(utc - shift);
}
