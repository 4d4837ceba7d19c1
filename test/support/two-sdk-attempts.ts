/**
 * For test files whose subject is how a call that keeps failing is reported, not the SDK's retries: imported first,
 * before anything loads src/aws/clients.ts (which reads CLOUDTAP_SDK_MAX_ATTEMPTS once, when it loads), it makes
 * every SDK call of the file's own process, and of the CLI processes it starts, give up after 2 attempts instead of
 * 8 with backoff (a call throttled for good waited ~40 s). jest gives each test file a process.env of its own.
 */
process.env.CLOUDTAP_SDK_MAX_ATTEMPTS = '2';
