import { parseCollectionRequest, type CollectionRequest } from '../src/dto/collection-request';
import { InvalidInputError } from '../src/dto/validation';
import { integerFlag, listFlag } from './args';
import { asUsageError } from './errors';
import { serviceNames } from '../src/services/registry';

/** The CollectionRequest `--services`, `--regions` and `--concurrency` describe, validated as get-tasks validates it; an invalid field names its flag. */
export function collectionRequestFromFlags(values: { services?: string[]; regions?: string[]; concurrency?: string }): CollectionRequest {
  const fields: Record<string, unknown> = { schemaVersion: 1 };
  const services = listFlag(values.services);
  const regions = listFlag(values.regions);
  const concurrency = integerFlag('concurrency', values.concurrency);
  if (services) fields.services = services;
  if (regions) fields.regions = regions;
  if (concurrency !== undefined) fields.concurrency = concurrency;
  try {
    return parseCollectionRequest(fields, serviceNames());
  } catch (error) {
    if (error instanceof InvalidInputError) throw asUsageError(error);
    throw error;
  }
}
