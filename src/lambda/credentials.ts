import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The SDK's default credential chain as the Lambda bundles have it: lib/stacks/bundling.ts puts this module in
 * place of @aws-sdk/credential-provider-node. Lambda gives a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the chain's first link, so the others (profiles,
 * SSO, web identity, credential processes, container and instance metadata, and the STS and SSO clients they
 * bring: ~120 KB the function would compile at every cold start) are never reached there. Member accounts'
 * credentials come from AssumeRole and are passed to their clients explicitly. The local runner and the CLI
 * are not bundled and keep the full chain.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider {
  const fromLambdaEnvironment = fromEnv(init);
  return async () => {
    try {
      return await fromLambdaEnvironment();
    } catch (error) {
      throw new Error(
        'no AWS credentials: a cloudtap Lambda bundle reads the function role\'s credentials from the variables Lambda sets '
        + '(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); set them, or run the functions with the local runner, which uses the SDK\'s full default chain',
        { cause: error },
      );
    }
  };
}
