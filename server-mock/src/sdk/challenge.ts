import type { MfaTriggerData } from '../protocol/index.js';

/** Input of {@link stepUpChallenge}. */
export interface StepUpChallengeInput {
  /** The pending step-up; sent in the body so the browser can start it without another round trip. */
  trigger?: MfaTriggerData;
  /** The authentication context class required; defaults to `trigger.acr`. */
  acr?: string;
  /** Why; defaults to RFC 9470's wording. */
  detail?: string;
}

/** The problem document of a step-up challenge (RFC 9457 + the trigger). */
export interface StepUpProblem {
  type: string;
  title: string;
  status: 401;
  code: 'insufficient_user_authentication';
  detail: string;
  trigger?: MfaTriggerData;
}

/** A complete HTTP answer: status, headers, JSON body (serialise it yourself). */
export interface StepUpChallenge {
  status: 401;
  headers: Record<string, string>;
  body: StepUpProblem;
}

const CODE = 'insufficient_user_authentication';

/**
 * The RFC 9470 step-up challenge, framework-agnostic: `401` with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", error_description="…", acr_values="…"`
 * and an `application/problem+json` body that carries the trigger. `guard.fetch` in the browser reacts to
 * exactly this. {@link mfaAuthMiddleware} uses it for express; use it directly with other frameworks:
 *
 * ```ts
 * const { status, headers, body } = stepUpChallenge({ trigger: status.pending });
 * return new Response(JSON.stringify(body), { status, headers });
 * ```
 */
export function stepUpChallenge(input: StepUpChallengeInput = {}): StepUpChallenge {
  const { trigger } = input;
  const acr = input.acr ?? trigger?.acr;
  const detail = input.detail ?? 'A different authentication level is required';
  const parameters = [`error="${CODE}"`, `error_description="${headerSafe(detail)}"`];
  if (acr) parameters.push(`acr_values="${headerSafe(acr)}"`);
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer ${parameters.join(', ')}`,
      'content-type': 'application/problem+json',
      // The answer depends on the user's live MFA state.
      'cache-control': 'no-store',
    },
    body: {
      type: `https://camfa-guard.dev/problems/${CODE}`,
      title: 'Unauthorized',
      status: 401,
      code: CODE,
      detail,
      ...(trigger ? { trigger } : {}),
    },
  };
}

/**
 * RFC 6750 §3 allows only %x20-21 / %x23-5B / %x5D-7E in these values: no quote, no backslash, no
 * control characters (header injection) and nothing non-ASCII (Node refuses to send it). The body keeps
 * the full text.
 */
function headerSafe(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ').trim();
}
