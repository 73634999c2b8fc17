/**
 * The seed scenarios, driven through the Node SDK against a running backend (acceptance 2 and 3).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient, MetadataManagementClient } from './sdk/index.js';
import { APP, startTestBackend, type TestBackend } from './test-support/backend.js';
import { CHROME_UA, PLACES, manualClock } from './test-support/fixtures.js';
import { readSse } from './test-support/sse.js';
import type { MfaEvent, MfaTriggerData } from './protocol/index.js';

const clock = manualClock();
let backend: TestBackend;
let meta: MetadataManagementClient;
let auth: AuthenticationClient;

beforeAll(async () => {
  backend = await startTestBackend({
    clock,
    config: {
      policies: {
        documents: [
          { document: { id: 'geo', name: 'Unusual country', modes: ['api'], uses: [{ template: 'unusual-country', params: { factors: ['totp', 'sms'] } }] } },
          { document: { id: 'network', name: 'Outside the office', modes: ['api'], uses: [{ template: 'extranet' }] } },
          {
            document: {
              id: 'role',
              name: 'Factor by role',
              modes: ['api'],
              uses: [{ template: 'factor-by-attribute', params: { attribute: 'role', map: { finance: ['sms', 'totp'], hr: ['totp', 'sms'] } } }],
            },
          },
          { document: { id: 'ip-failures', name: 'Failures from one IP', modes: ['api'], uses: [{ template: 'ip-failures' }] } },
          { document: { id: 'continuous', name: 'Continuous', modes: ['event'], uses: [{ template: 'unusual-country' }] } },
        ],
      },
    },
  });
  const options = { host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 2000 };
  meta = new MetadataManagementClient(options);
  auth = new AuthenticationClient(options);
});

afterAll(async () => {
  await backend?.close();
});

const login = (originalIdentity: string, ip: string, behaviorResult = 'success', custom?: Record<string, string>) => ({
  originalIdentity,
  ip,
  ua: CHROME_UA,
  behaviorType: 'login',
  behaviorResult,
  loginType: 'password',
  ...(custom ? { custom } : {}),
});

async function loginsFrom(originalIdentity: string, ip: string, count: number) {
  for (let i = 0; i < count; i++) {
    await meta.ueba.capture(login(originalIdentity, ip));
    clock.advance(60_000);
  }
}

describe('(a) unusual country against the last 10 logins', () => {
  it('asks for the policy factors from another country and nothing from home', async () => {
    await loginsFrom('alice', PLACES.london.ip, 10);

    const abroad = await auth.mfa.triggerWorkflow({ workflowId: 'geo', metadata: login('alice', PLACES.shanghai.ip) });
    expect(abroad).not.toBeNull();
    expect(abroad!.factors.map((factor) => factor.type)).toEqual(['totp', 'sms']);
    expect(abroad!.originalIdentity).toBe('alice');
    expect(abroad!.appId).toBe(APP.id);
    expect(abroad!.host).toBe(backend.url);
    expect(abroad!.stateToken.length).toBeGreaterThanOrEqual(22);
    expect(Date.parse(abroad!.expiresAt) - clock()).toBeLessThanOrEqual(10 * 60_000);

    // Another city in the home country is not unusual for a country rule.
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'geo', metadata: login('alice', PLACES.manchester.ip) })).toBeNull();
  });

  it('keeps an explainable audit record of each decision', async () => {
    const response = await fetch(`${backend.url}/v1/decisions?originalIdentity=alice&limit=5`, { headers: { authorization: backend.basicAuth() } });
    const { decisions } = (await response.json()) as { decisions: { workflowId: string; hit: boolean; ruleId: string | null; explanation: unknown }[] };
    const hit = decisions.find((decision) => decision.hit);
    expect(hit?.workflowId).toBe('geo');
    expect(hit?.ruleId).toBeTruthy();
    expect(JSON.stringify(hit?.explanation)).toContain('GB');
  });
});

describe('(b) intranet versus extranet', () => {
  it('lets the office network through and steps up from outside', async () => {
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'network', metadata: login('bob', PLACES.office.ip) })).toBeNull();
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'network', metadata: login('bob', PLACES.newYork.ip) })).not.toBeNull();
  });
});

describe('(c) factor choice by role', () => {
  it('offers SMS first to finance and TOTP first to HR', async () => {
    const finance = await auth.mfa.triggerWorkflow({ workflowId: 'role', metadata: login('carol', PLACES.london.ip, 'success', { role: 'finance' }) });
    const hr = await auth.mfa.triggerWorkflow({ workflowId: 'role', metadata: login('dave', PLACES.london.ip, 'success', { role: 'hr' }) });
    expect(finance?.factors[0]?.type).toBe('sms');
    expect(hr?.factors[0]?.type).toBe('totp');
  });
});

describe('(d) many failures from one IP', () => {
  it('steps up the next login from that IP for any user, and not after the window', async () => {
    const ip = PLACES.newYork.ip;
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'ip-failures', metadata: login('erin', ip) })).toBeNull();
    for (const user of ['mallory1', 'mallory2', 'mallory3']) {
      await meta.ueba.capture(login(user, ip, 'failure'));
      clock.advance(20_000);
    }
    const next = await auth.mfa.triggerWorkflow({ workflowId: 'ip-failures', metadata: login('erin', ip) });
    expect(next).not.toBeNull();
    clock.advance(2 * 60_000);
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'ip-failures', metadata: login('erin', ip) })).toBeNull();
  });
});

describe('event-stream mode (continuous MFA)', () => {
  it('publishes an MFA event to subscribers, locks the user, and replays after a reconnect', async () => {
    await loginsFrom('frank', PLACES.london.ip, 3);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'frank' })).toEqual({ mfaVerified: true });

    const received: MfaTriggerData[] = [];
    const stop = auth.mfa.subscribe('security.mfa?originalIdentity=frank', (trigger) => void received.push(trigger));
    const { token } = await auth.mfa.createSubscriptionToken({ originalIdentity: 'frank' });
    const streamUrl = `${backend.url}/v1/events/stream?topic=security.mfa&access_token=${encodeURIComponent(token)}`;
    const raw = readSse(streamUrl, {}, (events) => events.some((event) => event.event === 'security.mfa'));
    // Let both subscriptions connect before the risky event.
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The same account signs in again from abroad while the first session is open.
    const captured = await meta.ueba.capture(login('frank', PLACES.shanghai.ip));
    expect(captured.published).toHaveLength(1);
    const published = captured.published[0]!;
    expect(published.type).toBe('security.mfa');

    const rawEvents = await raw;
    const rawEvent = JSON.parse(rawEvents.find((event) => event.event === 'security.mfa')!.data) as MfaEvent;
    expect(rawEvent.trigger?.originalIdentity).toBe('frank');
    expect(rawEvents.find((event) => event.event === 'security.mfa')!.id).toBe(published.id);

    await expect.poll(() => received.length, { timeout: 3000 }).toBe(1);
    expect(received[0]!.stateToken).toBe(published.trigger!.stateToken);
    stop();

    const status = await meta.ueba.checkUserStatus({ originalIdentity: 'frank' });
    expect(status.mfaVerified).toBe(false);
    expect(status.pending?.stateToken).toBe(published.trigger!.stateToken);

    // Missed while disconnected: the admin clears the step-up, then the user is locked again.
    await meta.ueba.clearUserStatus({ originalIdentity: 'frank' });
    expect((await meta.ueba.checkUserStatus({ originalIdentity: 'frank' })).mfaVerified).toBe(true);
    clock.advance(60_000);
    await meta.ueba.capture(login('frank', PLACES.newYork.ip));

    const replayed = await readSse(
      `${backend.url}/v1/events/stream?originalIdentity=frank`,
      { authorization: backend.basicAuth(), 'last-event-id': published.id },
      (events) => events.length >= 2,
    );
    expect(replayed.map((event) => event.event)).toEqual(['security.mfa.resolved', 'security.mfa']);
    expect(Number(replayed[0]!.id)).toBeGreaterThan(Number(published.id));
  });

  it('sends a refreshed page the pending step-up first (seed step 7.1)', async () => {
    const { token } = await auth.mfa.createSubscriptionToken({ originalIdentity: 'frank' });
    const events = await readSse(`${backend.url}/v1/events/stream?access_token=${encodeURIComponent(token)}`, {}, (list) => list.length >= 1);
    expect(events[0]!.event).toBe('security.mfa');
    expect((JSON.parse(events[0]!.data) as MfaEvent).trigger?.originalIdentity).toBe('frank');
  });

  it('refuses a subscription token for another user or a forged one', async () => {
    const { token } = await auth.mfa.createSubscriptionToken({ originalIdentity: 'frank' });
    const other = await fetch(`${backend.url}/v1/events/stream?originalIdentity=alice&access_token=${encodeURIComponent(token)}`);
    expect(other.status).toBe(403);
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'alice' })).toString('base64url')}.${signature}`;
    const forged = await fetch(`${backend.url}/v1/events/stream?access_token=${encodeURIComponent(tampered)}`);
    expect(forged.status).toBe(401);
    expect((await forged.json()).code).toBe('invalid_token');
  });

  it('delivers events as CAEP risk-level-change Security Event Tokens', async () => {
    const events = await readSse(
      `${backend.url}/v1/events/stream?originalIdentity=frank&format=set`,
      { authorization: backend.basicAuth(), 'last-event-id': '0' },
      (list) => list.length >= 1,
    );
    const [header, payload] = events[0]!.data
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header!.typ).toBe('secevent+jwt');
    expect(header!.alg).toBe('ES256');
    const event = (payload!.events as Record<string, { current_level: string }>)['https://schemas.openid.net/secevent/caep/event-type/risk-level-change'];
    expect(event?.current_level).toBe('HIGH');
    expect(payload!.aud).toBe(APP.id);
    expect(JSON.stringify(payload)).not.toContain('stateToken');
  });
});

describe('request size over a real socket', () => {
  const send = (headers: Record<string, string>, chunks: string[]) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${backend.url}/v1/ueba/events`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`, ...headers },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        },
      );
      request.on('error', reject);
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });

  it('answers 413 problem+json to an oversized chunked body and to a declared one', async () => {
    const big = JSON.stringify({ originalIdentity: 'big', custom: { x: 'y'.repeat(70_000) } });
    const chunked = await send({ 'transfer-encoding': 'chunked' }, [big.slice(0, 30_000), big.slice(30_000)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).code).toBe('payload_too_large');
    const declared = await send({ 'content-length': String(Buffer.byteLength(big)) }, [big]);
    expect(declared.status).toBe(413);
  });
});
