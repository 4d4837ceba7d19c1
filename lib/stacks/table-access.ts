import type { TableId } from '../../src/stack-inputs';
import type { FunctionId } from '../workflow/definition';

/**
 * Which DynamoDB actions each function may call on which tables: the one list to change when the store's calls change.
 * Item actions are granted on the tables, `dynamodb:Query` also on each of their indexes (by name, no wildcard).
 * No function deletes items or scans: deleted resources are marked, never removed, and every read has a key or an index.
 */
export const ITEM_ACTIONS = [
  'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query',
] as const;

export type TableAction = (typeof ITEM_ACTIONS)[number];

/** The actions the store's indexes answer; the others work on items, which only the table holds. */
export const INDEX_ACTIONS: readonly TableAction[] = ['dynamodb:Query'];

export type TableAccess = Partial<Record<TableId, readonly TableAction[]>>;

export const TABLE_ACCESS: Record<FunctionId, TableAccess | 'every table'> = {
  // Records, history, events and the task's own result and calls.
  collect: 'every table',
  // Finalize (the run's summary, account-wide rules, thresholds) and real-time updates (records and events).
  normalize: 'every table',
  // The run's account list (pages) and skipped targets, its own calls' trace; reading a page back.
  getTasks: { runs: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] },
};

/** The access of one function, table by table, with 'every table' spelled out over `tableIds`. */
export function tableAccessOf(functionId: FunctionId, tableIds: readonly TableId[]): [TableId, readonly TableAction[]][] {
  const access = TABLE_ACCESS[functionId];
  if (access === 'every table') return tableIds.map((id) => [id, ITEM_ACTIONS]);
  return tableIds.flatMap((id) => (access[id]?.length ? [[id, access[id]] as [TableId, readonly TableAction[]]] : []));
}
