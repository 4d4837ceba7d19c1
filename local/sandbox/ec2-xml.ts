/**
 * EC2's XML (query protocol, API version 2016-11-15): which element each SDK member is written
 * as. Element names come from the SDK's own model (`ec2QueryName`/`xmlName`), e.g. an instance's
 * `State` is `<instanceState>` and its `PublicIpAddress` is `<ipAddress>`.
 */
import { escapeXml, listOf, scalar, structure, xml, type Field, type XmlOut } from './xml';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const TAG = structure([['Key', 'key'], ['Value', 'value']]);
export const TAG_SET = listOf(TAG);
const GROUP_IDENTIFIER = structure([['GroupId', 'groupId'], ['GroupName', 'groupName']]);
const GROUP_SET = listOf(GROUP_IDENTIFIER);
const PRODUCT_CODES = listOf(structure([['ProductCodeId', 'productCode'], ['ProductCodeType', 'type']]));
const STATE = structure([['Code', 'code'], ['Name', 'name']]);
const STATE_REASON = structure([['Code', 'code'], ['Message', 'message']]);

export const INSTANCE_BLOCK_DEVICE = structure([
  ['DeviceName', 'deviceName'],
  ['Ebs', 'ebs', structure([['AttachTime', 'attachTime'], ['DeleteOnTermination', 'deleteOnTermination'], ['Status', 'status'], ['VolumeId', 'volumeId']])],
]);

const INSTANCE_ENI_ASSOCIATION = structure([['IpOwnerId', 'ipOwnerId'], ['PublicDnsName', 'publicDnsName'], ['PublicIp', 'publicIp']]);
const INSTANCE_NETWORK_INTERFACE = structure([
  ['Association', 'association', INSTANCE_ENI_ASSOCIATION],
  ['Attachment', 'attachment', structure([
    ['AttachTime', 'attachTime'], ['AttachmentId', 'attachmentId'], ['DeleteOnTermination', 'deleteOnTermination'],
    ['DeviceIndex', 'deviceIndex'], ['Status', 'status'], ['NetworkCardIndex', 'networkCardIndex'],
  ])],
  ['Description', 'description'],
  ['Groups', 'groupSet', GROUP_SET],
  ['Ipv6Addresses', 'ipv6AddressesSet', listOf(structure([['Ipv6Address', 'ipv6Address']]))],
  ['MacAddress', 'macAddress'],
  ['NetworkInterfaceId', 'networkInterfaceId'],
  ['OwnerId', 'ownerId'],
  ['PrivateDnsName', 'privateDnsName'],
  ['PrivateIpAddress', 'privateIpAddress'],
  ['PrivateIpAddresses', 'privateIpAddressesSet', listOf(structure([
    ['Association', 'association', INSTANCE_ENI_ASSOCIATION], ['Primary', 'primary'], ['PrivateDnsName', 'privateDnsName'], ['PrivateIpAddress', 'privateIpAddress'],
  ]))],
  ['SourceDestCheck', 'sourceDestCheck'],
  ['Status', 'status'],
  ['SubnetId', 'subnetId'],
  ['VpcId', 'vpcId'],
  ['InterfaceType', 'interfaceType'],
]);

const INSTANCE_FIELDS: readonly Field[] = [
  ['InstanceId', 'instanceId'],
  ['ImageId', 'imageId'],
  ['State', 'instanceState', STATE],
  ['PrivateDnsName', 'privateDnsName'],
  ['PublicDnsName', 'dnsName'],
  ['StateTransitionReason', 'reason'],
  ['KeyName', 'keyName'],
  ['AmiLaunchIndex', 'amiLaunchIndex'],
  ['ProductCodes', 'productCodes', PRODUCT_CODES],
  ['InstanceType', 'instanceType'],
  ['LaunchTime', 'launchTime'],
  ['Placement', 'placement', structure([['AvailabilityZoneId', 'availabilityZoneId'], ['AvailabilityZone', 'availabilityZone'], ['GroupName', 'groupName'], ['Tenancy', 'tenancy']])],
  ['Monitoring', 'monitoring', structure([['State', 'state']])],
  ['SubnetId', 'subnetId'],
  ['VpcId', 'vpcId'],
  ['PrivateIpAddress', 'privateIpAddress'],
  ['PublicIpAddress', 'ipAddress'],
  ['SourceDestCheck', 'sourceDestCheck'],
  ['SecurityGroups', 'groupSet', GROUP_SET],
  ['StateReason', 'stateReason', STATE_REASON],
  ['Architecture', 'architecture'],
  ['RootDeviceType', 'rootDeviceType'],
  ['RootDeviceName', 'rootDeviceName'],
  ['BlockDeviceMappings', 'blockDeviceMapping', listOf(INSTANCE_BLOCK_DEVICE)],
  ['VirtualizationType', 'virtualizationType'],
  ['ClientToken', 'clientToken'],
  ['Tags', 'tagSet', TAG_SET],
  ['Hypervisor', 'hypervisor'],
  ['NetworkInterfaces', 'networkInterfaceSet', listOf(INSTANCE_NETWORK_INTERFACE)],
  ['EbsOptimized', 'ebsOptimized'],
  ['EnaSupport', 'enaSupport'],
  ['CpuOptions', 'cpuOptions', structure([['CoreCount', 'coreCount'], ['ThreadsPerCore', 'threadsPerCore']])],
  ['CapacityReservationSpecification', 'capacityReservationSpecification', structure([['CapacityReservationPreference', 'capacityReservationPreference']])],
  ['HibernationOptions', 'hibernationOptions', structure([['Configured', 'configured']])],
  ['MetadataOptions', 'metadataOptions', structure([
    ['State', 'state'], ['HttpTokens', 'httpTokens'], ['HttpPutResponseHopLimit', 'httpPutResponseHopLimit'], ['HttpEndpoint', 'httpEndpoint'],
    ['HttpProtocolIpv6', 'httpProtocolIpv6'], ['InstanceMetadataTags', 'instanceMetadataTags'],
  ])],
  ['EnclaveOptions', 'enclaveOptions', structure([['Enabled', 'enabled']])],
  ['BootMode', 'bootMode'],
  ['PlatformDetails', 'platformDetails'],
  ['UsageOperation', 'usageOperation'],
  ['UsageOperationUpdateTime', 'usageOperationUpdateTime'],
  ['PrivateDnsNameOptions', 'privateDnsNameOptions', structure([
    ['HostnameType', 'hostnameType'], ['EnableResourceNameDnsARecord', 'enableResourceNameDnsARecord'], ['EnableResourceNameDnsAAAARecord', 'enableResourceNameDnsAAAARecord'],
  ])],
  ['MaintenanceOptions', 'maintenanceOptions', structure([['AutoRecovery', 'autoRecovery']])],
  ['CurrentInstanceBootMode', 'currentInstanceBootMode'],
];

export const INSTANCE = structure(INSTANCE_FIELDS);

export const RESERVATION = structure([
  ['ReservationId', 'reservationId'],
  ['OwnerId', 'ownerId'],
  ['Groups', 'groupSet', GROUP_SET],
  ['Instances', 'instancesSet', listOf(INSTANCE)],
]);

const STATUS_SUMMARY = structure([
  ['Status', 'status'],
  ['Details', 'details', listOf(structure([['Name', 'name'], ['Status', 'status'], ['ImpairedSince', 'impairedSince']]))],
]);

export const INSTANCE_STATUS = structure([
  ['InstanceId', 'instanceId'],
  ['AvailabilityZone', 'availabilityZone'],
  ['AvailabilityZoneId', 'availabilityZoneId'],
  ['Events', 'eventsSet', listOf(structure([['Code', 'code'], ['Description', 'description'], ['NotBefore', 'notBefore'], ['NotAfter', 'notAfter']]))],
  ['InstanceState', 'instanceState', STATE],
  ['InstanceStatus', 'instanceStatus', STATUS_SUMMARY],
  ['SystemStatus', 'systemStatus', STATUS_SUMMARY],
  ['AttachedEbsStatus', 'attachedEbsStatus', STATUS_SUMMARY],
]);

export const VOLUME = structure([
  ['VolumeId', 'volumeId'],
  ['Size', 'size'],
  ['SnapshotId', 'snapshotId'],
  ['AvailabilityZone', 'availabilityZone'],
  ['AvailabilityZoneId', 'availabilityZoneId'],
  ['State', 'status'],
  ['CreateTime', 'createTime'],
  ['Attachments', 'attachmentSet', listOf(structure([
    ['VolumeId', 'volumeId'], ['InstanceId', 'instanceId'], ['Device', 'device'], ['State', 'status'], ['AttachTime', 'attachTime'],
    ['DeleteOnTermination', 'deleteOnTermination'],
  ]))],
  ['Tags', 'tagSet', TAG_SET],
  ['VolumeType', 'volumeType'],
  ['Iops', 'iops'],
  ['Throughput', 'throughput'],
  ['Encrypted', 'encrypted'],
  ['KmsKeyId', 'kmsKeyId'],
  ['MultiAttachEnabled', 'multiAttachEnabled'],
]);

export const SNAPSHOT = structure([
  ['SnapshotId', 'snapshotId'],
  ['VolumeId', 'volumeId'],
  ['State', 'status'],
  ['StartTime', 'startTime'],
  ['Progress', 'progress'],
  ['OwnerId', 'ownerId'],
  ['Description', 'description'],
  ['VolumeSize', 'volumeSize'],
  ['Encrypted', 'encrypted'],
  ['KmsKeyId', 'kmsKeyId'],
  ['StorageTier', 'storageTier'],
  ['Tags', 'tagSet', TAG_SET],
]);

export const IMAGE = structure([
  ['ImageId', 'imageId'],
  ['ImageLocation', 'imageLocation'],
  ['State', 'imageState'],
  ['OwnerId', 'imageOwnerId'],
  ['CreationDate', 'creationDate'],
  ['Public', 'isPublic'],
  ['ProductCodes', 'productCodes', PRODUCT_CODES],
  ['Architecture', 'architecture'],
  ['ImageType', 'imageType'],
  ['ImageOwnerAlias', 'imageOwnerAlias'],
  ['Name', 'name'],
  ['Description', 'description'],
  ['RootDeviceType', 'rootDeviceType'],
  ['RootDeviceName', 'rootDeviceName'],
  ['BlockDeviceMappings', 'blockDeviceMapping', listOf(structure([
    ['DeviceName', 'deviceName'],
    ['Ebs', 'ebs', structure([
      ['SnapshotId', 'snapshotId'], ['VolumeSize', 'volumeSize'], ['DeleteOnTermination', 'deleteOnTermination'], ['VolumeType', 'volumeType'], ['Encrypted', 'encrypted'],
    ])],
  ]))],
  ['VirtualizationType', 'virtualizationType'],
  ['Tags', 'tagSet', TAG_SET],
  ['Hypervisor', 'hypervisor'],
  ['EnaSupport', 'enaSupport'],
  ['SriovNetSupport', 'sriovNetSupport'],
  ['PlatformDetails', 'platformDetails'],
  ['UsageOperation', 'usageOperation'],
  ['BootMode', 'bootMode'],
  ['ImdsSupport', 'imdsSupport'],
]);

export const VPC = structure([
  ['VpcId', 'vpcId'],
  ['OwnerId', 'ownerId'],
  ['State', 'state'],
  ['CidrBlock', 'cidrBlock'],
  ['CidrBlockAssociationSet', 'cidrBlockAssociationSet', listOf(structure([
    ['AssociationId', 'associationId'], ['CidrBlock', 'cidrBlock'], ['CidrBlockState', 'cidrBlockState', structure([['State', 'state']])],
  ]))],
  ['DhcpOptionsId', 'dhcpOptionsId'],
  ['Tags', 'tagSet', TAG_SET],
  ['InstanceTenancy', 'instanceTenancy'],
  ['IsDefault', 'isDefault'],
]);

export const SUBNET = structure([
  ['SubnetId', 'subnetId'],
  ['SubnetArn', 'subnetArn'],
  ['State', 'state'],
  ['OwnerId', 'ownerId'],
  ['VpcId', 'vpcId'],
  ['CidrBlock', 'cidrBlock'],
  ['Ipv6CidrBlockAssociationSet', 'ipv6CidrBlockAssociationSet', listOf(structure([['AssociationId', 'associationId'], ['Ipv6CidrBlock', 'ipv6CidrBlock']]))],
  ['AvailableIpAddressCount', 'availableIpAddressCount'],
  ['AvailabilityZone', 'availabilityZone'],
  ['AvailabilityZoneId', 'availabilityZoneId'],
  ['DefaultForAz', 'defaultForAz'],
  ['MapPublicIpOnLaunch', 'mapPublicIpOnLaunch'],
  ['MapCustomerOwnedIpOnLaunch', 'mapCustomerOwnedIpOnLaunch'],
  ['AssignIpv6AddressOnCreation', 'assignIpv6AddressOnCreation'],
  ['EnableDns64', 'enableDns64'],
  ['Ipv6Native', 'ipv6Native'],
  ['PrivateDnsNameOptionsOnLaunch', 'privateDnsNameOptionsOnLaunch', structure([
    ['HostnameType', 'hostnameType'], ['EnableResourceNameDnsARecord', 'enableResourceNameDnsARecord'], ['EnableResourceNameDnsAAAARecord', 'enableResourceNameDnsAAAARecord'],
  ])],
  ['Tags', 'tagSet', TAG_SET],
]);

const IP_PERMISSIONS = listOf(structure([
  ['IpProtocol', 'ipProtocol'],
  ['FromPort', 'fromPort'],
  ['ToPort', 'toPort'],
  ['UserIdGroupPairs', 'groups', listOf(structure([['UserId', 'userId'], ['GroupId', 'groupId'], ['GroupName', 'groupName'], ['Description', 'description']]))],
  ['IpRanges', 'ipRanges', listOf(structure([['CidrIp', 'cidrIp'], ['Description', 'description']]))],
  ['Ipv6Ranges', 'ipv6Ranges', listOf(structure([['CidrIpv6', 'cidrIpv6'], ['Description', 'description']]))],
  ['PrefixListIds', 'prefixListIds', listOf(structure([['PrefixListId', 'prefixListId'], ['Description', 'description']]))],
]));

export const SECURITY_GROUP = structure([
  ['OwnerId', 'ownerId'],
  ['GroupId', 'groupId'],
  ['GroupName', 'groupName'],
  ['Description', 'groupDescription'],
  ['IpPermissions', 'ipPermissions', IP_PERMISSIONS],
  ['IpPermissionsEgress', 'ipPermissionsEgress', IP_PERMISSIONS],
  ['VpcId', 'vpcId'],
  ['SecurityGroupArn', 'securityGroupArn'],
  ['Tags', 'tagSet', TAG_SET],
]);

const ENI_ASSOCIATION = structure([
  ['AllocationId', 'allocationId'], ['AssociationId', 'associationId'], ['IpOwnerId', 'ipOwnerId'], ['PublicDnsName', 'publicDnsName'], ['PublicIp', 'publicIp'],
]);

export const NETWORK_INTERFACE = structure([
  ['NetworkInterfaceId', 'networkInterfaceId'],
  ['SubnetId', 'subnetId'],
  ['VpcId', 'vpcId'],
  ['AvailabilityZone', 'availabilityZone'],
  ['AvailabilityZoneId', 'availabilityZoneId'],
  ['Description', 'description'],
  ['OwnerId', 'ownerId'],
  ['RequesterManaged', 'requesterManaged'],
  ['Status', 'status'],
  ['MacAddress', 'macAddress'],
  ['PrivateIpAddress', 'privateIpAddress'],
  ['PrivateDnsName', 'privateDnsName'],
  ['PublicDnsName', 'publicDnsName'],
  ['SourceDestCheck', 'sourceDestCheck'],
  ['Groups', 'groupSet', GROUP_SET],
  ['Attachment', 'attachment', structure([
    ['AttachmentId', 'attachmentId'], ['InstanceId', 'instanceId'], ['InstanceOwnerId', 'instanceOwnerId'], ['DeviceIndex', 'deviceIndex'],
    ['NetworkCardIndex', 'networkCardIndex'], ['Status', 'status'], ['AttachTime', 'attachTime'], ['DeleteOnTermination', 'deleteOnTermination'],
  ])],
  ['Association', 'association', ENI_ASSOCIATION],
  ['TagSet', 'tagSet', TAG_SET],
  ['PrivateIpAddresses', 'privateIpAddressesSet', listOf(structure([
    ['PrivateIpAddress', 'privateIpAddress'], ['PrivateDnsName', 'privateDnsName'], ['Primary', 'primary'], ['Association', 'association', ENI_ASSOCIATION],
  ]))],
  ['Ipv6Addresses', 'ipv6AddressesSet', listOf(structure([['Ipv6Address', 'ipv6Address']]))],
  ['InterfaceType', 'interfaceType'],
]);

export const ADDRESS = structure([
  ['PublicIp', 'publicIp'],
  ['AllocationId', 'allocationId'],
  ['Domain', 'domain'],
  ['InstanceId', 'instanceId'],
  ['AssociationId', 'associationId'],
  ['NetworkInterfaceId', 'networkInterfaceId'],
  ['NetworkInterfaceOwnerId', 'networkInterfaceOwnerId'],
  ['PrivateIpAddress', 'privateIpAddress'],
  ['Tags', 'tagSet', TAG_SET],
  ['PublicIpv4Pool', 'publicIpv4Pool'],
  ['NetworkBorderGroup', 'networkBorderGroup'],
]);

export const REGION = structure([['RegionName', 'regionName'], ['Endpoint', 'regionEndpoint'], ['OptInStatus', 'optInStatus']]);

export const AVAILABILITY_ZONE = structure([
  ['ZoneName', 'zoneName'],
  ['State', 'zoneState'],
  ['RegionName', 'regionName'],
  ['ZoneId', 'zoneId'],
  ['GroupName', 'groupName'],
  ['NetworkBorderGroup', 'networkBorderGroup'],
  ['ZoneType', 'zoneType'],
  ['OptInStatus', 'optInStatus'],
  ['Messages', 'messageSet', listOf(structure([['Message', 'message']]))],
]);

export const ATTRIBUTE_VALUE = structure([['Value', 'value']]);
export { GROUP_SET, PRODUCT_CODES, listOf, scalar };

/** A whole EC2 response document; `writeBody` appends what follows `<requestId>`. */
export function ec2Response(action: string, requestId: string, writeBody: (out: XmlOut) => void): string {
  return xml((out) => {
    out.push(`<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}"><requestId>${requestId}</requestId>`);
    writeBody(out);
    out.push(`</${action}Response>`);
  });
}

export function ec2ErrorResponse(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
