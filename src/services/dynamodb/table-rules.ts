import type { TapRule } from '../rule';

/** TablePitrOff: without point-in-time recovery a table cannot be restored to any moment of the last 35 days. Unknown (denied) is not off. */
export const tablePitrOffRule: TapRule = {
  name: 'TablePitrOff',
  resourceType: 'DynamoDB.Table',
  eventClass: 'AWS_DYNAMODB',
  evaluate: (record) => (record.data.point_in_time_recovery === false
    ? [{
      severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: record.tags.Role ?? null,
      text: `MINOR – DynamoDB table ${record.id} has point-in-time recovery disabled`,
    }]
    : []),
  clearText: (typeNames) => `OK – DynamoDB table ${typeNames[0]?.name ?? ''} has point-in-time recovery enabled or was deleted`,
};
