/**
 * The browser's WebAuthn API answered by a test: SimpleWebAuthn (from its lazy chunk) calls
 * `navigator.credentials.create/get`, which here resolve a made-up credential or reject as the browser would.
 * The real ceremony against a virtual authenticator runs in `e2e/passkeys.test.ts`.
 */
export interface CredentialsStub {
  /** What each call asked for (`publicKey` options, `mediation`, `signal`). */
  calls: { kind: 'create' | 'get'; options: CredentialCreationOptions | CredentialRequestOptions }[];
  restore(): void;
}

export function stubCredentials(answer: (kind: 'create' | 'get', options: CredentialRequestOptions) => Promise<unknown>): CredentialsStub {
  const container = navigator.credentials;
  const original = { create: container.create, get: container.get };
  const stub: CredentialsStub = { calls: [], restore: () => Object.assign(container, original) };
  container.create = (options) => {
    stub.calls.push({ kind: 'create', options: options ?? {} });
    return answer('create', options ?? {}) as Promise<Credential | null>;
  };
  container.get = (options) => {
    stub.calls.push({ kind: 'get', options: options ?? {} });
    return answer('get', options ?? {}) as Promise<Credential | null>;
  };
  return stub;
}

const buffer = (text: string) => new TextEncoder().encode(text).buffer;

/** A credential shaped like the browser's `PublicKeyCredential` (id `Y3JlZA`, user handle `dXNlcg`). */
export const madeUpCredential = (kind: 'create' | 'get') => ({
  id: 'Y3JlZA',
  rawId: buffer('cred'),
  type: 'public-key',
  authenticatorAttachment: 'platform',
  getClientExtensionResults: () => ({}),
  response:
    kind === 'create'
      ? { clientDataJSON: buffer('{}'), attestationObject: buffer('att'), getTransports: () => ['internal'] }
      : { clientDataJSON: buffer('{}'), authenticatorData: buffer('ad'), signature: buffer('sig'), userHandle: buffer('user') },
});

/** The browser's refusal, e.g. `NotAllowedError` when the user cancels the prompt. */
export const refusal = (name: string) => Promise.reject(new DOMException('The operation either timed out or was not allowed.', name));

/** Until an aborted request: how the browser's pending conditional (autofill) request behaves. */
export const pendingUntilAborted = (options: CredentialRequestOptions) =>
  new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }));
