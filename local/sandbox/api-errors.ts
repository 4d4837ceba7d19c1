/**
 * AWS errors as the sandbox answers them: a code the SDK turns into `err.name`, a message, and
 * the HTTP status AWS uses for it.
 */
export class SandboxApiError extends Error {
  readonly status: number;

  constructor(readonly code: string, message: string, status?: number) {
    super(message);
    this.name = code;
    this.status = status ?? statusOfCode(code);
  }
}

/** The HTTP status AWS answers an error code with. */
export function statusOfCode(code: string): number {
  if (code === 'AuthFailure') return 401;
  if (/^(UnauthorizedOperation|AccessDenied|AccessDeniedException|Forbidden|OptInRequired|Blocked)/.test(code)) return 403;
  if (code === 'RequestLimitExceeded' || /^(ServiceUnavailable|Unavailable)/.test(code)) return 503;
  if (/^Internal/.test(code)) return 500;
  if (code === 'DryRunOperation') return 412;
  return 400;
}
