import { parseTask, type TaskResult } from '../../src/dto/task';
import { collectTask } from '../../src/collect/collect-task';
import { Database } from '../../src/store/dynamo';
import { lambdaHandler } from '../../src/lambda/middleware';
import { leaseSettingsFromEnv, metricSettingsFromEnv } from '../../src/lambda/settings';
import { collectObservation } from '../../src/lambda/observations';
import { serviceNames } from '../../src/services/registry';

/** Collect: runs one task of the Map and returns its counts. */
async function collect(event: unknown): Promise<TaskResult> {
  const task = parseTask(event, serviceNames());
  return collectTask(task, { db: Database.fromEnv(), lease: leaseSettingsFromEnv(), metrics: metricSettingsFromEnv() });
}

export const handler = lambdaHandler(collect, collectObservation);
