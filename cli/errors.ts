import { InvalidInputError } from '../src/dto/validation';

/** A mistake in how the CLI was called: printed with what to do, exit code 1, nothing written. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags that carry CollectionRequest fields: an invalid field is reported as the flag the user typed. */
const FLAG_OF_FIELD: Record<string, string> = { services: '--services', regions: '--regions', concurrency: '--concurrency', accounts: '--accounts' };

export function asUsageError(error: InvalidInputError): UsageError {
  const root = error.field.split(/[.[]/)[0] ?? '';
  const flag = FLAG_OF_FIELD[root];
  return new UsageError(flag ? `${flag}: ${error.problem}` : error.message);
}
