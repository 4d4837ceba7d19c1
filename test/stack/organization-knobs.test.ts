import { describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { ContextKnobError, readCollectorDeployment, readDeployment } from '../../lib/stacks/context-knobs';
import { CDK_JSON_CONTEXT } from './collector-fixture';

const ORG = { organization: true, organizationId: 'o-a1b2c3d4e5' };

function read(context: Record<string, unknown>) {
  return readDeployment(new App({ context: { ...CDK_JSON_CONTEXT, ...context } }).node);
}

describe('the organization knobs', () => {
  it('deploy the collector alone when none is set, as before', () => {
    const deployment = read({});
    expect(deployment).toEqual({ collector: readCollectorDeployment(new App({ context: CDK_JSON_CONTEXT }).node) });
    expect(deployment.collector.props.organization).toBeUndefined();
    expect(readDeployment(new App().node)).toEqual(deployment);
  });

  it('turn the whole organization on with organization=true and its id, through the member role cloudtap-member', () => {
    expect(read({ organization: 'true', organizationId: ' o-a1b2c3d4e5 ' }).collector.props).toMatchObject({
      organization: { id: 'o-a1b2c3d4e5' }, memberRoleName: 'cloudtap-member',
    });
    expect(read({ organization: 'false', organizationId: 'o-a1b2c3d4e5' }).collector.props.organization).toBeUndefined();
  });

  it('take OUs to include and accounts to exclude as an object, or as the JSON string -c passes', () => {
    const selection = { include: ['ou-ab12-cdef3456', 'r-ab12', '111111111111'], exclude: ['222222222222'] };
    expect(read({ ...ORG, organization: selection }).collector.props.organization).toEqual({ id: 'o-a1b2c3d4e5', ...selection });
    expect(read({ ...ORG, organization: JSON.stringify(selection) }).collector.props.organization).toEqual({ id: 'o-a1b2c3d4e5', ...selection });
  });

  it('take the member role\'s name and external id', () => {
    expect(read({ ...ORG, memberRoleName: 'inventory-reader', memberExternalId: 'cloudtap-ext-1' }).collector.props).toMatchObject({
      memberRoleName: 'inventory-reader', memberExternalId: 'cloudtap-ext-1',
    });
  });

  it('add the member stack with memberStack=true, its collector account the parameter\'s default', () => {
    expect(read({ memberStack: 'true', collectorAccountId: '111111111111', memberExternalId: 'ext-42' }).member).toEqual({
      stackName: 'CloudtapMemberRole',
      props: { collectorStackName: 'Cloudtap', roleName: 'cloudtap-member', realtime: true, externalId: 'ext-42', collectorAccountId: '111111111111' },
    });
    expect(read({ stackName: 'Inventory', memberStack: true, realtime: false }).member).toEqual({
      stackName: 'InventoryMemberRole', props: { collectorStackName: 'Inventory', roleName: 'cloudtap-member', realtime: false },
    });
  });

  it('add the StackSet stack with organizationUnits, deduplicated, called as SELF unless told otherwise', () => {
    expect(read({ ...ORG, organizationUnits: 'ou-ab12-cdef3456, r-ab12,ou-ab12-cdef3456' }).organization).toEqual({
      stackName: 'CloudtapOrg',
      props: {
        member: { collectorStackName: 'Cloudtap', roleName: 'cloudtap-member', realtime: true },
        organizationalUnitIds: ['ou-ab12-cdef3456', 'r-ab12'],
        callAs: 'SELF',
      },
    });
    expect(read({ ...ORG, organizationUnits: ['r-ab12'], stackSetCallAs: 'DELEGATED_ADMIN', collectorAccountId: 222222222222 }).organization?.props)
      .toMatchObject({ callAs: 'DELEGATED_ADMIN', collectorAccountId: '222222222222' });
  });

  it.each([
    [{ organization: true }, 'context knob "organizationId": is missing while organization is on; give your organization\'s id, o- and 10 to 32 lowercase letters or digits'],
    [{ ...ORG, organizationId: 'o-123' }, 'context knob "organizationId": "o-123" is not an organization id; use o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5'],
    [{ ...ORG, organizationId: 'O-A1B2C3D4E5' }, 'context knob "organizationId": "O-A1B2C3D4E5" is not an organization id'],
    [{ ...ORG, organizationId: 123 }, 'context knob "organizationId": 123 is not an organization id'],
    [{ ...ORG, organization: 'yes' }, 'context knob "organization": "yes" is neither a boolean nor an object; use true for the whole organization'],
    [{ ...ORG, organization: '{"include":' }, 'context knob "organization": "{\\"include\\":" is not JSON'],
    [{ ...ORG, organization: { include: ['ou-nope'] } }, 'context knob "organization": accounts.organization.include[0]: "ou-nope" is neither an account id (12 digits) nor an OU or root id'],
    [{ ...ORG, organization: { include: [] } }, 'context knob "organization": accounts.organization.include: must name at least one OU, root or account'],
    [{ ...ORG, organization: { roleName: 'x' } }, 'context knob "organization": has "roleName", which it does not take; use true for the whole organization, false, or {"include": ["ou-ab12-cdef3456"], "exclude": ["123456789012"]}; the role\'s name and external id are the knobs memberRoleName and memberExternalId'],
    [{ ...ORG, memberRoleArns: 'arn:aws:iam::111111111111:role/cloudtap-member' }, 'context knob "memberRoleArns": is set while organization is on'],
    [{ ...ORG, memberRoleName: 'cloudtap member' }, 'context knob "memberRoleName": "cloudtap member" is not an IAM role name; use 1 to 64 letters, digits or +=,.@_-, e.g. cloudtap-member'],
    [{ ...ORG, memberRoleName: 'r'.repeat(65) }, 'context knob "memberRoleName": "rrrr'],
    [{ ...ORG, memberExternalId: 'x' }, 'context knob "memberExternalId": "x" is not an external id STS accepts; use 2 to 256 letters'],
    [{ ...ORG, organizationUnits: 'ou-ab12' }, 'context knob "organizationUnits": "ou-ab12" is not an OU or root id; use ids such as ou-ab12-cdef3456 or r-ab12'],
    [{ ...ORG, organizationUnits: '123456789012' }, 'context knob "organizationUnits": "123456789012" is not an OU or root id'],
    [{ organizationUnits: 'ou-ab12-cdef3456' }, 'context knob "organizationUnits": is set while organization is off, and the StackSet deploys the member role for organization mode; turn organization on (-c organization=true -c organizationId=o-…)'],
    [{ ...ORG, organizationUnits: 'r-ab12', stackSetCallAs: 'ADMIN' }, 'context knob "stackSetCallAs": "ADMIN" is neither SELF nor DELEGATED_ADMIN'],
    [{ memberStack: true, collectorAccountId: '1234' }, 'context knob "collectorAccountId": "1234" is not an account id; use the 12 digits of the account the collector runs in'],
    [{ memberStack: 'maybe' }, 'context knob "memberStack": "maybe" is not a boolean; use true or false'],
  ])('refuse %j, naming the knob, the problem and what to do', (context, message) => {
    expect(() => read(context)).toThrow(ContextKnobError);
    expect(() => read(context)).toThrow(message);
  });
});
