/**
 * Auto Scaling (awsQuery, 2011-01-01): DescribeAutoScalingGroups over the model in autoscaling-model.ts, 100 a page
 * at most with NextToken; names that do not exist are simply not returned, as AWS does.
 */
import * as AutoScaling from '@aws-sdk/client-auto-scaling';
import { SandboxApiError } from '../api-errors';
import { awsQueryProtocol } from '../protocols/query-xml';
import type { SandboxServiceModule } from '../service-module';
import { autoScalingGroups } from './autoscaling-model';
import { pageOf, stringsIn } from './elbv2-model';

const MAX_RECORDS = 100;

export const autoScalingModule: SandboxServiceModule = {
  name: 'AutoScaling',
  signingName: 'autoscaling',
  endpointVariable: 'AWS_ENDPOINT_URL_AUTO_SCALING',
  protocol: awsQueryProtocol({ schemas: AutoScaling, version: '2011-01-01', xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/' }),
  operations: ['DescribeAutoScalingGroups'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  handle(call): AutoScaling.AutoScalingGroupsType {
    if (call.operation !== 'DescribeAutoScalingGroups') {
      throw new SandboxApiError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
    }
    const names = stringsIn(call.input.AutoScalingGroupNames);
    const groups = autoScalingGroups(call.spec, call.accountId, call.region)
      .filter((group) => !names || names.includes(group.AutoScalingGroupName ?? ''));
    const page = pageOf(groups, call, { size: call.input.MaxRecords, sizeName: 'maxRecords', max: MAX_RECORDS, token: call.input.NextToken, errorCode: 'ValidationError' });
    return { AutoScalingGroups: page.items, ...(page.next ? { NextToken: page.next } : {}) };
  },
};
