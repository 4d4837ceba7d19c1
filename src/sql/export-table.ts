import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { SNAPSHOT_SCHEMA, SNAPSHOT_TABLES, SQL_TYPES, type ColumnType, type SnapshotTableName } from './schema';

type TableDefinition<N extends SnapshotTableName> = Extract<(typeof SNAPSHOT_SCHEMA)[number], { name: N }>;
type ColumnOf<N extends SnapshotTableName> = TableDefinition<N>['columns'][number];

/** A column's value as the exporter gives it: timestamps as the store's ISO strings, integers as numbers. */
type ValueOf<T extends ColumnType> = T extends 'string' ? string : T extends 'boolean' ? boolean : T extends 'timestamp' ? string : number;

/** A row of a snapshot table, typed by the schema; every column may be null. */
export type SnapshotRow<N extends SnapshotTableName> = { [C in ColumnOf<N> as C['name']]: ValueOf<C['type']> | null };

/** The run columns every table starts with: filled in by the writer. */
type RunColumn = 'run_id' | 'run_seq';
export type TableRow<N extends SnapshotTableName> = Omit<SnapshotRow<N>, RunColumn>;

export interface RowGroupLimits {
  /** Rows held before they are encoded as a row group. */
  rows: number;
  /** Characters of text held before they are (a table of large JSON values flushes by this first). */
  chars: number;
}

/** Row groups of up to 50,000 rows or ~16 M characters: a table's pending rows stay a few tens of MB at most. */
export const DEFAULT_ROW_GROUP_LIMITS: RowGroupLimits = { rows: 50_000, chars: 16_000_000 };

/**
 * One table's Parquet file, built as rows arrive: the rows are held column by column and encoded into a row group
 * whenever the limits are reached, so what a table holds is its encoded (compressed) file plus one row group's rows.
 */
export class ParquetTableWriter<N extends SnapshotTableName> {
  readonly name: N;
  rows = 0;
  private readonly columns: readonly { name: string; type: ColumnType }[];
  private readonly byteWriter = new ByteWriter();
  private readonly writer: ParquetWriter;
  private pending: unknown[][];
  private pendingRows = 0;
  private pendingChars = 0;
  private finished?: Uint8Array;
  private readonly runSeq: bigint;

  constructor(name: N, private readonly run: { runId: string; seq: number }, private readonly limits: RowGroupLimits = DEFAULT_ROW_GROUP_LIMITS) {
    const table = SNAPSHOT_TABLES.find((t) => t.name === name);
    if (!table) throw new Error(`no snapshot table ${name} in src/sql/schema.ts`);
    this.name = name;
    this.columns = table.columns;
    if (this.columns[0]?.name !== 'run_id' || this.columns[1]?.name !== 'run_seq') throw new Error(`snapshot table ${name} does not start with run_id, run_seq`);
    this.runSeq = BigInt(run.seq);
    const columnData: ColumnSource[] = this.columns.map((c) => ({ name: c.name, data: [], type: SQL_TYPES[c.type].parquet }));
    this.writer = new ParquetWriter({ writer: this.byteWriter, schema: schemaFromColumnData({ columnData }), createdBy: 'cloudtap' });
    this.pending = this.columns.map(() => []);
  }

  add(row: TableRow<N>): void {
    const values = row as Record<string, unknown>;
    const { columns, pending } = this;
    pending[0]!.push(this.run.runId);
    pending[1]!.push(this.runSeq);
    for (let i = 2; i < columns.length; i++) {
      const column = columns[i]!;
      const value = values[column.name];
      if (typeof value === 'string') this.pendingChars += value.length;
      pending[i]!.push(parquetValue(column.type, value));
    }
    this.rows++;
    this.pendingRows++;
    if (this.pendingRows >= this.limits.rows || this.pendingChars >= this.limits.chars) this.flush();
  }

  /** The whole file; the writer takes no more rows. */
  finish(): Uint8Array {
    if (!this.finished) {
      this.flush();
      void this.writer.finish();
      this.finished = this.byteWriter.getBytes();
    }
    return this.finished;
  }

  private flush(): void {
    if (this.pendingRows === 0) return;
    const columnData = this.columns.map((c, i) => ({ name: c.name, data: this.pending[i]! }));
    void this.writer.write({ columnData, rowGroupSize: this.pendingRows });
    this.pending = this.columns.map(() => []);
    this.pendingRows = 0;
    this.pendingChars = 0;
  }
}

/** A value as hyparquet-writer takes it for the column's Parquet type: INT64 as bigint, TIMESTAMP as a Date. */
function parquetValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
      return BigInt(value as number);
    case 'timestamp': {
      const time = Date.parse(value as string);
      return Number.isNaN(time) ? null : new Date(time);
    }
    default:
      return value;
  }
}
