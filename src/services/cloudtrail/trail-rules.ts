import type { TapRule } from '../rule';

/** TrailLogging: a trail that records nothing, or whose log files do not reach their bucket. */
export const trailLoggingRule: TapRule = {
  name: 'TrailLogging',
  resourceType: 'CloudTrail.Trail',
  eventClass: 'AWS_CloudTrail',
  evaluate(record) {
    const name = record.name ?? record.id;
    const problems: string[] = [];
    // Unknown (null) status is no finding: only a trail known not to log is one.
    if (record.data.is_logging === false) problems.push('is not logging');
    const deliveryError = record.data.latest_delivery_error;
    if (typeof deliveryError === 'string' && deliveryError !== '') {
      const bucket = typeof record.data.s3_bucket === 'string' ? ` to S3 bucket ${record.data.s3_bucket}` : '';
      problems.push(`cannot deliver log files${bucket}: ${deliveryError}`);
    }
    if (problems.length === 0) return [];
    return [{ severity: 2, typeNames: [{ type: 'ID', name }], group: null, text: `WARNING – trail ${name} ${problems.join(' and ')}` }];
  },
  clearText: (typeNames) => `OK – trail ${typeNames[0]?.name ?? ''} is logging and delivering`,
};
