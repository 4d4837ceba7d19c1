import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';
import { InvalidInputError } from '../src/dto/validation';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors a user can act on: the bad flag and the command's --help. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    const flags = Object.keys(options).map((o) => `--${o}`).join(', ');
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, '')}\nvalid options of 'cloudtap ${command}': ${flags}; see 'cloudtap ${command} --help'`);
  }
}

/** `--regions a,b --regions c` → ['a', 'b', 'c']. */
export function listFlag(values: string | string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return (Array.isArray(values) ? values : [values]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: must be a whole number, got "${value}"`);
  return Number(value);
}

/**
 * Reads a JSON file a flag names (thresholds, routes, settings) and validates it with `parse`; every error names the
 * flag and the file (and, through `parse`, the entry and the field), and nothing is read further.
 */
export async function readJsonFlagFile<T>(flag: string, path: string, parse: (json: unknown) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parse(json);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}
