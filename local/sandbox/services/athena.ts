/**
 * Athena (awsJson1_1, `AmazonAthena.<Op>`) over a local snapshot root: StartQueryExecution, GetQueryExecution,
 * GetQueryResults and StopQueryExecution, answered as Athena answers them. A query runs asynchronously, as on
 * Athena (QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED), executed by DuckDB over the root's Parquet files with
 * the views `cloudtap query` uses locally — a table with no files reads as empty, as a Glue table over an empty
 * prefix does. Results come back in GetQueryResults' shape: the first row of the first page holds the column
 * labels, every value is text (`VarCharValue`, absent for NULL) as Trino prints it, ColumnInfo carries Athena's type
 * names. Statistics.DataScannedInBytes is the size of the Parquet files of the tables the query reads.
 *
 * Not in services/index.ts: it needs a snapshot root, so a test serves it with
 * `startSandbox(spec, { modules: [...SANDBOX_SERVICE_MODULES, sandboxAthena({ snapshotRoot })] })`.
 */
import { randomUUID } from 'node:crypto';
import * as Athena from '@aws-sdk/client-athena';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { awsJsonProtocol } from '../protocols/json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';

export interface SandboxAthenaOptions {
  /** The root the snapshot tables are read from (the local export's `<data-dir>/snapshots`). */
  snapshotRoot: string;
  /** @default primary */
  workGroup?: string;
  /** The Glue database the tables are in: a query run in another one fails with SCHEMA_NOT_FOUND. @default cloudtap */
  database?: string;
  /** @default s3://cloudtap-sandbox-athena-results/ */
  outputLocation?: string;
  /** How long a query stays RUNNING before it is executed (so a test can stop it). @default 0 */
  runningMs?: number;
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface AthenaColumn {
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
}

interface Execution {
  id: string;
  query: string;
  workGroup: string;
  database: string;
  state: QueryState;
  reason?: string;
  submitted: Date;
  completed?: Date;
  scannedBytes: number;
  engineMs: number;
  columns: AthenaColumn[];
  /** The label row, then the data rows; undefined for NULL. */
  rows: (string | undefined)[][];
  done: Promise<void>;
  /** Ends the wait of `runningMs` early (the query was stopped). */
  wake?: () => void;
}

/** What the sandbox's Athena has run, for tests. */
export interface SandboxAthenaQuery {
  id: string;
  query: string;
  state: QueryState;
  reason?: string;
  scannedBytes: number;
}

export type SandboxAthenaModule = SandboxServiceModule & {
  queries(): SandboxAthenaQuery[];
  /** Resolves when every query submitted so far has ended. */
  settled(): Promise<void>;
};

const PAGE_MAX = 1000;
const ERROR_CATEGORY_USER = 2;

export function sandboxAthena(options: SandboxAthenaOptions): SandboxAthenaModule {
  const workGroup = options.workGroup ?? 'primary';
  const databaseName = options.database ?? 'cloudtap';
  const outputLocation = options.outputLocation ?? 's3://cloudtap-sandbox-athena-results/';
  const executions = new Map<string, Execution>();

  const finish = (execution: Execution, state: QueryState, reason?: string) => {
    if (execution.state === 'CANCELLED') return;
    execution.state = state;
    if (reason !== undefined) execution.reason = reason;
    execution.completed = new Date();
  };

  async function run(execution: Execution): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (execution.state === 'CANCELLED') return;
    execution.state = 'RUNNING';
    if (options.runningMs) {
      // Until the time is up, or the query is stopped.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.runningMs);
        execution.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (execution.state !== 'RUNNING') return;
    if (execution.database !== databaseName) {
      return finish(execution, 'FAILED', `SCHEMA_NOT_FOUND: line 1:1: Schema '${execution.database}' does not exist`);
    }
    const started = Date.now();
    const { SnapshotDatabase } = await import('../../../src/sql/duckdb');
    let database: Awaited<ReturnType<typeof SnapshotDatabase.open>> | undefined;
    try {
      database = await SnapshotDatabase.open(options.snapshotRoot, { emptyWhenMissing: true });
      const read = new Set((await database.tablesOf(execution.query)).map((t) => t.toLowerCase()));
      const scanned = database.views.filter((v) => read.has(v.name)).reduce((sum, v) => sum + v.bytes, 0);
      const { reader } = await database.query(execution.query);
      if (execution.state !== 'RUNNING') return;
      const types = reader.columnTypes().map((t) => t.toString());
      execution.columns = reader.columnNames().map((name, i) => athenaColumn(name, types[i] ?? 'VARCHAR'));
      const render = types.map((type) => trinoText(type));
      execution.rows = [
        execution.columns.map((c) => c.Label),
        ...reader.getRowsJson().map((row) => row.map((value, i) => (value === null ? undefined : (render[i] as (v: unknown) => string)(value)))),
      ];
      execution.scannedBytes = scanned;
      execution.engineMs = Date.now() - started;
      finish(execution, 'SUCCEEDED');
    } catch (error) {
      execution.engineMs = Date.now() - started;
      finish(execution, 'FAILED', athenaReason(error instanceof Error ? error.message : String(error), databaseName));
    } finally {
      database?.close();
    }
  }

  const find = (call: SandboxCall): Execution => {
    const id = String(call.input.QueryExecutionId ?? '');
    const execution = executions.get(id);
    if (!execution) throw new SandboxApiError('InvalidRequestException', `QueryExecution ${id} was not found`);
    return execution;
  };

  function handle(call: SandboxCall): unknown {
    switch (call.operation) {
      case 'StartQueryExecution': {
        const query = String(call.input.QueryString ?? '');
        if (query.trim() === '') throw new SandboxApiError('InvalidRequestException', 'Query string cannot be empty');
        const requested = String(call.input.WorkGroup ?? 'primary');
        if (requested !== workGroup) throw new SandboxApiError('InvalidRequestException', `WorkGroup ${requested} is not found.`);
        const context = (call.input.QueryExecutionContext ?? {}) as { Database?: string };
        const execution: Execution = {
          id: randomUUID(), query, workGroup: requested, database: context.Database ?? 'default', state: 'QUEUED',
          submitted: new Date(), scannedBytes: 0, engineMs: 0, columns: [], rows: [], done: Promise.resolve(),
        };
        executions.set(execution.id, execution);
        execution.done = run(execution).catch((error: unknown) => finish(execution, 'FAILED', `GENERIC_INTERNAL_ERROR: ${(error as Error).message}`));
        return { QueryExecutionId: execution.id };
      }
      case 'GetQueryExecution': {
        const e = find(call);
        const ended = e.state === 'SUCCEEDED' || e.state === 'FAILED' || e.state === 'CANCELLED';
        return {
          QueryExecution: {
            QueryExecutionId: e.id, Query: e.query, StatementType: 'DML', WorkGroup: e.workGroup,
            QueryExecutionContext: { Database: e.database, Catalog: 'awsdatacatalog' },
            ResultConfiguration: { OutputLocation: `${outputLocation}${e.id}.csv` },
            Status: {
              State: e.state, SubmissionDateTime: e.submitted,
              ...(e.completed ? { CompletionDateTime: e.completed } : {}),
              ...(e.reason !== undefined ? { StateChangeReason: e.reason } : {}),
              ...(e.state === 'FAILED' ? { AthenaError: { ErrorCategory: ERROR_CATEGORY_USER, ErrorType: 1000, Retryable: false, ErrorMessage: e.reason } } : {}),
            },
            Statistics: {
              DataScannedInBytes: e.scannedBytes, EngineExecutionTimeInMillis: e.engineMs, QueryQueueTimeInMillis: 0,
              ...(ended ? { TotalExecutionTimeInMillis: (e.completed ?? new Date()).getTime() - e.submitted.getTime() } : {}),
            },
            EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
          },
        };
      }
      case 'GetQueryResults': {
        const e = find(call);
        if (e.state === 'QUEUED' || e.state === 'RUNNING') throw new SandboxApiError('InvalidRequestException', `Query has not yet finished. Current state: ${e.state}`);
        if (e.state !== 'SUCCEEDED') throw new SandboxApiError('InvalidRequestException', `Query did not finish successfully. Final query state: ${e.state}${e.reason ? `. ${e.reason}` : ''}`);
        const max = call.input.MaxResults as number | undefined;
        if (max !== undefined && (max < 1 || max > PAGE_MAX)) {
          throw new SandboxApiError('InvalidRequestException', `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${PAGE_MAX}`);
        }
        const scope = `athena|${e.id}`;
        const token = call.input.NextToken as string | undefined;
        const start = token === undefined ? 0 : decodeToken(scope, token, e.rows.length, 'InvalidRequestException');
        const end = Math.min(start + (max ?? PAGE_MAX), e.rows.length);
        return {
          UpdateCount: 0,
          ResultSet: {
            Rows: e.rows.slice(start, end).map((row) => ({ Data: row.map((value) => (value === undefined ? {} : { VarCharValue: value })) })),
            ResultSetMetadata: { ColumnInfo: e.columns.map((c) => ({ CatalogName: 'hive', SchemaName: '', TableName: '', ...c, Nullable: 'UNKNOWN', CaseSensitive: c.Type === 'varchar' })) },
          },
          ...(end < e.rows.length ? { NextToken: encodeToken(scope, end) } : {}),
        };
      }
      case 'StopQueryExecution': {
        const e = find(call);
        if (e.state === 'QUEUED' || e.state === 'RUNNING') {
          e.state = 'CANCELLED';
          e.reason = 'Query was cancelled by user';
          e.completed = new Date();
          e.wake?.();
        }
        return {};
      }
      default:
        throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`);
    }
  }

  return {
    name: 'Athena',
    signingName: 'athena',
    endpointVariable: 'AWS_ENDPOINT_URL_ATHENA',
    protocol: awsJsonProtocol({ schemas: Athena, version: '1.1', target: 'AmazonAthena' }),
    operations: ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'],
    throttling: { code: 'TooManyRequestsException', status: 400, message: 'Rate exceeded' },
    handle,
    queries: () => [...executions.values()].map((e) => ({ id: e.id, query: e.query, state: e.state, ...(e.reason !== undefined ? { reason: e.reason } : {}), scannedBytes: e.scannedBytes })),
    settled: async () => {
      await Promise.all([...executions.values()].map((e) => e.done));
    },
  };
}

/** A DuckDB column as Athena describes it: Trino's type name, precision and scale. */
function athenaColumn(name: string, duckType: string): AthenaColumn {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(duckType);
  const type = athenaType(duckType);
  const precision = decimal ? Number(decimal[1]) : ({ tinyint: 3, smallint: 5, integer: 10, bigint: 19, double: 17, real: 7, boolean: 0, date: 0, timestamp: 3, varchar: 2147483647 } as Record<string, number>)[type] ?? 0;
  return { Name: name, Label: name, Type: type, Precision: precision, Scale: decimal ? Number(decimal[2]) : 0 };
}

function athenaType(duckType: string): string {
  const base = duckType.toUpperCase();
  if (base.startsWith('DECIMAL')) return 'decimal';
  const types: Record<string, string> = {
    BOOLEAN: 'boolean', TINYINT: 'tinyint', SMALLINT: 'smallint', INTEGER: 'integer', BIGINT: 'bigint',
    // Trino's sum and count of integers are bigint; DuckDB's are HUGEINT.
    HUGEINT: 'bigint', UTINYINT: 'smallint', USMALLINT: 'integer', UINTEGER: 'bigint', UBIGINT: 'decimal',
    FLOAT: 'real', DOUBLE: 'double', DATE: 'date', TIMESTAMP: 'timestamp', TIMESTAMP_MS: 'timestamp', TIMESTAMP_S: 'timestamp', TIMESTAMP_NS: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone', VARCHAR: 'varchar',
  };
  if (types[base]) return types[base];
  if (base.endsWith('[]')) return 'array';
  if (base.startsWith('STRUCT')) return 'row';
  if (base.startsWith('MAP')) return 'map';
  return 'varchar';
}

/** How Trino prints a value of the DuckDB type (DuckDB's JSON value in): Java's doubles, milliseconds in timestamps. */
function trinoText(duckType: string): (value: unknown) => string {
  const type = athenaType(duckType);
  if (type === 'double' || type === 'real') return (v) => javaDouble(Number(v));
  if (type === 'timestamp') return (v) => millis(String(v));
  if (type === 'timestamp with time zone') return (v) => `${millis(String(v).replace(/[+-]\d{2}(:\d{2})?$/, ''))} UTC`;
  if (type === 'boolean') return (v) => (v ? 'true' : 'false');
  return (v) => (typeof v === 'string' ? v : JSON.stringify(v));
}

/** `2026-03-01 12:00:00` or `… 12:00:00.123456` → `2026-03-01 12:00:00.123`, Athena's timestamp(3). */
function millis(text: string): string {
  const match = /^(\S+ \d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text.trim());
  return match ? `${match[1]}.${`${match[2] ?? ''}000`.slice(0, 3)}` : text;
}

/** Java's Double.toString: `2.0`, `0.5`, `1.0E7`, `NaN`, `Infinity`. */
function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** DuckDB's message as Athena words a failed query: its error code first. */
function athenaReason(message: string, database: string): string {
  const first = message.replace(/^DuckDB: /, '').split('\n')[0] ?? message;
  const table = /Table with name (\S+) does not exist/i.exec(message)?.[1];
  if (table) return `TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.${database}.${table.toLowerCase()}' does not exist`;
  const column = /Referenced column "?([^"\s]+)"? not found/i.exec(message)?.[1];
  if (column) return `COLUMN_NOT_FOUND: line 1:1: Column '${column}' cannot be resolved`;
  const fn = /(?:Scalar|Aggregate|Table) Function with name (\S+) does not exist/i.exec(message)?.[1];
  if (fn) return `FUNCTION_NOT_FOUND: line 1:1: Function '${fn}' not registered`;
  if (/^Parser Error/i.test(first)) return `SYNTAX_ERROR: line 1:1: ${first.replace(/^Parser Error: /i, '')}`;
  return `GENERIC_USER_ERROR: ${first}`;
}
