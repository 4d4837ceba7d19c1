import { parseCollectionRequest } from '../../src/dto/collection-request';
import { expectRecord, expectString } from '../../src/dto/validation';
import { planCollection, type CollectionPlan } from '../../src/plan/get-tasks';
import { planSettingsFromEnv } from '../../src/lambda/settings';
import { lambdaHandler } from '../../src/lambda/middleware';
import { getTasksObservation } from '../../src/lambda/observations';
import { serviceNames } from '../../src/services/registry';

/** GetTasks: validates the execution input, probes accounts and regions, emits the task list. */
async function getTasks(event: unknown): Promise<CollectionPlan> {
  const input = expectRecord(event, 'GetTasks input');
  const execution = expectRecord(input.execution, 'GetTasks input.execution');
  const request = parseCollectionRequest(input.request, serviceNames());
  return planCollection(request, {
    name: expectString(execution.name, 'execution.name'),
    startTime: expectString(execution.startTime, 'execution.startTime'),
  }, planSettingsFromEnv());
}

export const handler = lambdaHandler(getTasks, getTasksObservation);
