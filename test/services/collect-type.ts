import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/collect/pages';
import type { CollectContext, ResourceRecord, ResourceType } from '../../src/services/resource-type';

/** A collect context whose SDK clients answer from aws-sdk-client-mock stubs. */
export function mockedContext(overrides: Partial<Pick<CollectContext, 'since'>> = {}) {
  const clients = {
    ec2: new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }),
    cloudtrail: new CloudTrailClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }),
    sts: new STSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }),
  };
  const context: CollectContext = { accountId: '111111111111', region: 'eu-west-1', clients, ...overrides };
  return { context, ec2: mockClient(clients.ec2), cloudtrail: mockClient(clients.cloudtrail) };
}

/** What the framework does with a type in one listing: page the list call, preprocess, enrich each page. */
export async function collectType(type: ResourceType, context: CollectContext): Promise<ResourceRecord[][]> {
  const pages: ResourceRecord[][] = [];
  for await (const raws of listPages(type.list, context.clients)) {
    const records = raws.map((raw) => type.preprocess(raw, context));
    if (type.enrich) await type.enrich.apply(records, context);
    pages.push(records);
  }
  return pages;
}

/** The one record a listing returned. */
export function onlyRecord(pages: ResourceRecord[][]): ResourceRecord {
  const records = pages.flat();
  if (records.length !== 1) throw new Error(`expected one record, got ${records.length}`);
  return records[0] as ResourceRecord;
}
