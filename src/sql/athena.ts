/**
 * The snapshot tables in AWS: a query on Athena, in the stack's workgroup (which holds the result location and the
 * bytes-scanned limit) against its Glue database. StartQueryExecution, GetQueryExecution polled with backoff until
 * the query ends, GetQueryResults page by page; the answer converted by Athena's column types to the same
 * QueryResult DuckDB gives locally. Stopping (Ctrl-C) sends StopQueryExecution: Athena bills what was scanned.
 */
import {
  GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand,
  type AthenaClient, type ColumnInfo, type QueryExecution, type Row,
} from '@aws-sdk/client-athena';
import { decimalValue, floatValue, integerValue, timestampValue, type QueryResult, type SqlValue } from './query-result';

/**
 * Athena's SQL query price: us-east-1 list price as recorded on 2026-12-01 from aws.amazon.com/athena/pricing
 * ("$5.00 per TB of data scanned", billed per query rounded up to the megabyte, 10 MB minimum). Check the date
 * before trusting a figure built on it.
 */
export const ATHENA_PRICE = {
  source: 'aws.amazon.com/athena/pricing, us-east-1 list price as recorded on 2026-12-01',
  recordedOn: '2026-12-01',
  perTerabyte: 5,
  terabyte: 2 ** 40,
  roundUpTo: 2 ** 20,
  minimumBytes: 10 * 2 ** 20,
} as const;

/** What a query scanning `bytes` costs: the bytes billed (rounded up to the MB, at least 10 MB) and the dollars. */
export function athenaQueryCost(bytes: number): { billedBytes: number; dollars: number } {
  const rounded = Math.ceil(Math.max(0, bytes) / ATHENA_PRICE.roundUpTo) * ATHENA_PRICE.roundUpTo;
  const billedBytes = Math.max(rounded, ATHENA_PRICE.minimumBytes);
  return { billedBytes, dollars: (billedBytes / ATHENA_PRICE.terabyte) * ATHENA_PRICE.perTerabyte };
}

export interface AthenaTarget {
  workGroup: string;
  database: string;
  /** @default AwsDataCatalog */
  catalog?: string;
}

export interface AthenaStatistics {
  queryExecutionId: string;
  dataScannedBytes: number;
  engineMs?: number;
  totalMs?: number;
  outputLocation?: string;
}

export interface AthenaQueryOptions {
  /** Aborting stops the query on Athena (StopQueryExecution) and rejects with QueryStopped. */
  signal?: AbortSignal;
  /** The wait between GetQueryExecution calls: starts at `initialMs`, doubles, at most `maxMs`. */
  poll?: { initialMs: number; maxMs: number };
  /** Called with the id once Athena accepted the query. */
  onStarted?(queryExecutionId: string): void;
}

/** The query ended FAILED: Athena's reason, as it gave it. */
export class AthenaQueryFailed extends Error {
  override readonly name = 'AthenaQueryFailed';
  constructor(readonly queryExecutionId: string, readonly reason: string, readonly statistics: AthenaStatistics) {
    super(reason);
  }
}

/** The query was stopped: by us (Ctrl-C), or by someone else (state CANCELLED). */
export class QueryStopped extends Error {
  override readonly name = 'QueryStopped';
  constructor(readonly queryExecutionId: string, message: string) {
    super(message);
  }
}

const DEFAULT_POLL = { initialMs: 200, maxMs: 2000 };
/** GetQueryResults' page size maximum. */
const PAGE_SIZE = 1000;

/** Runs `sql` on Athena and reads every page of its answer. */
export async function runAthenaQuery(client: AthenaClient, sql: string, target: AthenaTarget, options: AthenaQueryOptions = {}): Promise<{ result: QueryResult; statistics: AthenaStatistics }> {
  const { signal } = options;
  const poll = options.poll ?? DEFAULT_POLL;
  signal?.throwIfAborted();
  const started = await client.send(new StartQueryExecutionCommand({
    QueryString: sql,
    WorkGroup: target.workGroup,
    QueryExecutionContext: { Database: target.database, Catalog: target.catalog ?? 'AwsDataCatalog' },
  }), { abortSignal: signal });
  const id = started.QueryExecutionId;
  if (!id) throw new Error('Athena StartQueryExecution answered without a QueryExecutionId');
  options.onStarted?.(id);
  try {
    let delay = poll.initialMs;
    let execution: QueryExecution | undefined;
    for (;;) {
      execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal: signal })).QueryExecution;
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') break;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, poll.maxMs);
    }
    const statistics = statisticsOf(id, execution);
    const status = execution?.Status;
    if (status?.State === 'FAILED') {
      throw new AthenaQueryFailed(id, status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? 'Athena gave no reason', statistics);
    }
    if (status?.State === 'CANCELLED') throw new QueryStopped(id, `Athena query ${id} was cancelled${status.StateChangeReason ? `: ${status.StateChangeReason}` : ''}`);
    const pages: Row[][] = [];
    let columns: ColumnInfo[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_SIZE, NextToken: token }), { abortSignal: signal });
      if (pages.length === 0) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      pages.push(page.ResultSet?.Rows ?? []);
      token = page.NextToken;
    } while (token);
    return { result: athenaResult(columns, pages, execution?.StatementType), statistics };
  } catch (error) {
    if (signal?.aborted) {
      // Stopped by the caller: stop the query too, or it runs (and bills) on.
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      throw new QueryStopped(id, `stopped Athena query ${id} (StopQueryExecution); what it scanned so far is billed`);
    }
    throw error;
  }
}

function statisticsOf(id: string, execution: QueryExecution | undefined): AthenaStatistics {
  const s = execution?.Statistics;
  return {
    queryExecutionId: id,
    dataScannedBytes: s?.DataScannedInBytes ?? 0,
    ...(s?.EngineExecutionTimeInMillis !== undefined ? { engineMs: s.EngineExecutionTimeInMillis } : {}),
    ...(s?.TotalExecutionTimeInMillis !== undefined ? { totalMs: s.TotalExecutionTimeInMillis } : {}),
    ...(execution?.ResultConfiguration?.OutputLocation ? { outputLocation: execution.ResultConfiguration.OutputLocation } : {}),
  };
}

/**
 * GetQueryResults' pages as a QueryResult. For a SELECT (statement type DML) the first row of the first page is
 * the column labels, not data; every value is text (VarCharValue, absent for NULL), converted by ColumnInfo.Type.
 */
export function athenaResult(columns: readonly ColumnInfo[], pages: readonly (readonly Row[])[], statementType?: string): QueryResult {
  const names = columns.map((c) => c.Label ?? c.Name ?? '');
  const convert = columns.map((c) => athenaConverter(c.Type ?? 'varchar'));
  const rows: SqlValue[][] = [];
  pages.forEach((page, pageIndex) => {
    page.forEach((row, rowIndex) => {
      const data = row.Data ?? [];
      const header = pageIndex === 0 && rowIndex === 0 && (statementType === undefined || statementType === 'DML')
        && data.length === names.length && data.every((d, i) => d.VarCharValue === names[i]);
      if (header) return;
      rows.push(names.map((_, i) => {
        const text = data[i]?.VarCharValue;
        return text === undefined ? null : (convert[i] as (text: string) => SqlValue)(text);
      }));
    });
  });
  return { columns: columns.map((c, i) => ({ name: names[i] ?? '', type: c.Type ?? 'varchar' })), rows };
}

function athenaConverter(type: string): (text: string) => SqlValue {
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  if (base === 'boolean') return (t) => t === 'true';
  if (base === 'tinyint' || base === 'smallint' || base === 'integer' || base === 'int' || base === 'bigint') return (t) => integerValue(t);
  if (base === 'double' || base === 'real' || base === 'float') return (t) => floatValue(t);
  if (base === 'decimal') return (t) => decimalValue(t);
  if (base.startsWith('timestamp')) return (t) => timestampValue(t);
  return (t) => t;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
