import { expect } from 'chai';
import { GuardError } from './core/errors.js';
import type { MfaTriggerData } from './core/types.js';
import { GuardErrorEvent } from './events/error.js';
import { GuardStepUpCompleteEvent } from './events/step-up-complete.js';
import { Guard, type GuardHostedElement } from './guard.js';
import { until } from './test-support/elements.js';

/**
 * Stand-ins for the elements (the real ones are tested on their own): what Guard relies on is only the
 * properties it sets and the events the elements fire.
 */
let onStepUpConnected: (element: GuardHostedElement) => void = () => {};
class StubStepUp extends HTMLElement {
  connectedCallback() {
    onStepUpConnected(this);
  }
}
class StubLogin extends HTMLElement {}
customElements.define('guard-step-up', StubStepUp);
customElements.define('guard-login', StubLogin);

const trigger = (stateToken = 'st-1'): MfaTriggerData => ({
  stateToken,
  originalIdentity: 'alice',
  factors: [{ type: 'totp', enrolled: true }],
  reason: { ruleId: 'unusual-country', message: 'New country' },
  acr: 'urn:camfa:acr:mfa',
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
  host: 'https://mfa.example.com',
  appId: 'shop',
});

const completeWith = (mfaToken: string) => (element: HTMLElement) =>
  queueMicrotask(() => element.dispatchEvent(new GuardStepUpCompleteEvent({ mfaToken, expiresAt: new Date().toISOString() })));

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const stepUpChallenge = (body: Record<string, unknown> = { trigger: trigger() }) =>
  json({ type: 'https://camfa-guard.dev/problems/insufficient_user_authentication', status: 401, code: 'insufficient_user_authentication', ...body }, 401, {
    'content-type': 'application/problem+json',
    'www-authenticate': 'Bearer error="insufficient_user_authentication", error_description="Step up", acr_values="urn:camfa:acr:mfa"',
  });

/** A fetch answering from a list, recording each request (as a Request, with its body read). */
function scriptedFetch(...answers: Response[]) {
  const requests: { method: string; url: string; body: string }[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push({ method: request.method, url: request.url, body: await request.text() });
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected request');
    return answer;
  }) as typeof fetch;
  return { fetch: fetchStub, requests };
}

describe('Guard', () => {
  let guard: Guard;
  afterEach(() => {
    guard?.unmount();
    onStepUpConnected = () => {};
  });

  describe('startMfa', () => {
    it('mounts <guard-step-up> with the trigger and context, and resolves with the mfaToken of guard-step-up-complete', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', theme: 'dark' });
      const seen: string[] = [];
      guard.on('mfa', (data) => seen.push(`mfa ${data.stateToken}`)).on('mfa-success', (success) => seen.push(`success ${success.mfaToken}`));
      let mounted: GuardHostedElement | undefined;
      onStepUpConnected = (element) => {
        mounted = element;
        completeWith('jwt-1')(element);
      };
      expect(await guard.startMfa(trigger())).to.equal('jwt-1');
      expect(mounted?.trigger?.stateToken).to.equal('st-1');
      expect(mounted?.cancellable, 'locked by default: a trigger is a paused session').to.equal(false);
      expect(mounted?.getAttribute('theme')).to.equal('dark');
      expect(mounted?.context?.api.host).to.equal('https://mfa.example.com');
      expect(mounted?.context?.i18n.t('stepUp.title')).to.equal('Confirm it’s you');
      expect(mounted?.isConnected).to.equal(false);
      expect(mounted?.locked).to.equal(false);
      expect(seen).to.deep.equal(['mfa st-1', 'success jwt-1']);
    });

    it('keeps going after a wrong code and rejects with the error that ends the step-up', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      const errors: string[] = [];
      guard.on('mfa-error', (error) => errors.push(error.code));
      onStepUpConnected = (element) =>
        queueMicrotask(() => {
          element.dispatchEvent(new GuardErrorEvent(new GuardError('invalid_code')));
          element.dispatchEvent(new GuardErrorEvent(new GuardError('expired')));
        });
      try {
        await guard.startMfa(trigger());
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('expired');
      }
      expect(errors).to.deep.equal(['invalid_code', 'expired']);
      expect(document.querySelector('guard-step-up')).to.equal(null);
    });

    it('opens one modal for concurrent step-ups', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      let mounts = 0;
      onStepUpConnected = (element) => {
        mounts++;
        setTimeout(() => completeWith('jwt-shared')(element), 20);
      };
      const tokens = await Promise.all([guard.startMfa(trigger('a')), guard.startMfa(trigger('b'))]);
      expect(tokens).to.deep.equal(['jwt-shared', 'jwt-shared']);
      expect(mounts).to.equal(1);
    });

    it('lets the user close it only when asked to, and locks a closable one when a locked caller joins it', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      let mounted: GuardHostedElement | undefined;
      onStepUpConnected = (element) => (mounted = element);
      const closable = guard.startMfa(trigger(), { cancellable: true });
      await until(() => mounted !== undefined, 'the step-up');
      expect(mounted!.cancellable).to.equal(true);
      // An MFA event (or an API's step-up answer) for the same user arrives meanwhile: the step-up can no longer be skipped.
      const locked = guard.startMfa(trigger('st-2'));
      expect(mounted!.cancellable).to.equal(false);
      completeWith('jwt-both')(mounted!);
      expect(await Promise.all([closable, locked])).to.deep.equal(['jwt-both', 'jwt-both']);
    });

    it('rejects cancelled when unmounted while running', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      onStepUpConnected = () => queueMicrotask(() => guard.unmount());
      try {
        await guard.startMfa(trigger());
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('cancelled');
      }
    });
  });

  describe('fetch (RFC 9470)', () => {
    it('on a step-up challenge runs the step-up with the trigger from the problem body and retries once, body included', async () => {
      const { fetch, requests } = scriptedFetch(stepUpChallenge(), json({ done: true }));
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      const stateTokens: string[] = [];
      onStepUpConnected = (element) => {
        stateTokens.push(`${element.trigger!.stateToken}${element.cancellable ? ' (closable)' : ''}`);
        completeWith('jwt')(element);
      };
      const response = await guard.fetch('/api/transfer', { method: 'POST', body: '{"amount":5}', headers: { 'content-type': 'application/json' } });
      expect(await response.json()).to.deep.equal({ done: true });
      expect(stateTokens).to.deep.equal(['st-1']);
      expect(requests.map(({ method, body }) => `${method} ${body}`)).to.deep.equal(['POST {"amount":5}', 'POST {"amount":5}']);
      expect(requests[1]!.url).to.equal(new URL('/api/transfer', location.href).href);
    });

    it('returns the second challenge as it is instead of stepping up again', async () => {
      const { fetch, requests } = scriptedFetch(stepUpChallenge(), stepUpChallenge());
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      let mounts = 0;
      onStepUpConnected = (element) => {
        mounts++;
        completeWith('jwt')(element);
      };
      const response = await guard.fetch('/api/data');
      expect(response.status).to.equal(401);
      expect(mounts).to.equal(1);
      expect(requests).to.have.length(2);
    });

    it('passes through a 401 that is no step-up challenge, or one without a trigger, and any other status', async () => {
      const plain401 = json({ code: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      const { fetch, requests } = scriptedFetch(plain401, stepUpChallenge({}), json({}, 403));
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      onStepUpConnected = () => expect.fail('no step-up expected');
      expect((await guard.fetch('/a')).status).to.equal(401);
      expect((await guard.fetch('/b')).status).to.equal(401);
      expect((await guard.fetch('/c')).status).to.equal(403);
      expect(requests).to.have.length(3);
    });

    it('rejects with the step-up error when the user cancels, without retrying', async () => {
      const { fetch, requests } = scriptedFetch(stepUpChallenge());
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      onStepUpConnected = (element) => queueMicrotask(() => element.dispatchEvent(new GuardErrorEvent(new GuardError('cancelled'))));
      try {
        await guard.fetch('/api/data');
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('cancelled');
      }
      expect(requests).to.have.length(1);
    });
  });

  describe('start and login', () => {
    let container: HTMLElement;
    beforeEach(() => {
      container = document.createElement('div');
      document.body.append(container);
    });
    afterEach(() => container.remove());

    it('renders <guard-login> into the target; a vetoing before-login stops the login before any request', async () => {
      const { fetch, requests } = scriptedFetch();
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      const loginErrors: string[] = [];
      guard.on('before-login', async ({ login }) => login !== 'mallory').on('login-error', (error) => loginErrors.push(error.code));
      let loaded: HTMLElement | undefined;
      guard.on('load', (element) => (loaded = element));
      // afterEach's unmount rejects this start with `cancelled`.
      guard.start(container).catch(() => {});
      await new Promise((resolve) => guard.on('load', resolve));
      const element = container.querySelector('guard-login') as GuardHostedElement;
      expect(loaded).to.equal(element);
      try {
        await element.context!.login({ login: 'mallory', password: 'pw' });
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('cancelled');
      }
      expect(loginErrors).to.deep.equal(['cancelled']);
      expect(requests).to.have.length(0);
    });

    it('resolves start() with the backend token, or with the mfaToken after the login step-up', async () => {
      const { fetch, requests } = scriptedFetch(
        json({ status: 'authenticated', user: { originalIdentity: 'alice' }, token: 'login-jwt', expiresAt: '2030-01-01T00:00:00Z' }),
        json({ status: 'mfa_required', mfa: trigger('login-st') }),
      );
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', fetch });
      const started = guard.start('body');
      await new Promise((resolve) => guard.on('load', resolve));
      await (document.querySelector('guard-login') as GuardHostedElement).context!.login({ login: 'alice', password: 'pw' });
      expect(await started).to.deep.equal({ user: { originalIdentity: 'alice' }, token: 'login-jwt' });
      expect(document.querySelector('guard-login')).to.equal(null);
      expect(JSON.parse(requests[0]!.body)).to.include({ appId: 'shop', login: 'alice', password: 'pw' });

      onStepUpConnected = completeWith('mfa-jwt');
      const again = guard.start(container);
      await new Promise((resolve) => guard.on('load', resolve));
      await (container.querySelector('guard-login') as GuardHostedElement).context!.login({ login: 'alice', challengeId: 'c1', code: '123456' });
      const result = await again;
      expect([result.user.originalIdentity, result.token, result.stepUp?.mfaToken]).to.deep.equal(['alice', 'mfa-jwt', 'mfa-jwt']);
      expect(requests[1]!.url).to.equal('https://mfa.example.com/v1/login/code/verify');
    });

    it('hides and shows the login, and unmount rejects a pending start', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', mode: 'modal' });
      let closed = 0;
      guard.on('close', () => closed++);
      const started = guard.start();
      await new Promise((resolve) => guard.on('load', resolve));
      const element = document.body.querySelector(':scope > guard-login') as HTMLElement;
      expect(element.getAttribute('mode')).to.equal('modal');
      guard.hide();
      expect([element.hidden, closed]).to.deep.equal([true, 1]);
      guard.show();
      expect(element.hidden).to.equal(false);
      guard.unmount();
      try {
        await started;
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('cancelled');
      }
      expect(element.isConnected).to.equal(false);
    });

    it('never renders a start() that was unmounted while its element was being created (React StrictMode)', async () => {
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      const container = document.createElement('div');
      document.body.append(container);
      const first = guard.start(container);
      guard.unmount();
      const loaded = new Promise((resolve) => guard.on('load', resolve));
      // afterEach's unmount rejects the second start with `cancelled`.
      guard.start(container).catch(() => {});
      try {
        await first;
        expect.fail('should reject');
      } catch (error) {
        expect((error as GuardError).code).to.equal('cancelled');
      }
      await loaded;
      expect(container.querySelectorAll('guard-login').length).to.equal(1);
      container.remove();
    });
  });

  describe('subscribe', () => {
    const RealEventSource = globalThis.EventSource;
    afterEach(() => {
      globalThis.EventSource = RealEventSource;
    });

    it('opens a non-cancellable step-up by itself when an MFA event for the user arrives', async () => {
      const sources: FakeSource[] = [];
      class FakeSource extends EventTarget {
        static readonly CLOSED = 2;
        readyState = 1;
        onerror = null;
        onopen = null;
        constructor(readonly url: string) {
          super();
          sources.push(this);
        }
        close() {
          this.readyState = FakeSource.CLOSED;
        }
      }
      globalThis.EventSource = FakeSource as unknown as typeof EventSource;
      guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      const received: string[] = [];
      const mounted = new Promise<GuardHostedElement>((resolve) => (onStepUpConnected = resolve));
      guard.subscribe('security.mfa', { originalIdentity: 'alice', subscriptionToken: () => 'sub-token' }, (event) => received.push(event.type));
      await new Promise((resolve) => setTimeout(resolve));
      expect(new URL(sources[0]!.url).searchParams.get('access_token')).to.equal('sub-token');
      const publish = (data: object) =>
        sources[0]!.dispatchEvent(new MessageEvent('security.mfa', { data: JSON.stringify({ type: 'security.mfa', ...data }), lastEventId: '7' }));
      publish({ id: '6', originalIdentity: 'bob', trigger: trigger('for-bob') });
      publish({ id: '7', originalIdentity: 'alice', trigger: trigger('for-alice') });
      const element = await mounted;
      expect(element.trigger?.stateToken).to.equal('for-alice');
      expect(element.cancellable).to.equal(false);
      expect(received).to.deep.equal(['security.mfa']);
    });
  });

  it('changeLang switches the strings and reports the language', async () => {
    guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', lang: 'en', strings: { ja: { stepUp: { title: '確認してください' } } } });
    const changes: string[] = [];
    guard.on('lang-change', (language) => changes.push(language));
    expect(await guard.changeLang('ja-JP')).to.equal('ja');
    const i18n = await guard.i18n();
    expect(i18n.t('stepUp.title')).to.equal('確認してください');
    expect(i18n.t('errors.invalid_code')).to.equal('コードが正しくありません。確認して、もう一度お試しください。');
    expect(changes).to.deep.equal(['ja']);
  });
});
