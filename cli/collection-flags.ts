import { parseCollectionRequest, type CollectionRequest } from '../src/dto/collection-request';
import { InvalidInputError } from '../src/dto/validation';
import { integerFlag, listFlag } from './args';
import { UsageError, asUsageError } from './errors';
import { serviceNames } from '../src/services/registry';

/** The flags that describe a collection run's request, shared by `run` and `run --remote`. */
export const COLLECTION_FLAGS = {
  services: { type: 'string', multiple: true },
  regions: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'account-concurrency': { type: 'string' },
  organization: { type: 'boolean' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'member-role': { type: 'string' },
  'external-id': { type: 'string' },
} as const;

export interface CollectionFlagValues {
  services?: string[];
  regions?: string[];
  concurrency?: string;
  'account-concurrency'?: string;
  organization?: boolean;
  include?: string[];
  exclude?: string[];
  'member-role'?: string;
  'external-id'?: string;
}

/**
 * The CollectionRequest the flags describe (`--services`, `--regions`, `--concurrency`, `--account-concurrency`, and
 * `--organization [--include ID,…] [--exclude ID,…] [--member-role NAME] [--external-id ID]`), validated as get-tasks
 * validates it; an invalid field names its flag.
 */
export function collectionRequestFromFlags(values: CollectionFlagValues): CollectionRequest {
  const fields: Record<string, unknown> = { schemaVersion: 1 };
  const services = listFlag(values.services);
  const regions = listFlag(values.regions);
  const concurrency = integerFlag('concurrency', values.concurrency);
  const accountConcurrency = integerFlag('account-concurrency', values['account-concurrency']);
  if (services) fields.services = services;
  if (regions) fields.regions = regions;
  if (concurrency !== undefined) fields.concurrency = concurrency;
  if (accountConcurrency !== undefined) fields.accountConcurrency = accountConcurrency;
  const include = listFlag(values.include);
  const exclude = listFlag(values.exclude);
  const organizationOnly = { include, exclude, 'member-role': values['member-role'], 'external-id': values['external-id'] };
  for (const [flag, value] of Object.entries(organizationOnly)) {
    if (value !== undefined && !values.organization) throw new UsageError(`--${flag} selects accounts of an organization: use it with --organization`);
  }
  if (values.organization) {
    fields.accounts = {
      organization: {
        ...(include ? { include } : {}), ...(exclude ? { exclude } : {}),
        ...(values['member-role'] ? { roleName: values['member-role'] } : {}), ...(values['external-id'] ? { externalId: values['external-id'] } : {}),
      },
    };
  }
  try {
    return parseCollectionRequest(fields, serviceNames());
  } catch (error) {
    if (error instanceof InvalidInputError) throw asUsageError(error);
    throw error;
  }
}
