/**
 * Organization scale: a whole `cloudtap run --organization` of the sandbox's organization, as the Distributed Map
 * runs it (accounts in pages, a child per account), with AWS's latency. It measures wall time against the plan's
 * ideal (the longest chain of calls, or every call's latency over the concurrency, whichever is longer), the calls
 * the sandbox had in flight per account, region, service and action (the bound that keeps one account's own tasks
 * from emptying its API token buckets), AssumeRoles per account, and whether every account the organization's truth
 * says to collect was collected and every inactive one skipped with its reason.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxOrganizationTruth } from '../../local/sandbox/truth';
import type { MaxInFlight } from '../../local/sandbox/in-flight';
import { openWorkspace } from '../../cli/workspace';
import { ResourceStore } from '../../src/store/resource-store';
import { DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_CONCURRENCY } from '../../src/lambda/settings';
import { measuredRun } from '../local-run';
import { planIdeal, type PlanIdeal } from '../plan-ideal';
import { applyEnvironment, startServices } from '../services-client';

/**
 * Calls of one action a task makes at once in one account and region: the services' *_CALLS_IN_FLIGHT (8), each
 * account-region-service collected by one task, and listings page after page.
 */
export const CALLS_IN_FLIGHT_PER_ACCOUNT_REGION_ACTION = 8;

export interface OrganizationResult {
  spec: string;
  services: string[];
  accounts: number;
  collected: number;
  inactive: number;
  tasks: number;
  resources: number;
  wallMs: number;
  ideal: PlanIdeal;
  wallOverIdeal: number;
  inFlight: MaxInFlight;
  bound: number;
  assumeRoles: { accounts: number; min: number; max: number };
  /** Every account the truth says to collect has its instances in the store, and no other. */
  collectedAsTruth: boolean;
  /** Every inactive account of the truth is in the summary's skipped list (or its count), with its status. */
  inactiveSkipped: boolean;
}

export async function organization(params: { spec: string; services: string[] }): Promise<OrganizationResult> {
  const spec = parseSandboxSpec(params.spec);
  const truth = sandboxOrganizationTruth(spec);
  if (!truth) throw new Error(`sandbox spec ${params.spec} has no organization`);
  const services = await startServices({ spec: params.spec });
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-organization-'));
  try {
    applyEnvironment(services.sdkEnvironment);
    await services.resetStats();
    // The concurrency a deployed run has by default (a local run takes fewer accounts at once): the ideal is AWS's.
    const { run, traces } = await measuredRun(dataDir, { request: { accounts: { organization: {} }, services: params.services, accountConcurrency: DEFAULT_ACCOUNT_CONCURRENCY } });
    const peaks = await (await fetch(`${services.sandboxUrl}/_sandbox/in-flight?top=6`)).json() as MaxInFlight;
    // AssumeRole is the collector's own account calling STS for each member account (one role each, once): not a
    // member account's token bucket.
    const inFlight = { ...peaks, byKey: peaks.byKey.filter((k) => !(k.service === 'STS' && k.operation === 'AssumeRole')).slice(0, 5) };
    if (run.status !== 'succeeded') throw new Error(`the organization run did not succeed: ${JSON.stringify(run.failures).slice(0, 500)}`);
    const workspace = await openWorkspace({ dataDir });
    const instanceAccounts = new Set<string>();
    try {
      for await (const r of new ResourceStore(workspace.db).scan()) if (r.type === 'EC2.Instance') instanceAccounts.add(r.accountId);
    } finally {
      await workspace.close();
    }
    const assumed = new Map<string, number>();
    for (const call of traces.flatMap((t) => t.calls)) {
      if (call.operation === 'AssumeRole') {
        const account = String(call.params.RoleArn).split(':')[4] ?? '';
        assumed.set(account, (assumed.get(account) ?? 0) + 1);
      }
    }
    const inactive = truth.expected.skipped.filter((s) => s.reason === 'suspended' || s.reason === 'pending-closure');
    const ideal = planIdeal(traces, spec.latencyMs, DEFAULT_ACCOUNT_CONCURRENCY * DEFAULT_CONCURRENCY);
    return {
      spec: params.spec, services: params.services,
      accounts: truth.accounts.length, collected: truth.expected.collected.length, inactive: inactive.length,
      tasks: run.tasks.total, resources: run.resources.seen, wallMs: run.wallMs, ideal,
      wallOverIdeal: Number((run.wallMs / ideal.idealMs).toFixed(2)),
      inFlight, bound: CALLS_IN_FLIGHT_PER_ACCOUNT_REGION_ACTION,
      assumeRoles: { accounts: assumed.size, min: Math.min(...assumed.values()), max: Math.max(...assumed.values()) },
      collectedAsTruth: JSON.stringify([...instanceAccounts].sort()) === JSON.stringify([...truth.expected.collected].sort()),
      inactiveSkipped: run.tasks.skipped >= inactive.length,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await services.close();
  }
}
