import { UsageError } from '../errors';

/** The stack `cdk deploy` creates (bin/app.ts) and the output that names its state machine (lib/stacks/collector-stack.ts). */
export const DEFAULT_STACK = 'Cloudtap';
export const STATE_MACHINE_OUTPUT = 'StateMachineArn';

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:stateMachine:[\w-]{1,80}$/;

/** The region of a state machine ARN (where its executions run); a usage error naming the flag when it is not one. */
export function stateMachineRegion(arn: string): string {
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match?.[1]) {
    throw new UsageError(`--state-machine-arn: "${arn}" is not a state machine ARN; expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME (the stack's ${STATE_MACHINE_OUTPUT} output)`);
  }
  return match[1];
}
