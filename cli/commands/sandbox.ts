import { parseCommandArgs, integerFlag } from '../args';
import { parseSpecFlag } from '../sandbox-target';
import { sandboxEndpointVariables } from '../../local/sandbox/endpoints';
import { startSandbox } from '../../local/sandbox/server';
import { sandboxTruth } from '../../local/sandbox/truth';
import { enabledRegions, formatSandboxSpec } from '../../local/sandbox/spec';
import { UsageError } from '../errors';

export const SANDBOX_HELP = `Usage: cloudtap sandbox [--port P] [SPEC]
       cloudtap sandbox --truth [SPEC]

Serves the sandbox account on loopback — EC2, CloudTrail, STS and every sandbox service module — for the AWS CLI,
any SDK, or 'cloudtap run' through the SDK's endpoint variables. With --truth, prints as JSON every resource
and every condition the sandbox planted for SPEC, derived from how it generated the account.

SPEC is a query string; every key has a default:
  seed=1  regions=4  instances=25  epoch=0  latencyMs=0  throttle=0  fail=region:Service[.Operation]:Code,…
  optIn=region,…  accounts=1 (up to 10,000)  externalId=…
  an organization (the first account manages it): organization=all|none  suspended=ID,…|none  pendingClosure=ID,…|none
  delegatedAdmin=ID  deny=ID,… (AssumeRole refused)  readDenied=ID,… (every read refused)
  stopAt=EPOCH,… (every instance stopped at once)  metrics=class:fraction,…|none (planted CloudWatch conditions:
  hotCpu criticalCpu lowMemory criticalMemory lowDisk criticalDisk systemCheck highLoad criticalLoad lowBurst
  criticalBurst agentless; see local/sandbox/README.md)

  --port P   the port to listen on (default: any free port)
  --truth    print the truth for SPEC and exit`;

const OPTIONS = { port: { type: 'string' }, truth: { type: 'boolean' } } as const;

export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('sandbox', argv, OPTIONS, true);
  if (values.help) {
    console.log(SANDBOX_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`sandbox takes one SPEC (a query string such as 'seed=2&regions=3'), got ${positionals.length}; quote it in the shell`);
  const spec = parseSpecFlag(positionals[0] ?? '', 'SPEC');
  if (values.truth) {
    console.log(JSON.stringify(sandboxTruth(spec), null, 2));
    return 0;
  }
  const port = integerFlag('port', values.port) ?? 0;
  if (port > 65535) throw new UsageError(`--port: ${port} is not a port; use 1–65535, or leave it out for any free port`);
  const sandbox = await startSandbox(spec, { port });
  console.log([
    `sandbox account (${formatSandboxSpec(spec) || 'defaults'}) on ${sandbox.url}`,
    `enabled regions: ${enabledRegions(spec).join(', ')}`,
    '',
    'Point any SDK or the AWS CLI at it:',
    ...Object.entries(sandboxEndpointVariables(sandbox.url)).map(([name, url]) => `  export ${name}=${url}`),
    `  export AWS_ACCESS_KEY_ID=AKIDSANDBOX AWS_SECRET_ACCESS_KEY=sandbox AWS_REGION=${enabledRegions(spec)[0]}`,
    '  cloudtap run',
    '',
    `Requests served: GET ${sandbox.url}/_sandbox/stats    Truth: GET ${sandbox.url}/_sandbox/truth`,
    'Ctrl-C stops it.',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  return 0;
}
