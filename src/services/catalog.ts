import { defineResourceType, enrichmentsOf, typeActions, typeKey, type ResourceRecord, type ResourceType } from './resource-type';

/**
 * `CloudServiceType`: the metadata of every resource type, stored so that reports can render any type. An ordinary
 * declared type whose source is the registry rather than an AWS call.
 */
export function catalogType(types: () => readonly ResourceType[]): ResourceType {
  return defineResourceType<ResourceRecord, never>({
    service: 'cloudtap',
    name: 'CloudServiceType',
    key: 'CloudServiceType',
    level: 'account',
    info: {
      group: 'cloudtap',
      displayName: 'Cloud Service Type',
      labels: ['Catalog'],
      primaryFields: ['service', 'type'],
      displayFields: ['service', 'type', 'group', 'labels', 'actions'],
    },
    source: {
      actions: [],
      async *pages() {
        yield types().map(describeType);
      },
    },
    preprocess: (record) => record,
    volatileFields: [],
  });
}

function describeType(type: ResourceType): ResourceRecord {
  const key = typeKey(type);
  return {
    id: key,
    name: type.info.displayName,
    arn: `cloudtap:cloud-service-type/${key}`,
    tags: {},
    data: {
      service: type.service, type: type.name, group: type.info.group, labels: type.info.labels,
      primary_fields: type.info.primaryFields, display_fields: type.info.displayFields,
      actions: typeActions(type),
      ...(type.relations?.length ? { relations: type.relations.map((r) => ({ name: r.name, type: r.type })) } : {}),
      ...(enrichmentsOf(type).some((e) => e.perResource) ? { per_resource_calls: enrichmentsOf(type).filter((e) => e.perResource).flatMap((e) => e.actions) } : {}),
    },
  };
}
