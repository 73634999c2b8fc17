/**
 * WebOTP: the code of an origin-bound SMS (its last line `@shop.example #123456`, which the backend adds), read by
 * the browser with the user's consent, where the browser has the API (Chrome on Android). Elsewhere, and when the
 * user declines or the wait is aborted, it answers null and the user types the code as usual.
 */
export async function receiveSmsCode(signal: AbortSignal): Promise<string | null> {
  if (typeof window === 'undefined' || !('OTPCredential' in window)) return null;
  try {
    // `otp` is not in TypeScript's DOM types yet.
    const credential = (await navigator.credentials.get({ otp: { transport: ['sms'] }, signal } as CredentialRequestOptions)) as { code?: unknown } | null;
    return typeof credential?.code === 'string' ? credential.code : null;
  } catch {
    return null;
  }
}
