import { join, resolve } from 'node:path';

/**
 * Where the CLI's local state is, and which variable names a deployed stack: light on purpose (no store, no SDK), so
 * that a command which only reads files (`cloudtap query`) does not load the store to know them.
 */
export const DEFAULT_DATA_DIR = '.cloudtap';
/** Where a local run exports its snapshots for SQL, in the data directory (`cloudtap query` reads them there). */
export const SNAPSHOTS_DIR = 'snapshots';
/** Names the deployed stack to read when --stack is not given (and --data-dir is not either). */
export const STACK_VARIABLE = 'CLOUDTAP_STACK';

/** The snapshot directory of a data directory (absolute: the in-process handlers get it through the environment). */
export function snapshotDirectory(dataDir: string = DEFAULT_DATA_DIR): string {
  return join(resolve(dataDir), SNAPSHOTS_DIR);
}
