import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import type { MiddlewareObj } from '@middy/core';
import type { HandlerRuntime } from './runtime';

/** Fields every log line of one invocation carries (run id, task id). */
export type LogKeys = Record<string, string>;

interface Invocation {
  logKeys: LogKeys;
}

/**
 * The keys live with the invocation, not with the logger: the local runner runs many Collect invocations at once
 * in one process, where keys appended to a shared logger would land on another task's lines.
 */
const currentInvocation = new AsyncLocalStorage<Invocation>();

/** Runs one invocation in its own log scope. */
export function inInvocationScope<T>(work: () => Promise<T>): Promise<T> {
  return currentInvocation.run({ logKeys: {} }, work);
}

/**
 * Powertools' Logger with the invocation's keys on every line. Outside Lambda it writes to stderr, so a local
 * run with CLOUDTAP_LOG_LEVEL set still prints clean JSON on stdout.
 */
export class InvocationLogger extends Logger {
  #toStderr = false;

  static create(runtime: HandlerRuntime): InvocationLogger {
    const logger = new InvocationLogger({
      serviceName: runtime.serviceName,
      // Locally nothing unless asked; in Lambda CLOUDTAP_LOG_LEVEL, else POWERTOOLS_LOG_LEVEL, else INFO.
      ...(runtime.logLevel ? { logLevel: runtime.logLevel } : runtime.inLambda ? {} : { logLevel: 'SILENT' as const }),
    });
    logger.#toStderr = !runtime.inLambda;
    return logger;
  }

  protected override createAndPopulateLogItem(logLevel: number, input: LogItemMessage, extraInput: LogItemExtraInput): LogItem {
    const item = super.createAndPopulateLogItem(logLevel, input, extraInput);
    const keys = currentInvocation.getStore()?.logKeys;
    if (keys) {
      const attributes = item.getAttributes();
      // What a line says itself wins over the invocation's keys.
      for (const [key, value] of Object.entries(keys)) if (!(key in attributes)) attributes[key] = value;
    }
    return item;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#toStderr) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    process.stderr.write(`${JSON.stringify(log.getAttributes(), this.getJsonReplacer())}\n`);
  }
}

/** How a handler's invocation shows in the logs. */
export interface InvocationLog<R> {
  /** The function, as messages name it. */
  name: string;
  /** Read from the raw event, before validation, so that an invalid event still logs what it has. */
  logKeys(event: unknown): LogKeys;
  /** The line that closes a successful invocation. */
  outcome(result: R): { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> };
  /** Errors the state machine retries (throttling) are warnings, not errors. */
  retriedErrors?: readonly string[];
}

/**
 * Puts the run and task ids on every line of the invocation and logs how it ended — with the error, whose name
 * is what Step Functions' Retry and Catch match on. (The Lambda context comes from Powertools' own middleware.)
 */
export function invocationLogging<R>(logger: InvocationLogger, log: InvocationLog<R>): MiddlewareObj<unknown, R> {
  return {
    before: (request) => {
      const invocation = currentInvocation.getStore();
      if (invocation) invocation.logKeys = log.logKeys(request.event);
    },
    after: (request) => {
      if (request.response === null) return;
      const { level, message, fields } = log.outcome(request.response);
      logger[level]({ message, ...fields });
    },
    onError: (request) => {
      const error = request.error;
      if (!error) return;
      const retried = log.retriedErrors?.includes(error.name) ?? false;
      logger[retried ? 'warn' : 'error']({ message: `${log.name} failed: ${error.name}${retried ? ' (the state machine retries it)' : ''}`, error });
    },
  };
}
