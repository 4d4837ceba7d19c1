import type { AccountRule } from '../account-rule';

/** NoTrail: an enabled region that no logging multi-region trail covers (its API activity goes unrecorded). */
export const noTrailRule: AccountRule = {
  name: 'NoTrail',
  eventClass: 'AWS_CloudTrail',
  reads: ['CloudTrail.Trail'],
  evaluate(records, regions) {
    const trails = records.get('CloudTrail.Trail') ?? [];
    const covered = trails.some((t) => t.data.is_multi_region === true && t.data.is_logging === true);
    if (covered) return [];
    return regions.map((region) => ({
      severity: 2,
      typeNames: [{ type: 'ID', name: region }],
      group: null,
      resourceId: region,
      text: `WARNING – no logging multi-region trail covers ${region}: API activity there is not recorded`,
    }));
  },
  clearText: (typeNames) => `OK – a logging multi-region trail covers ${typeNames[0]?.name ?? 'the region'}`,
};
