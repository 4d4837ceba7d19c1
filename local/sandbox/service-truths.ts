import type { ServiceTruth } from './service-truth';
import { s3Truth } from './truth/s3';
import { kmsTruth } from './truth/kms';
import { rdsTruth } from './truth/rds';
import { dynamoDbTruth } from './truth/dynamodb';
import { iamTruth } from './truth/iam';
import { lambdaTruth } from './truth/lambda';
import { elbv2Truth } from './truth/elbv2';
import { autoScalingTruth } from './truth/autoscaling';

/** The truth of every service added as a plugin: one import and one entry per service. */
export const SERVICE_TRUTHS: readonly ServiceTruth[] = [
  s3Truth,
  kmsTruth,
  rdsTruth,
  dynamoDbTruth,
  iamTruth,
  lambdaTruth,
  elbv2Truth,
  autoScalingTruth,
];
