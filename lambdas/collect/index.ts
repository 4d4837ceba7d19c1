import { parseTask, type TaskResult } from '../../src/dto/task';
import { collectTask } from '../../src/collect/collect-task';
import { Database } from '../../src/store/dynamo';

/** Collect: runs one task of the Map and returns its counts. */
export async function handler(event: unknown): Promise<TaskResult> {
  const task = parseTask(event);
  return collectTask(task, { db: Database.fromEnv() });
}
