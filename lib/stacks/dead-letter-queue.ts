import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A dead-letter queue: what a target or an asynchronous invocation could not deliver, kept for the longest SQS
 * allows so an operator has two weeks to look. SQS-managed encryption (EventBridge, SNS and Lambda can all send to
 * it without a key policy to maintain), TLS only.
 */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = 'this queue is itself a dead-letter queue: nothing reads it automatically, so a queue behind it would never receive anything; its depth has an alarm';
  Validations.of(queue).acknowledge(
    { id: 'AwsSolutions-SQS3', reason },
    { id: 'Serverless-SQSRedrivePolicy', reason },
  );
  return queue;
}
