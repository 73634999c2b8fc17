import { expect } from 'chai';
import { ApiClient } from './api-client.js';
import { GuardError } from './errors.js';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records calls and answers from a script. */
function stubFetch(answer: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchStub = (async (url: RequestInfo | URL, init: RequestInit = {}) => {
    const call = { url: String(url), init };
    calls.push(call);
    return answer(call);
  }) as typeof fetch;
  return { fetch: fetchStub, calls };
}

const json = (body: unknown, status = 200, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  json(
    { type: `https://camfa-guard.dev/problems/${code}`, title: 'x', status, code, detail: `detail of ${code}`, ...extra },
    status,
    'application/problem+json',
  );

async function rejection(promise: Promise<unknown>): Promise<GuardError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(GuardError);
    return error as GuardError;
  }
  throw new Error('expected a rejection');
}

describe('ApiClient', () => {
  it('posts JSON bodies to each step-up endpoint with the stateToken', async () => {
    const { fetch, calls } = stubFetch(() => json({ ok: true }));
    const api = new ApiClient({ host: 'https://mfa.example.com/', appId: 'shop', fetch });
    await api.factors('st');
    await api.enrolTotp('st');
    await api.verifyTotp({ stateToken: 'st', code: '123456', enrolmentId: 'e1' });
    await api.sendCode({ stateToken: 'st', channel: 'sms', locale: 'ja' });
    await api.resendCode({ stateToken: 'st', channel: 'email', challengeId: 'c1' });
    await api.verifyCode({ stateToken: 'st', channel: 'sms', challengeId: 'c1', code: '000000', trustDevice: true, deviceId: 'd1' });
    await api.verifyRecoveryCode({ stateToken: 'st', code: 'abcd-efgh' });
    expect(calls.map((call) => call.url.replace('https://mfa.example.com', ''))).to.deep.equal([
      '/v1/stepup/factors',
      '/v1/stepup/totp/enroll',
      '/v1/stepup/totp/verify',
      '/v1/stepup/otp/send',
      '/v1/stepup/otp/resend',
      '/v1/stepup/otp/verify',
      '/v1/stepup/recovery/verify',
    ]);
    for (const call of calls) {
      expect(call.init.method).to.equal('POST');
      expect(new Headers(call.init.headers).get('content-type')).to.equal('application/json');
      expect(JSON.parse(String(call.init.body)).stateToken).to.equal('st');
    }
    expect(JSON.parse(String(calls[5]!.init.body))).to.deep.equal({
      stateToken: 'st',
      channel: 'sms',
      challengeId: 'c1',
      code: '000000',
      trustDevice: true,
      deviceId: 'd1',
    });
  });

  it('sends the appId with a login and answers the parsed body', async () => {
    const { fetch, calls } = stubFetch(() =>
      json({ status: 'authenticated', user: { originalIdentity: 'u1' }, token: 't', expiresAt: '2030-01-01T00:00:00Z' }),
    );
    const api = new ApiClient({ host: 'https://mfa.example.com', appId: 'shop', fetch });
    const answer = await api.login({ login: 'alice', password: 'pw', metadata: { deviceId: 'd1' } });
    expect(answer.status).to.equal('authenticated');
    expect(JSON.parse(String(calls[0]!.init.body))).to.deep.equal({ appId: 'shop', login: 'alice', password: 'pw', metadata: { deviceId: 'd1' } });
  });

  it('turns problem+json into a GuardError with the backend code, status and retryAt', async () => {
    const { fetch } = stubFetch(() => problem(423, 'locked', { retryAt: '2030-01-01T00:05:00.000Z' }));
    const error = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).verifyTotp({ stateToken: 's', code: '1' }));
    expect(error.code).to.equal('locked');
    expect(error.status).to.equal(423);
    expect(error.message).to.equal('detail of locked');
    expect(error.retryAt?.toISOString()).to.equal('2030-01-01T00:05:00.000Z');
  });

  it('maps a code it does not know to unknown and keeps the original in problem', async () => {
    const { fetch } = stubFetch(() => problem(400, 'brand_new_code'));
    const error = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s'));
    expect(error.code).to.equal('unknown');
    expect(error.problem?.code).to.equal('brand_new_code');
  });

  it('answers unknown for an error page that is not JSON', async () => {
    const { fetch } = stubFetch(() => new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const error = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s'));
    expect([error.code, error.status]).to.deep.equal(['unknown', 502]);
  });

  it('answers network when fetch itself fails', async () => {
    const { fetch } = stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s'));
    expect(error.code).to.equal('network');
    expect(error.cause).to.be.instanceOf(TypeError);
  });

  it('answers timeout when the server does not answer in time, and aborts the request', async () => {
    let signal: AbortSignal | undefined;
    const { fetch } = stubFetch(
      (call) =>
        new Promise((_resolve, reject) => {
          signal = call.init.signal ?? undefined;
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const error = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch, timeoutMs: 30 }).factors('s'));
    expect(error.code).to.equal('timeout');
    expect(signal?.aborted).to.equal(true);
  });

  it('answers cancelled when the caller aborts', async () => {
    const { fetch } = stubFetch(
      (call) => new Promise((_resolve, reject) => call.init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    );
    const controller = new AbortController();
    const pending = new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s', { signal: controller.signal });
    controller.abort();
    expect((await rejection(pending)).code).to.equal('cancelled');
    const already = await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s', { signal: controller.signal }));
    expect(already.code).to.equal('cancelled');
  });

  it('answers invalid_json for a malformed JSON body', async () => {
    const { fetch } = stubFetch(() => new Response('{"half', { status: 200, headers: { 'content-type': 'application/json' } }));
    expect((await rejection(new ApiClient({ host: 'https://h', appId: 'a', fetch }).factors('s'))).code).to.equal('invalid_json');
  });

  it('builds the event stream URL with the token and resume point in the query', () => {
    const api = new ApiClient({ host: 'https://mfa.example.com/base/', appId: 'a' });
    const url = new URL(api.eventStreamUrl('tok en', '42'));
    expect(url.pathname).to.equal('/base/v1/events/stream');
    expect(url.searchParams.get('access_token')).to.equal('tok en');
    expect(url.searchParams.get('lastEventId')).to.equal('42');
    expect(new URL(api.eventStreamUrl('t')).searchParams.has('lastEventId')).to.equal(false);
  });
});
