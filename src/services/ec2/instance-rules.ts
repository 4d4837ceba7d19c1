import type { TapRule } from '../rule';
import { serverId } from '../rule';

/** InstanceState: a stopped instance is a WARNING; running again clears it (OK). */
export const instanceStateRule: TapRule = {
  name: 'InstanceState',
  resourceType: 'EC2.Instance',
  eventClass: 'AWS_EC2',
  evaluate(record) {
    const role = typeof record.data.role === 'string' ? record.data.role : null;
    const pinpoint = [{ type: 'ID', name: serverId(role, record.id) }];
    if (record.data.state === 'stopped') {
      return [{ severity: 2, typeNames: pinpoint, group: role, text: `WARNING – instance ${record.id}${role ? ` (${role})` : ''} is stopped` }];
    }
    if (record.data.impaired === true) {
      return [{ severity: 2, typeNames: pinpoint, group: role, text: `WARNING – instance ${record.id}${role ? ` (${role})` : ''} is impaired` }];
    }
    return [];
  },
  clearText: (typeNames) => `OK – instance ${typeNames[0]?.name ?? ''} is running`,
};
