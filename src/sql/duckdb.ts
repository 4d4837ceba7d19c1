/**
 * The snapshot tables on a laptop: an in-memory DuckDB with one view per table of schema.ts over the Parquet files
 * of a snapshot root (`<data-dir>/snapshots`): `<table>` over `latest/<table>/data.parquet`, `<table>_history` over
 * `history/<table>/dt=…/*.parquet` with `dt` from the path. A view exists only for a table whose files exist, and
 * casts every column to the schema's type, so a query sees the same columns and types as Athena's Glue tables.
 *
 * Reading creates nothing: the database is in memory, spilling to disk is off, and extensions are neither
 * downloaded nor installed; only SELECT (and EXPLAIN) statements run.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from '@duckdb/node-api';
import { HISTORY_PARTITION, HISTORY_SUFFIX, SNAPSHOT_TABLES, SQL_TYPES, snapshotPaths, type SnapshotTable } from './schema';
import { decimalValue, floatValue, integerValue, timestampValue, type QueryResult, type SqlValue } from './query-result';

/** A query the engine refused, or a table without a snapshot: the message says what to do. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
}

/** The files one view reads. */
export interface SnapshotView {
  /** `resources`, `resources_history`. */
  name: string;
  table: SnapshotTable;
  history: boolean;
  files: string[];
  bytes: number;
}

/** Every view the root has files for (a table without files has no view), in schema order, latest before history. */
export async function snapshotViews(root: string): Promise<SnapshotView[]> {
  const views: SnapshotView[] = [];
  for (const table of SNAPSHOT_TABLES as readonly SnapshotTable[]) {
    const latest = join(root, snapshotPaths.latest(table.name));
    const size = await fileSize(latest);
    if (size !== undefined) views.push({ name: table.name, table, history: false, files: [latest], bytes: size });
    const files: string[] = [];
    let bytes = 0;
    const historyDir = join(root, snapshotPaths.historyDir(table.name));
    for (const day of (await entries(historyDir)).filter((d) => d.startsWith(`${HISTORY_PARTITION.name}=`)).sort()) {
      for (const file of (await entries(join(historyDir, day))).filter((f) => f.endsWith('.parquet')).sort()) {
        const path = join(historyDir, day, file);
        const fileBytes = await fileSize(path);
        if (fileBytes === undefined) continue;
        files.push(path);
        bytes += fileBytes;
      }
    }
    if (files.length > 0) views.push({ name: `${table.name}${HISTORY_SUFFIX}`, table, history: true, files, bytes });
  }
  return views;
}

/** Every view name the schema defines, whether the root has its files or not. */
export function schemaViewNames(): string[] {
  return SNAPSHOT_TABLES.flatMap((t) => [t.name, `${t.name}${HISTORY_SUFFIX}`]);
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The view's SQL: the schema's columns, each cast to its type (and `dt` for history), over its files. */
export function viewSql(root: string, view: SnapshotView): string {
  const columns = view.table.columns.map((c) => `CAST(${c.name} AS ${SQL_TYPES[c.type].duckdb}) AS ${c.name}`);
  const source = view.history
    ? `read_parquet(${quote(join(resolve(root), snapshotPaths.historyDir(view.table.name), '*', '*.parquet'))}, hive_partitioning = true, hive_types = {'${HISTORY_PARTITION.name}': VARCHAR}, union_by_name = true)`
    : `read_parquet(${quote(resolve(root, snapshotPaths.latest(view.table.name)))})`;
  if (view.history) columns.push(`CAST(${HISTORY_PARTITION.name} AS VARCHAR) AS ${HISTORY_PARTITION.name}`);
  return `CREATE VIEW ${view.name} AS SELECT ${columns.join(', ')} FROM ${source}`;
}

/** No temp files (an in-memory database spills to ./.tmp otherwise), no extension downloads into ~/.duckdb. */
const DUCKDB_OPTIONS = { temp_directory: '', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/** A view with the table's columns and no rows. */
function emptyViewSql(view: SnapshotView): string {
  const columns = view.table.columns.map((c) => `CAST(NULL AS ${SQL_TYPES[c.type].duckdb}) AS ${c.name}`);
  if (view.history) columns.push(`CAST(NULL AS VARCHAR) AS ${HISTORY_PARTITION.name}`);
  return `CREATE VIEW ${view.name} AS SELECT ${columns.join(', ')} WHERE false`;
}

/** Statement types a query may be: reading only. */
const READING_STATEMENTS = new Set([1 /* SELECT */, 4 /* EXPLAIN */]);

/** An open DuckDB over a snapshot root. Close it when done. */
export class SnapshotDatabase {
  private parser?: { instance: DuckDBInstance; connection: DuckDBConnection };

  private constructor(
    readonly root: string,
    readonly views: readonly SnapshotView[],
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Every schema table has a view, an empty one where files are missing. */
    private readonly complete: boolean,
  ) {}

  /**
   * `emptyWhenMissing`: a table without files is an empty view, as a Glue table over an empty prefix reads on Athena
   * (the sandbox's Athena); by default it has no view, and a query naming it is told to run `cloudtap run` first.
   */
  static async open(root: string, options: { emptyWhenMissing?: boolean } = {}): Promise<SnapshotDatabase> {
    const views = await snapshotViews(root);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', DUCKDB_OPTIONS);
    const connection = await instance.connect();
    const database = new SnapshotDatabase(root, views, instance, connection, options.emptyWhenMissing === true);
    try {
      // The snapshot's times are UTC; current_timestamp cast to TIMESTAMP is then UTC too, as in Athena.
      await connection.run("SET TimeZone = 'UTC'");
      for (const view of views) {
        try {
          await connection.run(viewSql(root, view));
        } catch (error) {
          throw new SqlError(`the snapshot of ${view.name} under ${root} cannot be read (${view.files[0] ?? ''}${view.files.length > 1 ? ', …' : ''}): ${engineMessage(error)}\n`
            + 'it was written by another version of cloudtap, or cut short: run `cloudtap run` to export a new one');
        }
      }
      if (options.emptyWhenMissing) {
        const present = new Set(views.map((v) => v.name));
        for (const table of SNAPSHOT_TABLES as readonly SnapshotTable[]) {
          for (const history of [false, true]) {
            const name = `${table.name}${history ? HISTORY_SUFFIX : ''}`;
            if (!present.has(name)) await connection.run(emptyViewSql({ name, table, history, files: [], bytes: 0 }));
          }
        }
      }
    } catch (error) {
      database.close();
      throw error;
    }
    return database;
  }

  /**
   * The tables a query names, as DuckDB's parser reads it (CTE names excluded); empty when the SQL does not parse.
   * Asked of a database of its own: DuckDB leaves out the names that are views of the one asked.
   */
  async tablesOf(sql: string): Promise<string[]> {
    if (!this.parser) {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:', DUCKDB_OPTIONS);
      this.parser = { instance, connection: await instance.connect() };
    }
    try {
      return [...this.parser.connection.getTableNames(sql, false)];
    } catch {
      return [];
    }
  }

  /**
   * Runs one reading statement. A table of the schema without a snapshot, SQL DuckDB refuses, or a statement that
   * is not a SELECT is a SqlError with DuckDB's message and what to do.
   */
  async query(sql: string): Promise<{ result: QueryResult; reader: DuckDBResultReader }> {
    await this.requireSnapshots(sql);
    let reader: DuckDBResultReader;
    try {
      const statements = await this.connection.extractStatements(sql);
      if (statements.count !== 1) throw new SqlError(`${statements.count === 0 ? 'no SQL statement given' : `${statements.count} statements given`}: cloudtap query runs one SELECT at a time`);
      const prepared = await statements.prepare(0);
      if (!READING_STATEMENTS.has(prepared.statementType)) {
        throw new SqlError('cloudtap query only reads: give a SELECT (or WITH … SELECT, EXPLAIN SELECT); the snapshot tables are views over Parquet files and are not changed by SQL');
      }
      reader = await prepared.runAndReadAll();
    } catch (error) {
      if (error instanceof SqlError) throw error;
      throw new SqlError(this.explain(engineMessage(error)));
    }
    return { result: duckDbResult(reader), reader };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    this.parser?.connection.closeSync();
    this.parser?.instance.closeSync();
  }

  /** A query naming a schema table whose files are missing: say so before DuckDB says "does not exist". */
  private async requireSnapshots(sql: string): Promise<void> {
    const present = new Set(this.views.map((v) => v.name));
    const known = new Set(schemaViewNames());
    if (this.complete || known.size === present.size) return;
    const missing = (await this.tablesOf(sql)).map((t) => t.toLowerCase()).find((t) => known.has(t) && !present.has(t));
    if (missing) throw new SqlError(missingSnapshotMessage(missing, this.root));
  }

  private explain(message: string): string {
    const table = /Table with name (\S+) does not exist/i.exec(message)?.[1]?.toLowerCase();
    if (table && schemaViewNames().includes(table)) return missingSnapshotMessage(table, this.root);
    const names = [...this.views.filter((v) => !v.history), ...this.views.filter((v) => v.history)].map((v) => v.name);
    const tables = names.length ? names.join(', ') : `none yet under ${this.root}`;
    if (table) return `DuckDB: ${message}\nthe snapshot tables are: ${tables}; their columns: cloudtap query --tables`;
    if (/^Parser Error/i.test(message)) return `DuckDB: ${message}\nlocally the SQL is DuckDB's; for SQL that Athena runs the same see \`cloudtap query --help\``;
    if (/Referenced column .* not found|does not have a column/i.test(message)) return `DuckDB: ${message}\nthe columns of each table: cloudtap query --tables`;
    return `DuckDB: ${message}`;
  }
}

export function missingSnapshotMessage(table: string, root: string): string {
  return `no snapshot of table ${table} under ${root}: run \`cloudtap run\` first (the export runs after each run)`;
}

/** DuckDB's message without its suggestions of its own system tables (`Did you mean "pg_enum"?`). */
function engineMessage(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error))
    .replace(/^(Error: |Failed to (extract statements|prepare statement|execute prepared statement): )+/, '');
  return message.replace(/\nDid you mean "(pg_|duckdb_|sqlite_|information_schema)[^"]*"\?/g, '').trim();
}

/** A DuckDB result converted by its column types (query-result.ts): bigints, decimals, timestamps, dates. */
export function duckDbResult(reader: DuckDBResultReader): QueryResult {
  const types = reader.columnTypes();
  const names = reader.columnNames();
  const columns = names.map((name, i) => ({ name, type: types[i]?.toString() ?? 'UNKNOWN' }));
  const convert = columns.map((c) => duckDbConverter(c.type));
  const rows = reader.getRowsJson().map((row) => row.map((value, i) => (value === null ? null : (convert[i] as Converter)(value))));
  return { columns, rows };
}

type Converter = (value: unknown) => SqlValue;

function duckDbConverter(type: string): Converter {
  const base = type.replace(/\(.*$/, '').toUpperCase();
  if (base === 'BOOLEAN') return (v) => Boolean(v);
  if (/^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))$/.test(base)) return (v) => integerValue(v as string | number);
  if (base === 'FLOAT' || base === 'DOUBLE') return (v) => floatValue(v as number | string);
  if (base === 'DECIMAL') return (v) => decimalValue(String(v));
  if (base.startsWith('TIMESTAMP')) return (v) => timestampValue(String(v));
  if (base === 'VARCHAR' || base === 'DATE') return (v) => String(v);
  return (v) => (typeof v === 'string' ? v : JSON.stringify(v));
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}
