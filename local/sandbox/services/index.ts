/**
 * The service modules the sandbox answers besides EC2, CloudTrail and STS: one import and one entry per service.
 * A module imports only types from ../spec (spec.ts reads this list to validate `fail=` rules; see ../README.md).
 */
import type { SandboxServiceModule } from '../service-module';
import { s3Module } from './s3';
import { kmsModule } from './kms';
import { rdsModule } from './rds';
import { dynamoDbModule } from './dynamodb';
import { iamModule } from './iam';
import { lambdaModule } from './lambda';
import { elbv2Module } from './elbv2';
import { autoScalingModule } from './autoscaling';
import { organizationsModule } from './organizations';
import { cloudWatchModule } from './cloudwatch';
import { snsModule } from './sns';
import { eventBridgeModule } from './eventbridge';

export const SANDBOX_SERVICE_MODULES: readonly SandboxServiceModule[] = [
  s3Module,
  kmsModule,
  rdsModule,
  dynamoDbModule,
  iamModule,
  lambdaModule,
  elbv2Module,
  autoScalingModule,
  organizationsModule,
  cloudWatchModule,
  snsModule,
  eventBridgeModule,
];
