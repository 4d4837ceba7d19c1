import { describe, it, expect } from '@jest/globals';
import { LookupEventsCommand, type Event, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import {
  DELIVERY_DELAY_MS, eventType, lookupStartTime, preprocessEvent, touchesCollectedResource,
} from '../../src/services/cloudtrail/event';
import { allResourceTypes, collectedAwsTypeNames } from '../../src/services/registry';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };

/** The full event JSON LookupEvents returns: its request parameters hold the user data, secrets included. */
const runInstancesJson = JSON.stringify({
  eventVersion: '1.09',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111111111111:user/alice', accountId: '111111111111', userName: 'alice' },
  eventTime: '2026-01-12T09:14:03Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { instanceType: 'm5.large', userData: 'IyEvYmluL2Jhc2gKREJfUEFTU1dPUkQ9aHVudGVyMgpyb2xlPWRiX3NlcnZlcgo=' },
  responseElements: { reservationId: 'r-0123456789' },
  eventID: '3b7b5c4e-8f8e-4c8e-9d6a-1b2c3d4e5f60',
  readOnly: false,
  eventType: 'AwsApiCall',
});

/** LookupEvents items as the SDK deserializes them. */
const runInstances: Event = {
  EventId: '3b7b5c4e-8f8e-4c8e-9d6a-1b2c3d4e5f60',
  EventName: 'RunInstances',
  ReadOnly: 'false',
  AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  EventTime: new Date('2026-01-12T09:14:03.000Z'),
  EventSource: 'ec2.amazonaws.com',
  Username: 'alice',
  Resources: [
    { ResourceType: 'AWS::EC2::Instance', ResourceName: 'i-0abc1234def567890' },
    { ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: 'sg-0web' },
  ],
  CloudTrailEvent: runInstancesJson,
};
const deniedStopLogging: Event = {
  EventId: '9a8b7c6d-0000-4000-8000-000000000001',
  EventName: 'StopLogging',
  ReadOnly: 'false',
  EventTime: new Date('2026-01-12T09:20:00.000Z'),
  EventSource: 'cloudtrail.amazonaws.com',
  Username: 'mallory',
  Resources: [{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: 'arn:aws:cloudtrail:eu-west-1:111111111111:trail/management-events' }],
  CloudTrailEvent: JSON.stringify({ eventName: 'StopLogging', sourceIPAddress: '203.0.113.50', errorCode: 'AccessDenied', errorMessage: 'User: mallory is not authorized' }),
};
const createUser: Event = {
  EventId: '11111111-2222-4333-8444-555555555555',
  EventName: 'CreateUser',
  ReadOnly: 'false',
  EventTime: new Date('2026-01-12T09:21:00.000Z'),
  EventSource: 'iam.amazonaws.com',
  Username: 'alice',
  Resources: [{ ResourceType: 'AWS::IAM::User', ResourceName: 'bob' }],
  CloudTrailEvent: '{}',
};
const consoleLogin: Event = { EventId: '22222222-2222-4333-8444-555555555555', EventName: 'ConsoleLogin', ReadOnly: 'false', EventTime: new Date('2026-01-12T09:22:00.000Z'), Resources: [] };

describe('CloudTrail.Event preprocess', () => {
  it('keeps the summary, the source IP and the error code — never the event JSON', () => {
    const record = preprocessEvent(runInstances, context);
    expect(record).toEqual({
      id: '3b7b5c4e-8f8e-4c8e-9d6a-1b2c3d4e5f60',
      name: 'RunInstances',
      arn: 'arn:aws:cloudtrail:eu-west-1:111111111111:event/3b7b5c4e-8f8e-4c8e-9d6a-1b2c3d4e5f60',
      tags: {},
      data: {
        event_id: '3b7b5c4e-8f8e-4c8e-9d6a-1b2c3d4e5f60', event_name: 'RunInstances', event_time: '2026-01-12T09:14:03.000Z',
        username: 'alice', event_source: 'ec2.amazonaws.com',
        resources: [{ type: 'AWS::EC2::Instance', name: 'i-0abc1234def567890' }, { type: 'AWS::EC2::SecurityGroup', name: 'sg-0web' }],
        source_ip: '198.51.100.7', error_code: null,
      },
    });
    const stored = JSON.stringify(record);
    expect(stored).not.toContain('userData');
    expect(stored).not.toContain('IyEvYmluL2Jhc2g');
    expect(stored).not.toContain('requestParameters');
  });

  it('a failed call carries its error code', () => {
    expect(preprocessEvent(deniedStopLogging, context).data).toMatchObject({ source_ip: '203.0.113.50', error_code: 'AccessDenied', username: 'mallory' });
  });

  it('an event without or with unreadable JSON still yields its summary', () => {
    expect(preprocessEvent({ ...runInstances, CloudTrailEvent: undefined }, context).data).toMatchObject({ source_ip: null, error_code: null, event_name: 'RunInstances' });
    expect(preprocessEvent({ ...runInstances, CloudTrailEvent: '{"sourceIPAddress": "198.51' }, context).data).toMatchObject({ source_ip: null });
    expect(preprocessEvent({ EventId: 'e-1' }, context).data).toEqual({
      event_id: 'e-1', event_name: null, event_time: null, username: null, event_source: null, resources: [], source_ip: null, error_code: null,
    });
  });
});

describe('CloudTrail.Event listing', () => {
  it('keeps only events touching a collected type; the list comes from the types\' own declarations', () => {
    const collected = collectedAwsTypeNames();
    expect(touchesCollectedResource(runInstances, collected)).toBe(true);
    expect(touchesCollectedResource(deniedStopLogging, collected)).toBe(true);
    expect(touchesCollectedResource(consoleLogin, collected)).toBe(false);
    const declared = allResourceTypes().map((t) => t.cloudTrailResourceType).filter(Boolean).sort();
    expect([...collected].sort()).toEqual(declared);
    expect(declared).toEqual(expect.arrayContaining([
      'AWS::CloudTrail::Trail', 'AWS::EC2::Ami', 'AWS::EC2::EIP', 'AWS::EC2::Instance', 'AWS::EC2::NetworkInterface',
      'AWS::EC2::SecurityGroup', 'AWS::EC2::Snapshot', 'AWS::EC2::Subnet', 'AWS::EC2::VPC', 'AWS::EC2::Volume',
    ]));
    // A service added to the registry is learned without touching CloudTrail: an IAM user's event is kept once IAM is collected.
    expect(touchesCollectedResource(createUser, collected)).toBe(collected.has('AWS::IAM::User'));
  });

  it('asks for write events, 50 a page, following NextToken with the same start time', async () => {
    const { context: mocked, cloudtrail } = mockedContext({ collectedAwsTypes: new Set(['AWS::EC2::Instance', 'AWS::CloudTrail::Trail']) });
    cloudtrail.on(LookupEventsCommand)
      .resolvesOnce({ Events: [deniedStopLogging, createUser], NextToken: 'page-2' })
      .resolvesOnce({ Events: [runInstances, consoleLogin] });

    const pages = await collectType(eventType, mocked);

    expect(pages.map((page) => page.map((r) => r.name))).toEqual([['StopLogging'], ['RunInstances']]);
    const inputs = cloudtrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input as LookupEventsCommandInput);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) {
      expect(input).toMatchObject({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }], MaxResults: 50 });
    }
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, 'page-2']);
    expect(inputs[1]?.StartTime).toEqual(inputs[0]?.StartTime);
  });

  it('starts shortly before the last complete collection, events being delivered late', () => {
    const since = '2026-01-12T08:00:00.000Z';
    const { context: mocked } = mockedContext({ since });
    const command = eventType.list!.command({ maxResults: 50 }, mocked) as LookupEventsCommand;
    expect(command.input.StartTime).toEqual(new Date(Date.parse(since) - DELIVERY_DELAY_MS));
  });

  it('never collected: a bounded 24 hours back, aligned to the hour, the same for every page of a listing', () => {
    const now = Date.parse('2026-01-12T10:59:59.000Z');
    expect(lookupStartTime(undefined, now)).toEqual(new Date('2026-01-11T10:00:00.000Z'));
    const { context: mocked } = mockedContext();
    const first = lookupStartTime(mocked, Date.parse('2026-01-12T10:59:59.000Z'));
    // The next page comes after the hour turned: the listing keeps its start.
    expect(lookupStartTime(mocked, Date.parse('2026-01-12T11:00:01.000Z'))).toBe(first);
  });

  it('events are observations: never reconciled as deleted', () => {
    expect(eventType.appendOnly).toBe(true);
    expect(eventType.volatileFields).toEqual([]);
  });
});
