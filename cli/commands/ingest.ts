import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { overlayEnvironment } from '../environment';
import { parseSpecFlag, startSandboxTarget, type SandboxTarget } from '../sandbox-target';
import { UsageError } from '../errors';
import { handler as normalize } from '../../lambdas/normalize/index';
import { InvalidInputError, expectDepthWithin, expectIsoTime, isRecord } from '../../src/dto/validation';
import type { IngestResult } from '../../src/realtime/ingest';

export const INGEST_HELP = `Usage: cloudtap ingest <event.json> [--sandbox[=SPEC]] [--json] [--stack NAME [--region R] [--profile P] | --data-dir DIR]

Feeds an EventBridge-shaped AWS event — a service's notification ("EC2 Instance State-change Notification") or
an "AWS API Call via CloudTrail" of a source cloudtap follows (aws.ec2, aws.s3, …) — through the normalize
function, exactly as the deployed EventBridge rules do: the resources it names are described again in the event's
account, and their inventory records and events are updated at once, without a run. An event id ingested before
is not ingested again.

  --sandbox[=SPEC]  describe against the sandbox account (default: the SDK's credentials and endpoints)
  --json            the ingest result as JSON
${storeHelp()}`;

const OPTIONS = { sandbox: { type: 'string' }, json: { type: 'boolean' }, ...STORE_FLAGS } as const;

export async function ingestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('ingest', argv.map((a) => (a === '--sandbox' ? '--sandbox=' : a)), OPTIONS, true);
  if (values.help) {
    console.log(INGEST_HELP);
    return 0;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('ingest takes one file with an EventBridge event as JSON; see cloudtap ingest --help');
  const spec = values.sandbox !== undefined ? parseSpecFlag(values.sandbox) : undefined;
  let event: unknown;
  try {
    event = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(error as Error).message})`}`);
  }
  checkEventFile(event, file);
  const workspace = await openStoreFromFlags(values, 'write');
  let sandbox: SandboxTarget | undefined;
  let restoreMembers: (() => void) | undefined;
  // The normalize handler reads the store's table names and endpoint from the environment, as in Lambda.
  const restore = overlayEnvironment(workspace.handlerEnvironment);
  try {
    if (spec) {
      sandbox = await startSandboxTarget(spec);
      // The sandbox's member accounts, reached through their roles as a deployment reaches its memberRoleArns.
      const members = sandbox.accounts.filter((a) => a.roleArn);
      restoreMembers = overlayEnvironment({
        CLOUDTAP_MEMBER_ROLE_ARNS: members.map((a) => a.roleArn).join(','),
        CLOUDTAP_MEMBER_EXTERNAL_ID: members.find((a) => a.externalId)?.externalId,
      });
    }
    let output: unknown;
    try {
      output = await normalize(event);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new UsageError(`${file}: ${error.message}`);
      throw error;
    }
    if (!isIngestResult(output)) throw new UsageError(`${file}: not an AWS change notification (a Finalize request closes runs; use cloudtap run)`);
    const result = output;
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else {
      const n = result.notification;
      const r = result.resources;
      const e = result.events;
      console.log(`${n.kind}${n.eventName ? ` (${n.eventName})` : ''} in ${n.accountId} ${n.region}: ${n.resources.map((x) => `${x.type} ${x.ids.join(', ')}`).join('; ') || 'no collected resource named'}`);
      if (result.duplicate) console.log(`  duplicate  event ${n.id} was ingested before: nothing done`);
      console.log(`  resources  ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deleted} deleted${r.posted ? `, ${r.posted} handed to the run writing them` : ''}`);
      console.log(`  events     ${e.opened} opened, ${e.recurred} recurred, ${e.cleared} cleared`);
      for (const error of result.errors) console.log(`  failed     ${error.type}: ${error.code} – ${error.message}`);
    }
    return result.errors.length > 0 ? 3 : 0;
  } finally {
    restoreMembers?.();
    await sandbox?.close();
    restore();
    await workspace.close();
  }
}

/**
 * What a hand-written file gets wrong and EventBridge never does — nesting without end, a time such as "yesterday" —
 * refused before the store is opened, naming the field; normalize validates everything else.
 */
function checkEventFile(event: unknown, file: string): void {
  try {
    expectDepthWithin(event, 'event');
    if (isRecord(event) && event.time !== undefined) expectIsoTime(event.time, 'event.time');
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

function isIngestResult(output: unknown): output is IngestResult {
  return typeof output === 'object' && output !== null && 'notification' in output;
}
