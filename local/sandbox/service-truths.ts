import type { ServiceTruth } from './service-truth';
import { kmsTruth } from './truth/kms';

/** The truth of every service added as a plugin: one import and one entry per service. */
export const SERVICE_TRUTHS: readonly ServiceTruth[] = [
  kmsTruth,
];
