/**
 * AWS list prices the bench's cost model uses: us-east-1, as recorded on 2026-12-01 from the services' public
 * pricing pages (aws.amazon.com/lambda/pricing, /step-functions/pricing, /dynamodb/pricing/on-demand,
 * /cloudwatch/pricing, /config/pricing). List prices only: no free tier, no savings plans, no volume tiers beyond
 * the first. Check the date before trusting a figure built on them.
 */
export const PRICES = {
  source: 'AWS public pricing pages, us-east-1 list prices as recorded on 2026-12-01 (no free tier)',
  recordedOn: '2026-12-01',
  region: 'us-east-1',
  /** Lambda, arm64: per GB-second of duration, and per request. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Step Functions standard workflows: per state transition. */
  stepFunctionsPerTransition: 0.025 / 1000,
  /** DynamoDB on-demand: per write request unit, per read request unit, per GB-month stored. */
  dynamoDbPerWriteUnit: 0.625 / 1_000_000,
  dynamoDbPerReadUnit: 0.125 / 1_000_000,
  dynamoDbPerGbMonth: 0.25,
  /** CloudWatch: per custom metric-month (the first 10,000 metrics), per GB of logs ingested. */
  cloudWatchPerMetricMonth: 0.3,
  cloudWatchLogsPerGb: 0.5,
  /** AWS Config, continuous recording: per configuration item recorded. */
  configPerItem: 0.003,
} as const;

/** Hours in the month the model bills (AWS's pricing examples use 730). */
export const HOURS_PER_MONTH = 730;
