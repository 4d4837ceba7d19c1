import { describe, it, expect } from '@jest/globals';
import { NO_FACTS } from '../../src/services/rule';
import {
  DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand,
  type GetEventSelectorsCommandInput, type GetTrailStatusCommandInput, type Trail,
} from '@aws-sdk/client-cloudtrail';
import { applyTrailStatus, preprocessTrail, trailType } from '../../src/services/cloudtrail/trail';
import { trailLoggingRule } from '../../src/services/cloudtrail/trail-rules';
import { cloudTrailService } from '../../src/services/cloudtrail';
import { serviceByName, serviceRunsIn } from '../../src/services/registry';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };
const MANAGEMENT_ARN = 'arn:aws:cloudtrail:eu-west-1:111111111111:trail/management-events';
const AUDIT_ARN = 'arn:aws:cloudtrail:eu-west-1:111111111111:trail/eu-west-1-audit';

/** DescribeTrails items as the SDK deserializes them. */
const managementTrail: Trail = {
  Name: 'management-events',
  S3BucketName: 'cloudtrail-logs-111111111111',
  IncludeGlobalServiceEvents: true,
  IsMultiRegionTrail: true,
  HomeRegion: 'eu-west-1',
  TrailARN: MANAGEMENT_ARN,
  LogFileValidationEnabled: true,
  KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666',
  HasCustomEventSelectors: false,
  HasInsightSelectors: false,
  IsOrganizationTrail: false,
};
const auditTrail: Trail = {
  Name: 'eu-west-1-audit',
  S3BucketName: 'cloudtrail-logs-111111111111',
  S3KeyPrefix: 'eu-west-1',
  IncludeGlobalServiceEvents: false,
  IsMultiRegionTrail: false,
  HomeRegion: 'eu-west-1',
  TrailARN: AUDIT_ARN,
  LogFileValidationEnabled: false,
  HasCustomEventSelectors: true,
  HasInsightSelectors: false,
  IsOrganizationTrail: false,
};

describe('CloudTrail.Trail', () => {
  it('is identified by its ARN and carries its configuration; status fields wait for the enrichment', () => {
    expect(preprocessTrail(managementTrail, context)).toEqual({
      id: MANAGEMENT_ARN, name: 'management-events', arn: MANAGEMENT_ARN, tags: {},
      data: {
        name: 'management-events', home_region: 'eu-west-1', is_multi_region: true, is_organization_trail: false,
        s3_bucket: 'cloudtrail-logs-111111111111', s3_key_prefix: null, log_file_validation: true,
        kms_key_id: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666',
        include_global_service_events: true, cloudwatch_logs_log_group_arn: null, sns_topic_arn: null,
        is_logging: null, latest_delivery_time: null, latest_delivery_error: null, latest_notification_error: null,
        start_logging_time: null, stop_logging_time: null, event_selectors: [], advanced_event_selectors: [],
      },
    });
  });

  it('lists home-region trails only, then reads each trail\'s status and selectors by ARN', async () => {
    const { context: mocked, cloudtrail } = mockedContext();
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [managementTrail, auditTrail] });
    cloudtrail.on(GetTrailStatusCommand).callsFake((input: GetTrailStatusCommandInput) => (input.Name === MANAGEMENT_ARN
      ? {
        IsLogging: true, LatestDeliveryTime: new Date('2026-01-12T10:55:00.000Z'), StartLoggingTime: new Date('2024-03-01T00:00:00.000Z'),
        LatestDeliveryAttemptTime: '2026-01-12T10:55:00Z', LatestDeliveryAttemptSucceeded: '2026-01-12T10:55:00Z', TimeLoggingStarted: '2024-03-01T00:00:00Z',
      }
      : {
        IsLogging: false, LatestDeliveryError: 'AccessDenied', LatestDeliveryTime: new Date('2026-01-02T00:00:00.000Z'),
        StartLoggingTime: new Date('2025-05-01T00:00:00.000Z'), StopLoggingTime: new Date('2026-01-02T00:05:00.000Z'),
      }));
    cloudtrail.on(GetEventSelectorsCommand).callsFake((input: GetEventSelectorsCommandInput) => (input.TrailName === MANAGEMENT_ARN
      ? { TrailARN: MANAGEMENT_ARN, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] }
      : {
        TrailARN: AUDIT_ARN,
        AdvancedEventSelectors: [
          { Name: 'write management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
          { Name: 'S3 data events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::cloudtrail-logs-111111111111-data/'] }] },
        ],
      }));

    const [page] = await collectType(trailType, mocked);

    expect(cloudtrail.commandCalls(DescribeTrailsCommand)[0]?.args[0].input).toEqual({ includeShadowTrails: false });
    // No batch form exists: exactly one call of each per trail.
    expect(cloudtrail.commandCalls(GetTrailStatusCommand).map((c) => c.args[0].input.Name).sort()).toEqual([AUDIT_ARN, MANAGEMENT_ARN]);
    expect(cloudtrail.commandCalls(GetEventSelectorsCommand).map((c) => c.args[0].input.TrailName).sort()).toEqual([AUDIT_ARN, MANAGEMENT_ARN]);
    const [management, audit] = page ?? [];
    expect(management?.data).toMatchObject({
      is_logging: true, latest_delivery_time: '2026-01-12T10:55:00.000Z', latest_delivery_error: null, latest_notification_error: null,
      start_logging_time: '2024-03-01T00:00:00.000Z', stop_logging_time: null,
      event_selectors: [{ read_write_type: 'All', include_management_events: true, data_resources: [], exclude_management_event_sources: [] }],
      advanced_event_selectors: [],
    });
    expect(audit?.data).toMatchObject({
      is_logging: false, latest_delivery_error: 'AccessDenied', stop_logging_time: '2026-01-02T00:05:00.000Z', event_selectors: [],
      advanced_event_selectors: [
        { name: 'write management events', field_selectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'readOnly', equals: ['false'] }] },
        { name: 'S3 data events', field_selectors: [
          { field: 'eventCategory', equals: ['Data'] }, { field: 'resources.type', equals: ['AWS::S3::Object'] },
          { field: 'resources.ARN', starts_with: ['arn:aws:s3:::cloudtrail-logs-111111111111-data/'] },
        ] },
      ],
    });
  });

  it('the latest delivery time is volatile: it moves every few minutes while the trail stays the same', () => {
    expect(trailType.volatileFields).toEqual(['latest_delivery_time']);
  });

  it('the service is regional and registered', () => {
    expect(serviceByName('CloudTrail')).toBe(cloudTrailService);
    expect(cloudTrailService.scope).toEqual({ kind: 'regional' });
    expect(serviceRunsIn(cloudTrailService, 'ap-southeast-2', 'us-east-1')).toBe(true);
    expect(serviceByName('EC2').scope).toEqual({ kind: 'regional' });
  });
});

describe('TrailLogging rule', () => {
  const withStatus = (trail: Trail, status: Parameters<typeof applyTrailStatus>[1]) => {
    const record = preprocessTrail(trail, context);
    applyTrailStatus(record, status);
    return record;
  };

  it('a trail that is not logging is a WARNING', () => {
    expect(trailLoggingRule.evaluate(withStatus(managementTrail, { IsLogging: false }), NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: 'management-events' }], group: null,
      text: 'WARNING – trail management-events is not logging',
    }]);
  });

  it('a delivery error is a WARNING that names the bucket and the error', () => {
    expect(trailLoggingRule.evaluate(withStatus(auditTrail, { IsLogging: true, LatestDeliveryError: 'NoSuchBucket' }), NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: 'eu-west-1-audit' }], group: null,
      text: 'WARNING – trail eu-west-1-audit cannot deliver log files to S3 bucket cloudtrail-logs-111111111111: NoSuchBucket',
    }]);
  });

  it('both at once are one finding saying both', () => {
    const findings = trailLoggingRule.evaluate(withStatus(auditTrail, { IsLogging: false, LatestDeliveryError: 'AccessDenied' }), NO_FACTS);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.text).toBe('WARNING – trail eu-west-1-audit is not logging and cannot deliver log files to S3 bucket cloudtrail-logs-111111111111: AccessDenied');
  });

  it('a logging trail that delivers holds no condition, nor does one whose status is unknown', () => {
    expect(trailLoggingRule.evaluate(withStatus(managementTrail, { IsLogging: true, LatestDeliveryError: '' }), NO_FACTS)).toEqual([]);
    expect(trailLoggingRule.evaluate(preprocessTrail(managementTrail, context), NO_FACTS)).toEqual([]);
  });

  it('clears with an OK text', () => {
    expect(trailLoggingRule.clearText([{ type: 'ID', name: 'management-events' }])).toBe('OK – trail management-events is logging and delivering');
  });
});
