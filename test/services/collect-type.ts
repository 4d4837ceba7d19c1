import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** Clients by name, as the engine hands them to the types (`context.clients.get('ec2')`). */
export function namedClients(clients: Record<string, unknown>, region = 'eu-west-1'): AwsClients {
  const sts = new STSClient({ region, credentials });
  return {
    sts,
    get<Client>(name: string): Client {
      const client = clients[name];
      if (!client) throw new Error(`no test client named ${name}`);
      return client as Client;
    },
  };
}

/** A collect context whose SDK clients answer from aws-sdk-client-mock stubs; warnings are collected. */
export function mockedContext(overrides: Partial<Pick<CollectContext, 'since' | 'collectedAwsTypes'>> = {}) {
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials });
  const cloudtrail = new CloudTrailClient({ region: 'eu-west-1', credentials });
  const warnings: CollectWarning[] = [];
  const context: CollectContext = {
    accountId: '111111111111', region: 'eu-west-1', clients: namedClients({ ec2, cloudtrail }), warn: (w) => warnings.push(w), ...overrides,
  };
  return { context, warnings, ec2: mockClient(ec2), cloudtrail: mockClient(cloudtrail) };
}

/** What the framework does with a type in one listing: page the list call, preprocess, enrich each page. */
export async function collectType(type: ResourceType, context: CollectContext): Promise<ResourceRecord[][]> {
  if (!type.list) throw new Error('collectType pages declared list calls only');
  const pages: ResourceRecord[][] = [];
  for await (const raws of listPages(type.list, context.clients, context)) {
    const records = raws.map((raw) => type.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, context);
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
