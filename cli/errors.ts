import { InvalidInputError } from '../src/dto/validation';

/** A mistake in how the CLI was called: printed with what to do, exit code 1, nothing written. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags that carry CollectionRequest fields: an invalid field is reported as the flag the user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  services: '--services', regions: '--regions', concurrency: '--concurrency', accountConcurrency: '--account-concurrency', accounts: '--organization',
};

export function asUsageError(error: InvalidInputError): UsageError {
  return new UsageError(flagMessage(error.field, error.problem) ?? error.message);
}

/** `regions[0]: …` as `--regions: …` when the field is one a flag sets; undefined otherwise. */
export function flagMessage(field: string, problem: string): string | undefined {
  const flag = FLAG_OF_FIELD[field.split(/[.[]/)[0] ?? ''];
  return flag ? `${flag}: ${problem}` : undefined;
}

/** Errors, by name, whose message already says what went wrong and what to do. */
const EXPLAINED_ERRORS = new Set([
  'UsageError', 'InvalidInput', 'ExecutionFailed', 'CollectorAccountUnreachable', 'PlanTooLarge', 'ItemTooLarge',
  'CredentialsProviderError', 'TimeoutError', 'StoreSchemaMismatch',
]);

/**
 * Whether an error is one of the kinds a user meets in normal operation — bad input, an AWS answer, an
 * unreachable endpoint or store — rather than a defect of cloudtap. Those are printed as their message alone.
 */
export function isExpectedError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof UsageError || error instanceof InvalidInputError || EXPLAINED_ERRORS.has(error.name)) return true;
  const e = error as { $metadata?: unknown; code?: unknown; syscall?: unknown };
  // An AWS service's answer (the SDK's ServiceException), or the OS refusing a file or a connection.
  if (typeof e.$metadata === 'object' && e.$metadata !== null) return true;
  return typeof e.code === 'string' && (typeof e.syscall === 'string' || /^(E[A-Z]+|LEVEL_[A-Z_]+)$/.test(e.code));
}

/** Set to 1 to see where an unexpected error came from. */
export const DEBUG_VARIABLE = 'CLOUDTAP_DEBUG';

/**
 * What the top level prints for an error that ended a command: the message, never a stack for the expected kinds;
 * for an unexpected one, a line asking for a report, and its stack only when CLOUDTAP_DEBUG=1.
 */
export function errorReport(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (isExpectedError(error)) {
    const e = error as Error & { code?: string };
    const kind = e.code ?? e.name;
    // Our own errors speak for themselves; an AWS or system error is prefixed with its code unless it says it already.
    const named = error instanceof UsageError || error instanceof InvalidInputError || EXPLAINED_ERRORS.has(e.name) || e.message.includes(kind);
    return `cloudtap: ${named ? '' : `${kind}: `}${e.message}`;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const lines = [`cloudtap: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`];
  if (env[DEBUG_VARIABLE] === '1') lines.push(e.stack ?? '(no stack)');
  else lines.push(`This is unexpected: please report it, with what you ran and the output of the same command run with ${DEBUG_VARIABLE}=1.`);
  return lines.join('\n');
}
