import { parseCollectionRequest } from '../../src/dto/collection-request';
import { expectRecord, expectString } from '../../src/dto/validation';
import { planCollection, type CollectionPlan } from '../../src/plan/get-tasks';
import { planSettingsFromEnv } from '../../src/lambda/settings';

/** GetTasks: validates the execution input, probes accounts and regions, emits the task list. */
export async function handler(event: unknown): Promise<CollectionPlan> {
  const input = expectRecord(event, 'GetTasks input');
  const execution = expectRecord(input.execution, 'GetTasks input.execution');
  const request = parseCollectionRequest(input.request);
  return planCollection(request, {
    name: expectString(execution.name, 'execution.name'),
    startTime: expectString(execution.startTime, 'execution.startTime'),
  }, planSettingsFromEnv());
}
