import type { ServiceTruth } from './service-truth';

/** The truth of every service added as a plugin: one import and one entry per service. */
export const SERVICE_TRUTHS: readonly ServiceTruth[] = [
];
