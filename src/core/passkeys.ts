import type { WebAuthnChunk } from './chunks.js';
import { GuardError } from './errors.js';

/**
 * Runs one passkey ceremony with SimpleWebAuthn from its lazy chunk (`load`: `loadWebAuthn` from `lazy.ts`,
 * passed in so `core/` never reaches the chunk loader). Aborting `signal` (a closed dialog, a newer request)
 * cancels the browser's prompt; a refusal rejects with a translated `GuardError`.
 */
export async function passkeyCeremony<T>(
  load: () => Promise<WebAuthnChunk>,
  signal: AbortSignal | undefined,
  run: (webauthn: WebAuthnChunk) => Promise<T>,
): Promise<T> {
  const webauthn = await load();
  if (!webauthn.browserSupportsWebAuthn()) throw new GuardError('unsupported_factor');
  const cancel = () => webauthn.WebAuthnAbortService.cancelCeremony();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await run(webauthn);
  } catch (error) {
    if (error instanceof GuardError || !(error instanceof Error)) throw error;
    throw new GuardError(webauthn.REFUSALS[error.name] ?? 'unknown', error.message, { cause: error });
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
