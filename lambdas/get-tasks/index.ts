import { parseAccountTarget, parseCollectionRequest } from '../../src/dto/collection-request';
import { expectArray, expectInteger, expectRecord, expectString, isRecord } from '../../src/dto/validation';
import { planAccount, planCollection, type AccountPlan, type MemberRole, type RunPlan } from '../../src/plan/get-tasks';
import { planSettingsFromEnv } from '../../src/lambda/settings';
import { lambdaHandler } from '../../src/lambda/middleware';
import { getTasksObservation } from '../../src/lambda/observations';
import { serviceNames } from '../../src/services/registry';
import { Database } from '../../src/store/dynamo';
import { RunStore, type AccountPage } from '../../src/store/run-store';

/**
 * GetTasks, in the workflow's three places: the run's start (validates the execution input, probes the collector's
 * account, lists the accounts into pages), NextAccounts (one page), and PlanAccount (one account's tasks).
 */
async function getTasks(event: unknown): Promise<RunPlan | AccountPage | AccountPlan> {
  const input = expectRecord(event, 'GetTasks input');
  if (input.mode === 'accounts') {
    return new RunStore(Database.fromEnv()).accountPage(expectString(input.runId, 'runId'), expectInteger(input.page, 'page', 0, Number.MAX_SAFE_INTEGER));
  }
  if (input.mode === 'account') {
    const selection = expectRecord(input.selection, 'selection');
    const known = serviceNames();
    return planAccount({
      runId: expectString(input.runId, 'runId'),
      startedAt: expectString(input.startedAt, 'startedAt'),
      concurrency: expectInteger(input.concurrency, 'concurrency', 1, Number.MAX_SAFE_INTEGER),
      catalogAccountId: expectString(input.catalogAccountId, 'catalogAccountId'),
      member: parseMemberRole(input.member),
      account: parseAccountTarget(input.account, 'account'),
      selection: {
        ...(selection.services !== undefined ? { services: parseCollectionRequest({ services: selection.services }, known).services! } : {}),
        ...(isRecord(selection) && selection.regions !== undefined ? { regions: expectArray(selection.regions, 'selection.regions').map((r, i) => expectString(r, `selection.regions[${i}]`)) } : {}),
      },
    }, planSettingsFromEnv());
  }
  const execution = expectRecord(input.execution, 'GetTasks input.execution');
  const request = parseCollectionRequest(input.request, serviceNames());
  return planCollection(request, {
    name: expectString(execution.name, 'execution.name'),
    startTime: expectString(execution.startTime, 'execution.startTime'),
  }, planSettingsFromEnv(), Database.fromEnv());
}

/** The plan's member role (GetTasks wrote it): `{}` for listed accounts, else a role name and partition. */
function parseMemberRole(value: unknown): MemberRole | Record<string, never> {
  const member = expectRecord(value, 'member');
  if (member.roleName === undefined) return {};
  return {
    roleName: expectString(member.roleName, 'member.roleName'),
    partition: expectString(member.partition, 'member.partition'),
    ...(member.externalId !== undefined ? { externalId: expectString(member.externalId, 'member.externalId') } : {}),
  };
}

export const handler = lambdaHandler(getTasks, getTasksObservation);
