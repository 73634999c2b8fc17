/**
 * A browser with WebOTP, for the tests: `OTPCredential` exists and `navigator.credentials.get` records each request
 * and waits until the test says which code the SMS held (or the request is aborted). `restore()` puts the real one back.
 */
export function stubWebOtp() {
  const requests: CredentialRequestOptions[] = [];
  let arrive: (code: string) => void = () => {
    throw new Error('no WebOTP request is waiting');
  };
  Object.assign(window, { OTPCredential: class {} });
  const get = (options: CredentialRequestOptions) => {
    requests.push(options);
    return new Promise((resolve, reject) => {
      arrive = (code) => resolve({ type: 'otp', code });
      options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
  };
  // An own property over the prototype's method; deleting it brings the real one back.
  Object.defineProperty(navigator.credentials, 'get', { value: get, configurable: true, writable: true });
  return {
    requests,
    /** The SMS arrives and the user allows the browser to read it. */
    smsArrives: (code: string) => arrive(code),
    restore(): void {
      delete (navigator.credentials as { get?: unknown }).get;
      delete (window as { OTPCredential?: unknown }).OTPCredential;
    },
  };
}
