import { join } from 'node:path';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';
import { table } from '../format';
import { InvalidInputError } from '../../src/dto/validation';
import { NAMED_QUERIES, namedQuery, renderNamedQuery, type NamedQuery } from '../../src/sql/named-queries';
import { formatCsv, rowObjects, type QueryResult, type SqlValue } from '../../src/sql/query-result';
import { HISTORY_PARTITION, HISTORY_SUFFIX, SNAPSHOT_ENV, SNAPSHOT_STACK_OUTPUTS, SNAPSHOT_TABLES, SQL_TYPES } from '../../src/sql/schema';
import { DEFAULT_DATA_DIR, SNAPSHOTS_DIR, STACK_VARIABLE } from '../paths';

export { SNAPSHOT_STACK_OUTPUTS };

/** The directory under the data directory a local run exports the snapshot tables to. */
export const LOCAL_SNAPSHOT_DIR = SNAPSHOTS_DIR;
/** Names another directory a local run exports to (and `cloudtap query` reads, when no --data-dir is given). */
export const SNAPSHOT_DIR_VARIABLE = SNAPSHOT_ENV.directory;

/** What `--stack` queries need from Athena, Glue and S3, for an AccessDenied message that says what to grant. */
export const ATHENA_QUERY_ACTIONS = [
  'cloudformation:DescribeStacks', 'athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution',
  'glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions', 's3:GetObject and s3:ListBucket on the snapshot bucket', "s3:PutObject on the workgroup's result location",
];

export const QUERY_HELP = `Usage: cloudtap query "SQL" [--json|--csv] [--data-dir DIR | --stack NAME [--region R] [--profile P]]
       cloudtap query <name> [--param k=v …] [--json|--csv] [--show-sql] [--data-dir DIR | --stack NAME …]
       cloudtap query --list [--json]
       cloudtap query --tables [--json]

SQL over the snapshot every run exports: the inventory, its flattened fields, tags, relationships, the last run's
changes, the Tap events and the instances' lifetimes (--tables lists them with their columns). Each table is also
there over every exported run as <table>${HISTORY_SUFFIX}, with the day of the run as ${HISTORY_PARTITION.name} (YYYY-MM-DD).

Locally the tables are Parquet files under <data-dir>/${LOCAL_SNAPSHOT_DIR}/, read by an in-memory DuckDB: nothing is
written. With --stack (or $${STACK_VARIABLE}) the query runs on Athena, in the stack's workgroup and Glue database;
the data scanned and what the query costs are printed to standard error. Ctrl-C stops the Athena query.

Named queries (--list) are written in the SQL both engines run the same; SQL of your own is DuckDB's locally and
Athena's (Trino's) with --stack. The common subset: standard SQL (joins, CTEs, CASE, EXISTS, CAST, TRY_CAST,
COALESCE, date_trunc, count/sum/min/max); not DuckDB's x::type, ->>, strftime, list_*, GROUP BY ALL, nor
Trino's date_format, json_extract_scalar (README, section SQL, lists the differences).

  --json            an array of row objects (integers as numbers while exact, else strings; times ISO 8601 UTC)
  --csv             RFC 4180, with a header line
  --param k=v       a named query's parameter (repeat for each); --list shows each query's parameters
  --show-sql        print the named query's SQL with its parameters filled in, and run nothing
  --list            the named queries: name, parameters, what it answers
  --tables          the snapshot tables and their columns
  --data-dir DIR    the local data directory (default ${DEFAULT_DATA_DIR}/); its snapshots are under DIR/${LOCAL_SNAPSHOT_DIR}/
                    (without --data-dir: $${SNAPSHOT_DIR_VARIABLE} when set, as \`cloudtap run\` exports there)
  --stack NAME      a deployed stack: its outputs ${Object.values(SNAPSHOT_STACK_OUTPUTS).join(', ')} name
                    where to query; credentials and endpoints from the AWS SDK's usual chain
  --region R        the stack's region (default: AWS_REGION, or the profile's)
  --profile P       the AWS profile to use (default: AWS_PROFILE)`;

const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  param: { type: 'string', multiple: true },
  'show-sql': { type: 'boolean' },
  list: { type: 'boolean' },
  tables: { type: 'boolean' },
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** Exit code of a query stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

type OutputFormat = 'table' | 'json' | 'csv';

export async function queryCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseCommandArgs('query', argv, OPTIONS, true);
  if (values.help) {
    console.log(QUERY_HELP);
    return 0;
  }
  if (values.json && values.csv) throw new UsageError('--json and --csv: give one output format (a table without either)');
  const format: OutputFormat = values.json ? 'json' : values.csv ? 'csv' : 'table';
  if (values.list || values.tables) {
    if (positionals.length > 0 || values.param) throw new UsageError(`--${values.list ? 'list' : 'tables'} takes no SQL, query name or --param`);
    if (values.csv) throw new UsageError(`--${values.list ? 'list' : 'tables'} prints a table, or JSON with --json`);
    console.log(values.list ? listNamedQueries(format) : listTables(format));
    return 0;
  }

  const [text, ...extra] = positionals;
  if (text === undefined || text.trim() === '' || extra.length > 0) {
    throw new UsageError(`give one SQL statement in quotes, or the name of a named query (cloudtap query --list)${extra.length ? `; got ${positionals.length} arguments: quote the SQL` : ''}`);
  }
  const named = namedQuery(text);
  if (!named && /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(text)) {
    throw new UsageError(`no named query "${text}"; the named queries are: ${NAMED_QUERIES.map((q) => q.name).join(', ')} (cloudtap query --list); SQL goes in quotes`);
  }
  if (!named && values.param) throw new UsageError('--param belongs to a named query (cloudtap query --list); SQL of your own carries its values itself');
  if (!named && values['show-sql']) throw new UsageError('--show-sql prints a named query\'s SQL; give the name of one (cloudtap query --list)');
  const sql = named ? renderNamed(named, values.param ?? []) : text;
  if (values['show-sql']) {
    console.log(sql);
    return 0;
  }

  if (values.profile !== undefined) env.AWS_PROFILE = values.profile;
  const stack = values.stack ?? (values['data-dir'] === undefined ? env[STACK_VARIABLE] || undefined : undefined);
  if (values.stack !== undefined && values['data-dir'] !== undefined) {
    throw new UsageError(`--stack and --data-dir both say where to query: give one (--stack queries the snapshots of "${values.stack}" on Athena)`);
  }
  if (stack === undefined && values.region !== undefined) throw new UsageError("--region is a deployed stack's region: give --stack NAME too (locally there is no region)");

  if (stack !== undefined) return queryStack(stack, values.region, sql, format);
  const root = values['data-dir'] !== undefined ? join(values['data-dir'], LOCAL_SNAPSHOT_DIR)
    : env[SNAPSHOT_DIR_VARIABLE]?.trim() || join(DEFAULT_DATA_DIR, LOCAL_SNAPSHOT_DIR);
  const { SnapshotDatabase, SqlError } = await import('../../src/sql/duckdb');
  let database: import('../../src/sql/duckdb').SnapshotDatabase | undefined;
  try {
    database = await SnapshotDatabase.open(root);
    const { result } = await database.query(sql);
    print(result, format);
    return 0;
  } catch (error) {
    if (error instanceof SqlError) throw new UsageError(error.message);
    throw error;
  } finally {
    database?.close();
  }
}

function renderNamed(query: NamedQuery, params: string[]): string {
  const values: Record<string, string> = {};
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param "${param}": give NAME=VALUE, e.g. --param ${query.params[0]?.name ?? 'key'}=${query.params[0]?.example ?? 'value'}`);
    const name = param.slice(0, eq);
    if (name in values) throw new UsageError(`--param ${name} is given twice`);
    values[name] = param.slice(eq + 1);
  }
  try {
    return renderNamedQuery(query, values);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message);
    throw error;
  }
}

function print(result: QueryResult, format: OutputFormat): void {
  if (format === 'json') console.log(JSON.stringify(rowObjects(result), null, 2));
  else if (format === 'csv') process.stdout.write(formatCsv(result));
  else {
    console.log(table(result.columns.map((c) => c.name), result.rows.map((row) => row.map(cellText))));
    console.log(`\n${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`);
  }
}

/** A value in the text table: NULL as NULL, line breaks and tabs escaped so a row stays one line. */
function cellText(value: SqlValue): string {
  if (value === null) return 'NULL';
  return String(value).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

function listNamedQueries(format: OutputFormat): string {
  if (format === 'json') {
    return JSON.stringify(NAMED_QUERIES.map((q) => ({ name: q.name, description: q.description, params: q.params, tables: q.tables, sql: q.sql })), null, 2);
  }
  const params = (q: NamedQuery) => q.params.map((p) => `${p.name} (${p.type}${p.default === undefined ? ', required' : `, default ${p.default === '' ? "''" : p.default}`})`).join(', ');
  return [
    table(['name', 'params', 'description'], NAMED_QUERIES.map((q) => [q.name, params(q), q.description])),
    '',
    'Run one with: cloudtap query <name> [--param k=v …]; see its SQL with --show-sql.',
  ].join('\n');
}

function listTables(format: OutputFormat): string {
  const tables = SNAPSHOT_TABLES.map((t) => ({
    name: t.name, history: `${t.name}${HISTORY_SUFFIX}`, doc: t.doc,
    columns: t.columns.map((c) => ({ name: c.name, type: SQL_TYPES[c.type].duckdb.toLowerCase(), doc: c.doc })),
  }));
  if (format === 'json') return JSON.stringify(tables, null, 2);
  return tables.map((t) => [
    `${t.name} (and ${t.history}, plus ${HISTORY_PARTITION.name}): ${t.doc}`,
    table(['column', 'type', 'meaning'], t.columns.map((c) => [c.name, c.type, c.doc])).split('\n').map((line) => `  ${line}`).join('\n'),
  ].join('\n')).join('\n\n');
}

/** A query on the stack's Athena workgroup: its outputs name the workgroup and database. */
async function queryStack(stackName: string, region: string | undefined, sql: string, format: OutputFormat): Promise<number> {
  const [{ AthenaClient }, { CloudFormationClient }, stackModule, athena] = await Promise.all([
    import('@aws-sdk/client-athena'), import('@aws-sdk/client-cloudformation'), import('../remote/stack'), import('../../src/sql/athena'),
  ]);
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  let target: { workGroup: string; database: string };
  let stackRegion: string;
  try {
    stackRegion = await cloudformation.config.region();
    const outputs = await stackModule.stackOutputs(cloudformation, stackName, {
      notFound: (where, message) => `stack "${stackName}" not found in ${where ?? 'the configured region'} (DescribeStacks: ${message}); `
        + 'deploy it with `npx cdk deploy`, or pass --region R (and --profile P) where it is deployed',
      explain: (error) => explainAthenaError(error, `looking up stack "${stackName}"`),
    });
    const output = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
    const workGroup = output(SNAPSHOT_STACK_OUTPUTS.workGroup);
    const database = output(SNAPSHOT_STACK_OUTPUTS.database);
    if (!workGroup || !database) {
      const missing = [SNAPSHOT_STACK_OUTPUTS.workGroup, SNAPSHOT_STACK_OUTPUTS.database].filter((key) => !output(key));
      const has = outputs.map((o) => o.OutputKey).filter(Boolean);
      throw new UsageError(`stack "${stackName}" has no ${missing.join(', ')} output (${has.length ? `its outputs: ${has.join(', ')}` : 'it has no outputs'}); `
        + 'it was deployed by a cloudtap without SQL: deploy the current version with `npx cdk deploy`');
    }
    target = { workGroup, database };
  } catch (error) {
    throw explainAthenaError(error, `finding stack "${stackName}"`);
  } finally {
    cloudformation.destroy();
  }

  const client = new AthenaClient({ region: stackRegion });
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  const where = `workgroup ${target.workGroup}, database ${target.database} of stack "${stackName}" in ${stackRegion}`;
  try {
    const { result, statistics } = await athena.runAthenaQuery(client, sql, target, { signal: controller.signal });
    print(result, format);
    process.stderr.write(`${scanLine(athena, statistics)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof athena.QueryStopped) {
      process.stderr.write(`cloudtap: ${error.message}\n`);
      return controller.signal.aborted ? INTERRUPTED : 1;
    }
    if (error instanceof athena.AthenaQueryFailed) {
      throw new UsageError(`Athena query ${error.queryExecutionId} failed (${where}): ${error.reason}\n${athenaAdvice(error.reason, stackName)}`);
    }
    throw explainAthenaError(error, `querying ${where}`);
  } finally {
    process.off('SIGINT', interrupt);
    client.destroy();
  }
}

function scanLine(athena: typeof import('../../src/sql/athena'), statistics: import('../../src/sql/athena').AthenaStatistics): string {
  const { billedBytes, dollars } = athena.athenaQueryCost(statistics.dataScannedBytes);
  const price = athena.ATHENA_PRICE;
  const time = statistics.totalMs !== undefined ? `, ${(statistics.totalMs / 1000).toFixed(1)} s` : '';
  return `Athena query ${statistics.queryExecutionId}: scanned ${formatBytes(statistics.dataScannedBytes)} (billed ${formatBytes(billedBytes)}), `
    + `$${dollars.toFixed(6)} at $${price.perTerabyte}/TB, 10 MB minimum (list price of ${price.recordedOn})${time}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function athenaAdvice(reason: string, stackName: string): string {
  const tables = SNAPSHOT_TABLES.map((t) => t.name).join(', ');
  if (/TABLE_NOT_FOUND|does not exist|not found/i.test(reason)) {
    return `the tables are: ${tables} (and each as <table>${HISTORY_SUFFIX}); their columns: cloudtap query --tables. `
      + `A table with no snapshot yet: run the stack (cloudtap run --remote --stack ${stackName}); the export runs after each run`;
  }
  if (/SYNTAX_ERROR|mismatched input|COLUMN_NOT_FOUND|cannot be resolved|FUNCTION_NOT_FOUND/i.test(reason)) {
    return "with --stack the SQL is Athena's (Trino's); the named queries (cloudtap query --list) run on both engines, and the README's SQL section lists where DuckDB's differs";
  }
  if (/bytes scanned|data scanned|limit/i.test(reason)) return 'the workgroup caps the data a query may scan: query the latest tables, or the _history tables for a few dt partitions';
  return 'fix the SQL, or see the query in the Athena console by its id';
}

/** An SDK error from Athena or CloudFormation as something the user can act on. */
function explainAthenaError(error: unknown, doing: string): unknown {
  if (error instanceof UsageError) return error;
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new UsageError(`${doing}: no AWS credentials found (${message}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  if (/Region is missing/i.test(message)) return new UsageError(`${doing}: no AWS region; pass --region R, or set AWS_REGION (or use a profile with a region)`);
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    return new UsageError(`${doing}: ${message}\nquerying a deployed stack needs ${ATHENA_QUERY_ACTIONS.join(', ')}`);
  }
  if (e.name === 'InvalidRequestException' || e.name === 'ResourceNotFoundException') {
    return new UsageError(`${doing}: Athena: ${message}\nis the stack deployed completely? \`npx cdk deploy\` creates the workgroup and the Glue database`);
  }
  if (e.name === 'ExpiredTokenException' || e.name === 'UnrecognizedClientException' || e.name === 'InvalidClientTokenId') {
    return new UsageError(`${doing}: the AWS credentials were refused (${e.name}: ${message}); refresh them (e.g. aws sso login) and run again`);
  }
  return error;
}
