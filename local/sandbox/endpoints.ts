/** The SDK endpoint variables that point AWS SDKs at a running sandbox. */
import type { SandboxServiceModule } from './service-module';
import { SANDBOX_SERVICE_MODULES } from './services/index';

/** The services server.ts answers itself (CloudFormation is served too, but only for reading a deployed stack). */
const BUILT_IN_VARIABLES = ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_CLOUDTRAIL'];

/**
 * `AWS_ENDPOINT_URL_<SERVICE>` → `url` for EC2, STS, CloudTrail and every service module, in that order; `omit`
 * leaves variables out (the CLI leaves out the ones cloudtap's own store reads, STORE_ENDPOINT_VARIABLES).
 */
export function sandboxEndpointVariables(
  url: string, options: { modules?: readonly SandboxServiceModule[]; omit?: readonly string[] } = {},
): Record<string, string> {
  const omit = new Set(options.omit ?? []);
  const names = [...BUILT_IN_VARIABLES, ...(options.modules ?? SANDBOX_SERVICE_MODULES).map((module) => module.endpointVariable)];
  return Object.fromEntries(names.filter((name) => !omit.has(name)).map((name) => [name, url]));
}
