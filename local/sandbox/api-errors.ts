/**
 * AWS errors as the sandbox answers them: a code the SDK turns into `err.name`, a message, and
 * the HTTP status AWS uses for it.
 */
export class SandboxApiError extends Error {
  readonly status: number;

  /** `fields`: further members of the error shape that JSON protocols write beside the message (Organizations' `Reason`). */
  constructor(readonly code: string, message: string, status?: number, readonly fields: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = code;
    this.status = status ?? statusOfCode(code);
  }
}

/**
 * What EC2 and CloudTrail answer a caller whose policy denies the call (`readDenied=`); service modules say it in their
 * protocol (`accessDenied`). STS answers such a caller: GetCallerIdentity needs no permission.
 */
export const BUILT_IN_ACCESS_DENIED = {
  EC2: { code: 'UnauthorizedOperation', status: 403, prefix: 'You are not authorized to perform this operation. ' },
  CloudTrail: { code: 'AccessDeniedException', status: 400, prefix: '' },
} as const;

/** The HTTP status AWS answers an error code with. */
export function statusOfCode(code: string): number {
  if (code === 'AuthFailure') return 401;
  if (/^(UnauthorizedOperation|AccessDenied|AccessDeniedException|Forbidden|OptInRequired|Blocked)/.test(code)) return 403;
  if (code === 'RequestLimitExceeded' || /^(ServiceUnavailable|Unavailable)/.test(code)) return 503;
  if (/^Internal/.test(code)) return 500;
  if (code === 'DryRunOperation') return 412;
  return 400;
}
