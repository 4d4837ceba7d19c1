import { DEFAULT_DATA_DIR, STACK_VARIABLE, openStore, type StoreAccess, type Workspace } from './workspace';

/** The flags that say which store a command works on. */
export const STORE_FLAGS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** `resources` keeps --region for filtering the inventory: there, the stack's region is --stack-region. */
export const STORE_FLAGS_WITH_STACK_REGION = {
  stack: { type: 'string' },
  'stack-region': { type: 'string' },
  profile: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export function storeHelp(regionFlag: '--region' | '--stack-region' = '--region'): string {
  return `  --stack NAME      a deployed stack: its tables, named by its CloudFormation outputs (default $${STACK_VARIABLE});
                    credentials and endpoints from the AWS SDK's usual chain
  ${`${regionFlag} R`.padEnd(16)}  the stack's region (default: AWS_REGION, or the profile's)
  --profile P       the AWS profile to read the stack with (default: AWS_PROFILE)
  --data-dir DIR    the embedded store's directory (default ${DEFAULT_DATA_DIR}/), when no stack is named`;
}

export interface StoreFlagValues {
  stack?: string;
  region?: string;
  'stack-region'?: string;
  profile?: string;
  'data-dir'?: string;
}

/**
 * Opens the store the flags name: --stack (or CLOUDTAP_STACK when no --data-dir is given) for a deployed stack,
 * else the embedded store. --profile is the SDK's AWS_PROFILE for this process, as the AWS CLI's is.
 */
export function openStoreFromFlags(values: StoreFlagValues, access: StoreAccess, env: NodeJS.ProcessEnv = process.env): Promise<Workspace> {
  if (values.profile !== undefined) env.AWS_PROFILE = values.profile;
  const fromEnvironment = values['data-dir'] === undefined && env[STACK_VARIABLE] ? env[STACK_VARIABLE] : undefined;
  const stack = values.stack ?? fromEnvironment;
  const region = values['stack-region'] ?? values.region;
  return openStore({
    access,
    ...(stack !== undefined ? { stack } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
  });
}
