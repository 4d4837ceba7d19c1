import { afterEach, describe, expect, it } from '@jest/globals';
import {
  DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, KMSServiceException, ListAliasesCommand, ListKeysCommand, ListResourceTagsCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, typeActions, type CollectContext, type CollectWarning, type ResourceRecord } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { keyType, preprocessKey, applyKeyMetadata } from '../../src/services/kms/key';
import { keyIdOf } from '../../src/services/arn';
import { keyPendingDeletionRule, keyRotationDisabledRule } from '../../src/services/kms/key-rules';
import { kmsService } from '../../src/services/kms';

const ID = '0a1b2c3d-1111-2222-3333-444455556666';
const ARN = `arn:aws:kms:eu-west-1:111111111111:key/${ID}`;
const AWS_KEY_ID = '9f8e7d6c-0000-1111-2222-333344445555';

/** DescribeKey's metadata of an enabled customer managed symmetric key. */
const customerKey: KeyMetadata = {
  AWSAccountId: '111111111111', KeyId: ID, Arn: ARN, CreationDate: new Date('2025-06-01T10:00:00.000Z'), Enabled: true,
  Description: 'app data', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER',
  KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', MultiRegion: false,
};
const awsKey: KeyMetadata = { ...customerKey, KeyId: AWS_KEY_ID, Arn: `arn:aws:kms:eu-west-1:111111111111:key/${AWS_KEY_ID}`, KeyManager: 'AWS', Description: '' };

function awsError(name: string, status = 400): KMSServiceException {
  return new KMSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} (test)` });
}

let stub: AwsClientStub<KMSClient> | undefined;
afterEach(() => stub?.restore());

function kmsContext() {
  const client = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  stub = mockClient(client);
  const warnings: CollectWarning[] = [];
  const context: CollectContext = {
    accountId: '111111111111', region: 'eu-west-1', clients: { sts: undefined as never, get: <C>() => client as C }, warn: (w) => warnings.push(w),
  };
  return { context, kms: stub, warnings };
}

/** A region with one customer key (rotation on, tagged, two aliases) and one AWS managed key. */
function answerRegion(kms: AwsClientStub<KMSClient>): void {
  kms.on(ListAliasesCommand).resolves({
    Aliases: [
      { AliasName: 'alias/app-data', TargetKeyId: ID }, { AliasName: 'alias/aws/s3', TargetKeyId: AWS_KEY_ID },
      { AliasName: 'alias/aws/dynamodb' }, { AliasName: 'alias/app-old', TargetKeyId: ID },
    ],
    Truncated: false,
  });
  kms.on(DescribeKeyCommand, { KeyId: ID }).resolves({ KeyMetadata: customerKey });
  kms.on(DescribeKeyCommand, { KeyId: AWS_KEY_ID }).resolves({ KeyMetadata: awsKey });
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365, NextRotationDate: new Date('2026-06-01T10:00:00.000Z') });
  kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: 'Role', TagValue: 'database' }], Truncated: false });
}

async function enrich(records: ResourceRecord[], context: CollectContext): Promise<ResourceRecord[]> {
  for (const enrichment of enrichmentsOf(keyType)) await enrichment.apply(records, context);
  return records;
}

const listed = (context: CollectContext) => [preprocessKey({ KeyId: ID, KeyArn: ARN }, context), preprocessKey({ KeyId: AWS_KEY_ID }, context)];

function keyRecord(metadata: KeyMetadata, data: Record<string, unknown> = {}, tags: Record<string, string> = {}): ResourceRecord {
  const record = preprocessKey({ KeyId: metadata.KeyId, KeyArn: metadata.Arn }, { accountId: '111111111111', region: 'eu-west-1' });
  applyKeyMetadata(record, metadata);
  Object.assign(record.data, { aliases: ['alias/app-data'], rotation_enabled: true, ...data });
  record.name = 'alias/app-data';
  record.tags = tags;
  return record;
}

describe('KMS.Key listing and preprocess', () => {
  it('keys the record by key id; everything but the id waits for the enrichments', () => {
    expect(preprocessKey({ KeyId: ID, KeyArn: ARN }, { accountId: '111111111111', region: 'eu-west-1' })).toEqual({
      id: ID, arn: ARN, tags: {},
      data: {
        key_id: ID, aliases: null, description: null, key_state: null, enabled: null, key_manager: null, key_spec: null, key_usage: null,
        origin: null, creation_date: null, deletion_date: null, pending_deletion_window_in_days: null, multi_region: null,
        rotation_enabled: null, rotation_period_in_days: null, next_rotation_date: null,
      },
    });
  });

  it('is listed 1000 at a time with Marker while Truncated, the largest page ListKeys allows', async () => {
    const { context, kms } = kmsContext();
    kms.on(ListKeysCommand).resolvesOnce({ Keys: [{ KeyId: ID }], NextMarker: 'm2', Truncated: true }).resolvesOnce({ Keys: [{ KeyId: AWS_KEY_ID }], NextMarker: 'ignored', Truncated: false });
    const pages: unknown[][] = [];
    for await (const page of listPages(keyType.list as NonNullable<typeof keyType.list>, context.clients)) pages.push(page);
    expect(pages.flat()).toEqual([{ KeyId: ID }, { KeyId: AWS_KEY_ID }]);
    expect(kms.commandCalls(ListKeysCommand).map((call) => call.args[0].input)).toEqual([{ Limit: 1000, Marker: undefined }, { Limit: 1000, Marker: 'm2' }]);
  });
});

describe('KMS.Key enrichment', () => {
  it('attaches aliases from one ListAliases listing, and describes, rotation-checks and tags customer keys only', async () => {
    const { context, kms } = kmsContext();
    answerRegion(kms);
    const [customer, managed] = await enrich(listed(context), context);
    expect(customer).toMatchObject({
      id: ID, name: 'alias/app-data', tags: { Role: 'database' },
      data: {
        aliases: ['alias/app-data', 'alias/app-old'], key_state: 'Enabled', key_manager: 'CUSTOMER', key_spec: 'SYMMETRIC_DEFAULT', key_usage: 'ENCRYPT_DECRYPT',
        origin: 'AWS_KMS', enabled: true, description: 'app data', creation_date: '2025-06-01T10:00:00.000Z', deletion_date: null,
        rotation_enabled: true, rotation_period_in_days: 365, next_rotation_date: '2026-06-01T10:00:00.000Z',
      },
    });
    expect(managed).toMatchObject({ name: 'alias/aws/s3', tags: {}, data: { key_manager: 'AWS', rotation_enabled: true, description: null } });
    expect(kms.commandCalls(ListAliasesCommand).map((call) => call.args[0].input)).toEqual([{ Limit: 100, Marker: undefined }]);
    expect(kms.commandCalls(GetKeyRotationStatusCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: ID }]);
    expect(kms.commandCalls(ListResourceTagsCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: ID, Limit: 50, Marker: undefined }]);
  });

  it('does not ask for the rotation of keys it does not apply to (asymmetric, imported)', async () => {
    const { context, kms } = kmsContext();
    answerRegion(kms);
    kms.on(DescribeKeyCommand, { KeyId: ID }).resolves({ KeyMetadata: { ...customerKey, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' } });
    const [customer] = await enrich(listed(context), context);
    expect(kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(0);
    expect(customer?.data.rotation_enabled).toBeNull();
    expect(customer?.data.unknown_fields).toBeUndefined();
  });

  it('a denied enrichment call marks the fields unknown, warns, and keeps the record', async () => {
    const { context, kms, warnings } = kmsContext();
    answerRegion(kms);
    kms.on(GetKeyRotationStatusCommand).rejects(awsError('AccessDeniedException'));
    const records = await enrich(listed(context), context);
    expect(records.map((record) => record.id)).toEqual([ID, AWS_KEY_ID]);
    expect(records[0]?.data).toMatchObject({ key_state: 'Enabled', rotation_enabled: null, unknown_fields: ['next_rotation_date', 'rotation_enabled', 'rotation_period_in_days'] });
    expect(records[0]?.tags).toEqual({ Role: 'database' });
    expect(warnings).toEqual([{ call: 'kms:GetKeyRotationStatus', code: 'AccessDeniedException', message: 'AccessDeniedException (test)', records: 1 }]);
    // Unknown rotation is no finding.
    expect(keyRotationDisabledRule.evaluate(records[0] as ResourceRecord, NO_FACTS)).toEqual([]);
  });

  it('a denied ListAliases leaves the aliases unknown on every key of the page, and the keys are still described', async () => {
    const { context, kms, warnings } = kmsContext();
    answerRegion(kms);
    kms.on(ListAliasesCommand).rejects(awsError('AccessDeniedException'));
    const records = await enrich(listed(context), context);
    expect(records.map((record) => [record.data.aliases, record.data.unknown_fields, record.data.key_state])).toEqual([
      [null, ['aliases'], 'Enabled'], [null, ['aliases'], 'Enabled'],
    ]);
    expect(warnings).toEqual([{ call: 'kms:ListAliases', code: 'AccessDeniedException', message: 'AccessDeniedException (test)', records: 2 }]);
  });

  it('a throttled call fails the enrichment, so that the listing is retried', async () => {
    const { context, kms, warnings } = kmsContext();
    answerRegion(kms);
    kms.on(DescribeKeyCommand, { KeyId: ID }).rejects(awsError('ThrottlingException'));
    await expect(enrich(listed(context), context)).rejects.toThrow('ThrottlingException');
    expect(warnings).toEqual([]);
  });

  it('a key a real-time refresh described already is not described again', async () => {
    const { context, kms } = kmsContext();
    answerRegion(kms);
    const fetched = await keyType.describe?.fetch?.([ID], context);
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    const records = await enrich((fetched ?? []).map((raw) => keyType.preprocess(raw, context)), context);
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    expect(records[0]?.data).toMatchObject({ key_state: 'Enabled', rotation_enabled: true });
  });

  it('declares DescribeKey, GetKeyRotationStatus and ListResourceTags per-resource, refreshed at least daily', () => {
    const [aliases, details] = enrichmentsOf(keyType);
    expect(aliases?.perResource).toBeUndefined();
    expect(details?.perResource).toMatchObject({ maxAgeHours: 24 });
    expect(details?.perResource?.fields).toEqual(expect.arrayContaining(['key_state', 'deletion_date', 'rotation_enabled', 'tags']));
    expect(typeActions(keyType)).toEqual(['kms:ListKeys', 'kms:ListAliases', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags']);
  });
});

describe('KMS real-time refresh', () => {
  it('describe.fetch returns the keys that exist, described, and drops deleted ones', async () => {
    const { context, kms } = kmsContext();
    kms.on(DescribeKeyCommand, { KeyId: ID }).resolves({ KeyMetadata: { ...customerKey, KeyState: 'PendingDeletion' } });
    kms.on(DescribeKeyCommand, { KeyId: 'gone' }).rejects(awsError('NotFoundException'));
    expect(await keyType.describe?.fetch?.([ID, 'gone'], context)).toEqual([{ KeyId: ID, KeyArn: ARN, KeyMetadata: { ...customerKey, KeyState: 'PendingDeletion' } }]);
  });

  it('an API call names its key by CloudTrail resources, request keyId (id or ARN) or the created key', () => {
    const named = kmsService.realtime?.resourcesInApiCall;
    expect(named?.({ eventName: 'ScheduleKeyDeletion', requestParameters: { keyId: ARN, pendingWindowInDays: 7 }, resources: [{ ARN, type: 'AWS::KMS::Key' }] }))
      .toEqual([{ type: 'KMS.Key', ids: [ID] }]);
    expect(named?.({ eventName: 'CreateKey', requestParameters: {}, responseElements: { keyMetadata: { keyId: ID } } })).toEqual([{ type: 'KMS.Key', ids: [ID] }]);
    expect(named?.({ eventName: 'DisableKeyRotation', requestParameters: { keyId: 'alias/app' } })).toEqual([]);
  });

  it('keyIdOf reads key ids from key ARNs and ids, never from aliases', () => {
    expect([keyIdOf(ARN), keyIdOf(ID), keyIdOf('mrk-1234'), keyIdOf('alias/x'), keyIdOf('arn:aws:kms:eu-west-1:1:alias/x'), keyIdOf(null)])
      .toEqual([ID, ID, 'mrk-1234', null, null, null]);
  });
});

describe('KMS rules', () => {
  it('KeyRotationDisabled: an enabled customer symmetric key without rotation is MINOR, grouped by its Role tag', () => {
    expect(keyRotationDisabledRule.evaluate(keyRecord(customerKey, { rotation_enabled: false }, { Role: 'database' }), NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: ID }], group: 'database',
      text: `MINOR – key ${ID} (alias/app-data) has automatic key rotation disabled`,
    }]);
  });

  it('KeyRotationDisabled: AWS managed, asymmetric, disabled or rotating keys are no finding', () => {
    expect(keyRotationDisabledRule.evaluate(keyRecord(awsKey, { rotation_enabled: false }), NO_FACTS)).toEqual([]);
    expect(keyRotationDisabledRule.evaluate(keyRecord({ ...customerKey, KeySpec: 'RSA_2048' }, { rotation_enabled: false }), NO_FACTS)).toEqual([]);
    expect(keyRotationDisabledRule.evaluate(keyRecord({ ...customerKey, KeyState: 'Disabled' }, { rotation_enabled: false }), NO_FACTS)).toEqual([]);
    expect(keyRotationDisabledRule.evaluate(keyRecord(customerKey, { rotation_enabled: true }), NO_FACTS)).toEqual([]);
  });

  it('KeyPendingDeletion: a key scheduled for deletion is a WARNING naming the date', () => {
    const pending = keyRecord({ ...customerKey, KeyState: 'PendingDeletion', Enabled: false, DeletionDate: new Date('2026-02-01T00:00:00.000Z') });
    expect(keyPendingDeletionRule.evaluate(pending, NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: ID }], group: null,
      text: `WARNING – key ${ID} (alias/app-data) is scheduled for deletion on 2026-02-01T00:00:00.000Z`,
    }]);
    expect(keyPendingDeletionRule.evaluate(keyRecord(customerKey), NO_FACTS)).toEqual([]);
    expect(keyPendingDeletionRule.clearText([{ type: 'ID', name: ID }])).toBe(`OK – key ${ID} is no longer pending deletion`);
  });
});
