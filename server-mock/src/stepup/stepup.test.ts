/**
 * Issue 3 end to end over HTTP and the SDK against a running backend: every factor's whole flow, the
 * refusals, restarts, and what never reaches the logs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../factors/delivery.js';
import { AuthenticationClient, MetadataManagementClient } from '../sdk/index.js';
import { APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { CHROME_UA, PLACES, manualClock } from '../test-support/fixtures.js';
import type { MfaTriggerData } from '../protocol/index.js';

const clock = manualClock();
const WEBHOOK_SECRET = 'sms-webhook-secret-0123456789-abcdef';
const sms: { to: string; text: string }[] = [];
const mails: string[] = [];
let smsReceiver: Server;
let smtp: SMTPServer;
let backend: TestBackend;
let meta: MetadataManagementClient;
let auth: AuthenticationClient;
/** Everything secret the tests saw; none of it may appear in a log line. */
const secrets = new Set<string>();

beforeAll(async () => {
  smsReceiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const genuine = verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        body,
        signature: request.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        timestamp: request.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
        now: clock(),
      });
      if (genuine) sms.push(JSON.parse(body) as { to: string; text: string });
      response.writeHead(genuine ? 202 : 401).end();
    });
  });
  await new Promise<void>((resolve) => smsReceiver.listen(0, '127.0.0.1', resolve));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));

  backend = await startTestBackend({
    clock,
    config: {
      factors: {
        keys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
        pepper: Buffer.alloc(32, 9).toString('base64'),
        smtp: { host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port, from: 'Shop <no-reply@shop.test>' },
        smsWebhook: { url: `http://127.0.0.1:${(smsReceiver.address() as AddressInfo).port}/sms`, secret: WEBHOOK_SECRET },
      },
      trustedProxies: ['127.0.0.0/8'],
      apps: [{ ...APP, trustDevice: { ttlDays: 30 } }, OTHER_APP],
      policies: {
        documents: [
          { document: { id: 'devices', name: 'New device', modes: ['api'], uses: [{ template: 'new-device' }] } },
          {
            document: {
              id: 'login',
              name: 'Login risk',
              modes: ['api', 'event'],
              uses: [{ template: 'unusual-country', params: { factors: ['totp', 'sms', 'email', 'recovery_code'] } }],
            },
          },
        ],
      },
    },
  });
  // Ten recovery-code hashes (scrypt) outlast 3 s on a loaded 2-core CI box; these tests are not about timeouts.
  const options = { host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 15_000, clock };
  meta = new MetadataManagementClient(options);
  auth = new AuthenticationClient(options);
});

afterAll(async () => {
  await backend?.close();
  await new Promise<void>((resolve) => smsReceiver.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const call = <T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) => backend.post<T>(path, body, headers);
const asApp = { authorization: '' };

async function createUser(user: Record<string, unknown>) {
  const response = await call('/v1/users', user, { authorization: backend.basicAuth() });
  expect(response.status).toBe(201);
  expect(JSON.stringify(response.body)).not.toContain('scrypt');
  return response.body;
}

function totpCode(secret: string, at = clock()) {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
}

function lastCode(text: string) {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  expect(code).toBeDefined();
  secrets.add(code!);
  return code!;
}

async function startStepUp(originalIdentity: string, factors: MfaTriggerData['factors'][number]['type'][]) {
  const trigger = await auth.mfa.startStepUp({ originalIdentity, factors });
  secrets.add(trigger.stateToken);
  return trigger;
}

let totpSecret = '';
let recoveryCodes: string[] = [];

describe('TOTP (enrol during a passwordless step-up, then verify)', () => {
  it('enrols with the first valid code, issues an mfaToken the SDK verifies, and shows recovery codes once', async () => {
    asApp.authorization = backend.basicAuth();
    const trigger = await startStepUp('tina', ['totp', 'recovery_code']);
    // A step-up started without a message still explains itself in each of the browser's languages.
    expect(trigger.reason).toMatchObject({
      message: 'Confirm it is you',
      messages: { 'zh-CN': '请确认是您本人', 'zh-TW': '請確認是您本人', ja: 'ご本人であることを確認してください' },
    });
    const factors = await call<{ factors: { type: string; enrolled: boolean; enrollable: boolean }[] }>('/v1/stepup/factors', {
      stateToken: trigger.stateToken,
    });
    expect(factors.body.factors).toEqual([
      { type: 'totp', enrolled: false, enrollable: true },
      { type: 'recovery_code', enrolled: false, enrollable: false },
    ]);

    const enrolment = await call<{ enrolmentId: string; secret: string; uri: string }>('/v1/stepup/totp/enroll', { stateToken: trigger.stateToken });
    expect(enrolment.body.uri).toMatch(/^otpauth:\/\/totp\/.*secret=.*&?/);
    expect(enrolment.body.uri).toContain('algorithm=SHA1');
    expect(enrolment.body.uri).toContain('digits=6');
    expect(enrolment.body.uri).toContain('period=30');
    totpSecret = enrolment.body.secret;
    secrets.add(totpSecret);

    const wrong = await call('/v1/stepup/totp/verify', { stateToken: trigger.stateToken, enrolmentId: enrolment.body.enrolmentId, code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_code');

    const verified = await call<{ mfaToken: string; recoveryCodes: string[] }>('/v1/stepup/totp/verify', {
      stateToken: trigger.stateToken,
      enrolmentId: enrolment.body.enrolmentId,
      code: totpCode(totpSecret),
    });
    expect(verified.status).toBe(200);
    recoveryCodes = verified.body.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    recoveryCodes.forEach((code) => secrets.add(code));
    secrets.add(verified.body.mfaToken);

    const checked = await auth.verify(verified.body.mfaToken);
    expect(checked).toMatchObject({ status: true, data: { originalIdentity: 'tina', amr: ['otp'], acr: 'urn:camfa:acr:mfa' } });

    // The stateToken works once.
    expect((await call('/v1/stepup/factors', { stateToken: trigger.stateToken })).body.code).toBe('state_token_used');
  });

  it('refuses a TOTP code already used in its time step, and accepts the next step', async () => {
    const code = totpCode(totpSecret);
    const replay = await call('/v1/stepup/totp/verify', { stateToken: (await startStepUp('tina', ['totp'])).stateToken, code });
    expect(replay.body.code).toBe('code_used');
    clock.advance(30_000);
    const next = await call('/v1/stepup/totp/verify', { stateToken: (await startStepUp('tina', ['totp'])).stateToken, code: totpCode(totpSecret) });
    expect(next.status).toBe(200);
  });

  it('no longer lets the user enrol a second authenticator during a step-up', async () => {
    const enrol = await call('/v1/stepup/totp/enroll', { stateToken: (await startStepUp('tina', ['totp'])).stateToken });
    expect(enrol.status).toBe(403);
    expect(enrol.body.code).toBe('enrolment_not_allowed');
  });

  it('accepts each recovery code once', async () => {
    const first = await call('/v1/stepup/recovery/verify', { stateToken: (await startStepUp('tina', ['recovery_code'])).stateToken, code: recoveryCodes[0] });
    expect(first.status).toBe(200);
    const again = await call('/v1/stepup/recovery/verify', { stateToken: (await startStepUp('tina', ['recovery_code'])).stateToken, code: recoveryCodes[0] });
    expect(again.body.code).toBe('invalid_code');
  });
});

describe('SMS (continuous: a risky event locks the user until the code is verified)', () => {
  it('locks on the event, sends the code through the signed webhook, and unlocks on the right code', async () => {
    await createUser({ originalIdentity: 'sam', phone: '+44 7700 900123' });
    for (let i = 0; i < 3; i++)
      await meta.ueba.capture({ originalIdentity: 'sam', ip: PLACES.london.ip, ua: CHROME_UA, behaviorType: 'login', behaviorResult: 'success' });
    const { published } = await meta.ueba.capture({
      originalIdentity: 'sam',
      ip: PLACES.shanghai.ip,
      ua: CHROME_UA,
      behaviorType: 'login',
      behaviorResult: 'success',
    });
    const trigger = published[0]!.trigger!;
    secrets.add(trigger.stateToken);
    expect(trigger.factors.find((factor) => factor.type === 'sms')).toEqual({ type: 'sms', enrolled: true });
    expect((await meta.ueba.checkUserStatus({ originalIdentity: 'sam' })).mfaVerified).toBe(false);

    const factors = await call<{ factors: { type: string; hint?: string }[] }>('/v1/stepup/factors', { stateToken: trigger.stateToken });
    expect(factors.body.factors.find((factor) => factor.type === 'sms')?.hint).toBe('+44 •••• 0123');

    const sent = await call<{ challengeId: string; sentTo: string }>('/v1/stepup/otp/send', {
      stateToken: trigger.stateToken,
      channel: 'sms',
      locale: 'zh-CN',
    });
    expect(sent.status).toBe(200);
    expect(sms.at(-1)!.to).toBe('+447700900123');
    expect(sms.at(-1)!.text).toContain('验证码');
    const code = lastCode(sms.at(-1)!.text);

    const verified = await call<{ mfaToken: string }>('/v1/stepup/otp/verify', {
      stateToken: trigger.stateToken,
      channel: 'sms',
      challengeId: sent.body.challengeId,
      code,
    });
    expect(verified.status).toBe(200);
    secrets.add(verified.body.mfaToken);
    expect(await auth.verify(verified.body.mfaToken)).toMatchObject({ status: true, data: { amr: ['sms'] } });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'sam' })).toEqual({ mfaVerified: true });

    // The same code a second time, on a new step-up, finds no live challenge.
    const reuse = await call('/v1/stepup/otp/verify', {
      stateToken: (await startStepUp('sam', ['sms'])).stateToken,
      channel: 'sms',
      challengeId: sent.body.challengeId,
      code,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.code).toBe('code_used');
  });

  it('refuses the 6th attempt on a challenge, and a resend does not reset the count', async () => {
    const stateToken = (await startStepUp('sam', ['sms'])).stateToken;
    const sent = await call<{ challengeId: string }>('/v1/stepup/otp/send', { stateToken, channel: 'sms' });
    const guess = () => call('/v1/stepup/otp/verify', { stateToken, channel: 'sms', challengeId: sent.body.challengeId, code: '999999' });
    for (let i = 0; i < 3; i++) expect((await guess()).body.code).toBe('invalid_code');
    // Too soon for a resend.
    const early = await call('/v1/stepup/otp/resend', { stateToken, channel: 'sms', challengeId: sent.body.challengeId });
    expect(early.status).toBe(429);
    expect(early.body.code).toBe('cooldown');
    expect(early.headers.get('retry-after')).toBe('30');
    clock.advance(31_000);
    // Sent from the app's page this time: the SMS ends with the WebOTP line that binds the code to that page's host.
    const fromPage = { origin: APP.origins[0]! };
    expect((await call('/v1/stepup/otp/resend', { stateToken, channel: 'sms', challengeId: sent.body.challengeId }, fromPage)).status).toBe(200);
    const fresh = lastCode(sms.at(-1)!.text);
    expect(sms.at(-1)!.text.split('\n').at(-1)).toBe(`@localhost #${fresh}`);
    expect(sms.at(-2)!.text, 'no page, no WebOTP line').not.toContain('@');
    for (let i = 0; i < 2; i++) expect((await guess()).body.code).toBe('invalid_code');
    const sixth = await call('/v1/stepup/otp/verify', { stateToken, channel: 'sms', challengeId: sent.body.challengeId, code: fresh });
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('too_many_attempts');
  });

  it('refuses an expired code', async () => {
    const stateToken = (await startStepUp('sam', ['sms'])).stateToken;
    const sent = await call<{ challengeId: string }>('/v1/stepup/otp/send', { stateToken, channel: 'sms' });
    const code = lastCode(sms.at(-1)!.text);
    clock.advance(5 * 60_000 + 1);
    const late = await call('/v1/stepup/otp/verify', { stateToken, channel: 'sms', challengeId: sent.body.challengeId, code });
    expect(late.body.code).toBe('code_expired');
  });

  it("refuses another user's challenge behind this user's stateToken", async () => {
    const samToken = (await startStepUp('sam', ['sms'])).stateToken;
    const sent = await call<{ challengeId: string }>('/v1/stepup/otp/send', { stateToken: samToken, channel: 'sms' });
    const code = lastCode(sms.at(-1)!.text);
    await createUser({ originalIdentity: 'eve', phone: '+15555550100' });
    const eveToken = (await startStepUp('eve', ['sms'])).stateToken;
    const crossed = await call('/v1/stepup/otp/verify', { stateToken: eveToken, channel: 'sms', challengeId: sent.body.challengeId, code });
    expect(crossed.status).toBe(404);
    expect(crossed.body.code).toBe('challenge_not_found');
  });
});

describe('e-mail (low assurance, received by a real SMTP server)', () => {
  it('mails the code and issues an mfaToken marked as the e-mail channel', async () => {
    await createUser({ originalIdentity: 'emma', email: 'Emma@Example.com' });
    const stateToken = (await startStepUp('emma', ['email'])).stateToken;
    const sent = await call<{ challengeId: string; sentTo: string }>('/v1/stepup/otp/send', { stateToken, channel: 'email', locale: 'en' });
    expect(sent.body.sentTo).toBe('e•••@example.com');
    await expect.poll(() => mails.length).toBeGreaterThan(0);
    const mail = mails.at(-1)!;
    expect(mail).toMatch(/^To: emma@example\.com/im);
    const body = mail.slice(mail.indexOf('\r\n\r\n'));
    const verified = await call<{ mfaToken: string }>('/v1/stepup/otp/verify', {
      stateToken,
      channel: 'email',
      challengeId: sent.body.challengeId,
      code: lastCode(body),
    });
    expect(verified.status).toBe(200);
    secrets.add(verified.body.mfaToken);
    expect(await auth.verify(verified.body.mfaToken)).toMatchObject({ status: true, data: { amr: ['otp'], extra: { channel: 'email' } } });
  });
});

describe('stateTokens and mfaTokens', () => {
  it('refuses a forged, an expired and an unknown stateToken', async () => {
    const trigger = await startStepUp('tina', ['totp']);
    const [id] = trigger.stateToken.split('.');
    expect((await call('/v1/stepup/factors', { stateToken: `${id}.${'A'.repeat(43)}` })).body.code).toBe('invalid_state_token');
    expect((await call('/v1/stepup/factors', { stateToken: 'nonsense' })).body.code).toBe('invalid_state_token');
    clock.advance(10 * 60_000 + 1);
    const expired = await call('/v1/stepup/factors', { stateToken: trigger.stateToken });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('expired');
  });

  it('exchanges an mfaToken once, and only for the app it was issued to', async () => {
    clock.advance(30_000);
    const verified = await call<{ mfaToken: string }>('/v1/stepup/totp/verify', {
      stateToken: (await startStepUp('tina', ['totp'])).stateToken,
      code: totpCode(totpSecret),
    });
    const token = verified.body.mfaToken;
    secrets.add(token);
    const otherApp = new AuthenticationClient({ host: backend.url, appId: OTHER_APP.id, appSecret: OTHER_APP.secret, clock });
    expect(await otherApp.exchange(token)).toMatchObject({ status: false, code: 'wrong_audience' });
    expect(await auth.exchange(token)).toMatchObject({ status: true, data: { originalIdentity: 'tina' } });
    expect(await auth.exchange(token)).toMatchObject({ status: false, code: 'token_already_used' });
  });
});

describe('trust this device', () => {
  it('binds a device to the user after a step-up, and the new-device rule then lets that device through', async () => {
    const signIn = (deviceId: string, extra: Record<string, string> = {}, originalIdentity = 'dora') =>
      auth.mfa.triggerWorkflow({
        workflowId: 'devices',
        metadata: { originalIdentity, ip: PLACES.london.ip, behaviorType: 'login', behaviorResult: 'success', deviceId, ...extra },
      });
    await meta.ueba.capture({ originalIdentity: 'dora', ip: PLACES.london.ip, behaviorType: 'login', behaviorResult: 'success', deviceId: 'laptop' });
    const trigger = await signIn('phone');
    expect(trigger?.reason.ruleId).toBe('new-device');
    secrets.add(trigger!.stateToken);
    const offered = await call<{ trustDevice: boolean }>('/v1/stepup/factors', { stateToken: trigger!.stateToken });
    expect(offered.body.trustDevice).toBe(true);
    const enrolment = await call<{ enrolmentId: string; secret: string }>('/v1/stepup/totp/enroll', { stateToken: trigger!.stateToken });
    secrets.add(enrolment.body.secret);
    const verified = await call<{ deviceToken: string; mfaToken: string }>('/v1/stepup/totp/verify', {
      stateToken: trigger!.stateToken,
      enrolmentId: enrolment.body.enrolmentId,
      code: totpCode(enrolment.body.secret),
      trustDevice: true,
      deviceId: 'phone',
    });
    const { deviceToken } = verified.body;
    expect(deviceToken).toMatch(/^ey/);
    secrets.add(deviceToken);
    secrets.add(verified.body.mfaToken);

    expect(await signIn('phone', { deviceToken })).toBeNull();
    // The binding names one device and one user: copied elsewhere it proves nothing.
    expect(await signIn('tablet', { deviceToken })).not.toBeNull();
    await meta.ueba.capture({ originalIdentity: 'dan', ip: PLACES.london.ip, behaviorType: 'login', behaviorResult: 'success', deviceId: 'laptop' });
    expect(await signIn('phone', { deviceToken }, 'dan')).not.toBeNull();
    // It expires with its lifetime.
    clock.advance(31 * 24 * 3600_000);
    expect(await signIn('phone', { deviceToken })).not.toBeNull();
  });
});

/** A 423 `locked` whose `Retry-After` (seconds) and `retryAt` agree on when to come back: `seconds` from now. */
function expectLocked(response: { status: number; headers: Headers; body: { code?: string } }, seconds: number) {
  expect(response.status).toBe(423);
  expect(response.body.code).toBe('locked');
  expect(response.headers.get('retry-after')).toBe(String(seconds));
  expect(Date.parse((response.body as { retryAt?: string }).retryAt!)).toBe(clock() + seconds * 1000);
}

describe('lockout', () => {
  it('locks a factor after 10 consecutive failures across step-ups, and keeps it locked', async () => {
    const guess = async () =>
      call('/v1/stepup/recovery/verify', { stateToken: (await startStepUp('lou', ['recovery_code'])).stateToken, code: 'AAAA-BBBB-CCCC' });
    for (let attempt = 0; attempt < 10; attempt++) expect((await guess()).body.code).toBe('invalid_code');
    const locked = await guess();
    expectLocked(locked, 60);
    expect((locked.body as { title?: string }).title).toBe('Locked');
    // Other factors of the user are locked on their own.
    expect((await call('/v1/stepup/totp/enroll', { stateToken: (await startStepUp('lou', ['totp'])).stateToken })).status).toBe(200);
  });

  it('sends a locked factor no code: send and resend answer 423 and nothing reaches the SMS webhook or the SMTP server', async () => {
    await createUser({ originalIdentity: 'lockie', phone: '+15555550142', email: 'lockie@example.com' });
    const toLockie = () => [
      sms.filter((message) => message.to === '+15555550142').length,
      mails.filter((mail) => /^To: lockie@example\.com/im.test(mail)).length,
    ];
    for (const channel of ['sms', 'email'] as const) {
      const stateToken = (await startStepUp('lockie', ['sms', 'email'])).stateToken;
      const sent = await call<{ challengeId: string }>('/v1/stepup/otp/send', { stateToken, channel });
      expect(sent.status).toBe(200);
      // Wrong codes until the factor locks: five on the challenge, the rest refused as exhausted, all counted.
      for (let attempt = 0; attempt < 10; attempt++) {
        expect((await call('/v1/stepup/otp/verify', { stateToken, channel, challengeId: sent.body.challengeId, code: '999999' })).status).not.toBe(423);
      }
      const delivered = toLockie();
      expectLocked(await call('/v1/stepup/otp/send', { stateToken: (await startStepUp('lockie', ['sms', 'email'])).stateToken, channel }), 60);
      clock.advance(31_000);
      expectLocked(await call('/v1/stepup/otp/resend', { stateToken, channel, challengeId: sent.body.challengeId }), 29);
      expect(toLockie()).toEqual(delivered);
      clock.advance(29_000);
    }
    // Once the lock ends, codes flow again.
    const again = await call('/v1/stepup/otp/send', { stateToken: (await startStepUp('lockie', ['sms'])).stateToken, channel: 'sms' });
    expect(again.status).toBe(200);
    expect(sms.at(-1)!.to).toBe('+15555550142');
  });

  it('sends a login locked by wrong codes no further code, and says the same for a login nobody has', async () => {
    const headers = { 'x-forwarded-for': PLACES.newYork.ip };
    for (const login of ['lockie@example.com', 'nobody-locked@example.com']) {
      const sent = await call<{ challengeId: string }>('/v1/login/code/send', { appId: APP.id, login }, headers);
      expect(sent.status).toBe(200);
      for (let attempt = 0; attempt < 10; attempt++) {
        const wrong = await call('/v1/login/code/verify', { appId: APP.id, login, challengeId: sent.body.challengeId, code: '999999' }, headers);
        expect(wrong.body.code).toBe('invalid_credentials');
      }
      const mailsBefore = mails.length;
      expectLocked(await call('/v1/login/code/send', { appId: APP.id, login }, headers), 60);
      expect(mails.length).toBe(mailsBefore);
    }
    clock.advance(60_000);
  });
});

describe('an attacker and a legitimate user behind the same address (NIST SP 800-63B-4 §3.2.2)', () => {
  const NAT = { 'x-forwarded-for': PLACES.manchester.ip };
  const password = 'behind the same router';

  it('throttles the address spraying wrong passwords, while its users keep their own trusted devices', { timeout: 120_000 }, async () => {
    await createUser({ originalIdentity: 'nat-user', username: 'nadia', password, phone: '+15555550177' });
    secrets.add(password);
    // Nadia once trusted her laptop at the end of a step-up.
    const stepUp = (await startStepUp('nat-user', ['totp', 'sms', 'webauthn'])).stateToken;
    const enrolment = await call<{ enrolmentId: string; secret: string }>('/v1/stepup/totp/enroll', { stateToken: stepUp });
    secrets.add(enrolment.body.secret);
    const trusted = await call<{ deviceToken: string }>('/v1/stepup/totp/verify', {
      stateToken: stepUp,
      enrolmentId: enrolment.body.enrolmentId,
      code: totpCode(enrolment.body.secret),
      trustDevice: true,
      deviceId: 'nadia-laptop',
    });
    const { deviceToken } = trusted.body;
    secrets.add(deviceToken);
    const login = (name: string, secret: string, metadata?: Record<string, string>) =>
      call<{ status: string; token?: string }>('/v1/login', { appId: APP.id, login: name, password: secret, ...(metadata ? { metadata } : {}) }, NAT);

    // 50 wrong passwords against 50 accounts (none reaches its own threshold) exhaust the address; sent
    // together, since each costs a password hash.
    const sprayed = await Promise.all(Array.from({ length: 50 }, (_, n) => login(`victim-${n}`, 'wrong password!')));
    expect(sprayed.map((response) => response.status)).toEqual(Array(50).fill(401));
    const fifteenMinutes = 15 * 60;
    expectLocked(await login('victim-50', 'wrong password!'), fifteenMinutes);
    // Nadia's right password alone does not tell her from the attacker: refused too.
    expectLocked(await login('nadia', password), fifteenMinutes);
    // From her trusted laptop she is herself: the address's lock does not apply to her.
    const signedIn = await login('nadia', password, { deviceId: 'nadia-laptop', deviceToken });
    expect(signedIn.body.status).toBe('authenticated');
    secrets.add(signedIn.body.token!);
    // The token proves one device of one user: another device, or another login, stays throttled.
    expectLocked(await login('nadia', password, { deviceId: 'attacker-box', deviceToken }), fifteenMinutes);
    expectLocked(await login('victim-51', 'wrong password!', { deviceId: 'nadia-laptop', deviceToken }), fifteenMinutes);
    // The attacker stays throttled on every path that would cost something: codes, passkey challenges.
    const smsBefore = sms.length;
    expectLocked(await call('/v1/login/code/send', { appId: APP.id, login: '+15555550177' }, NAT), fifteenMinutes);
    expectLocked(await call('/v1/stepup/otp/send', { stateToken: (await startStepUp('nat-user', ['sms'])).stateToken, channel: 'sms' }, NAT), fifteenMinutes);
    expect(sms.length).toBe(smsBefore);
    expectLocked(await call('/v1/login/passkey/options', { appId: APP.id }, NAT), fifteenMinutes);
    expectLocked(
      await call('/v1/stepup/webauthn/authenticate/options', { stateToken: (await startStepUp('nat-user', ['webauthn'])).stateToken }, NAT),
      fifteenMinutes,
    );
    // Other addresses are not affected, and the window ends.
    expect((await call('/v1/login/passkey/options', { appId: APP.id }, { 'x-forwarded-for': PLACES.newYork.ip })).status).toBe(200);
    clock.advance(fifteenMinutes * 1000);
    expect((await login('nadia', password)).body.status).toBe('authenticated');
  });
});

describe('login to the built-in directory', () => {
  it('refuses a wrong password, signs in from home, and steps up from abroad with pwd in the amr', async () => {
    await createUser({ originalIdentity: 'lena', username: 'lena', password: 'correct horse battery staple', email: 'lena@example.com' });
    secrets.add('correct horse battery staple');
    // The backend trusts the loopback proxy here, so X-Forwarded-For places the browser.
    const login = (password: string, ip = PLACES.london.ip) =>
      call<{ status: string; token?: string; mfa?: MfaTriggerData }>('/v1/login', { appId: APP.id, login: 'Lena', password }, { 'x-forwarded-for': ip });
    const wrong = await login('wrong password!');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    const unknown = await call('/v1/login', { appId: APP.id, login: 'nobody', password: 'whatever-password' });
    expect(unknown.body.code).toBe('invalid_credentials');

    const home = await login('correct horse battery staple');
    expect(home.body.status).toBe('authenticated');
    secrets.add(home.body.token!);
    expect(await auth.verify(home.body.token!)).toMatchObject({ status: true, data: { amr: ['pwd'], acr: 'urn:camfa:acr:pwd' } });

    const abroad = await login('correct horse battery staple', PLACES.shanghai.ip);
    expect(abroad.body.status).toBe('mfa_required');
    const trigger = abroad.body.mfa!;
    secrets.add(trigger.stateToken);
    expect(trigger.reason.ruleId).toBe('unusual-country');
    const sent = await call<{ challengeId: string }>('/v1/stepup/otp/send', { stateToken: trigger.stateToken, channel: 'email' });
    await expect.poll(() => mails.some((mail) => /^To: lena@example\.com/im.test(mail))).toBe(true);
    const mail = mails.filter((item) => /^To: lena@example\.com/im.test(item)).at(-1)!;
    const code = lastCode(mail.slice(mail.indexOf('\r\n\r\n')));
    const verified = await call<{ mfaToken: string }>('/v1/stepup/otp/verify', {
      stateToken: trigger.stateToken,
      channel: 'email',
      challengeId: sent.body.challengeId,
      code,
    });
    secrets.add(verified.body.mfaToken);
    expect(await auth.verify(verified.body.mfaToken)).toMatchObject({ status: true, data: { amr: ['pwd', 'otp', 'mfa'] } });
  });
});

describe('user directory through the SDK', () => {
  it('creates, refuses a taken e-mail, updates, regenerates recovery codes and removes', async () => {
    const created = await meta.users.create({ originalIdentity: 'sdk-user', email: 'sdk@example.com', password: 'a long enough password', roles: ['finance'] });
    expect(created).toMatchObject({ originalIdentity: 'sdk-user', email: 'sdk@example.com', hasPassword: true, roles: ['finance'] });
    expect(JSON.stringify(created)).not.toContain('scrypt');
    await expect(meta.users.create({ originalIdentity: 'sdk-other', email: 'SDK@example.com' })).rejects.toMatchObject({ status: 409, code: 'user_conflict' });
    expect((await meta.users.update('sdk-user', { department: 'Treasury', password: null })).hasPassword).toBe(false);
    expect((await meta.users.get('sdk-user')).department).toBe('Treasury');
    const { codes } = await meta.users.regenerateRecoveryCodes('sdk-user');
    expect(codes).toHaveLength(10);
    codes.forEach((code) => secrets.add(code));
    await meta.users.remove('sdk-user');
    await expect(meta.users.get('sdk-user')).rejects.toMatchObject({ status: 404, code: 'user_not_found' });
  });
});

describe('code login', () => {
  it('signs in with a code mailed to the login, and answers an unknown login the same way', async () => {
    const send = (login: string) =>
      call<{ challengeId: string; sentTo: string; channel: string }>('/v1/login/code/send', { appId: APP.id, login }, { 'x-forwarded-for': PLACES.london.ip });
    const unknown = await send('nobody@example.com');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ sentTo: 'n•••@example.com', channel: 'email' });
    const refused = await call('/v1/login/code/verify', { appId: APP.id, login: 'nobody@example.com', challengeId: unknown.body.challengeId, code: '123456' });
    expect(refused.body.code).toBe('invalid_credentials');

    const mailsBefore = mails.length;
    const sent = await send('LENA@example.com');
    expect(Object.keys(sent.body).sort()).toEqual(Object.keys(unknown.body).sort());
    await expect.poll(() => mails.length).toBe(mailsBefore + 1);
    const mail = mails.at(-1)!;
    const code = lastCode(mail.slice(mail.indexOf('\r\n\r\n')));
    const verified = await call<{ status: string; token: string }>(
      '/v1/login/code/verify',
      { appId: APP.id, login: 'lena@example.com', challengeId: sent.body.challengeId, code },
      { 'x-forwarded-for': PLACES.london.ip },
    );
    expect(verified.body.status).toBe('authenticated');
    secrets.add(verified.body.token);
    expect(await auth.verify(verified.body.token)).toMatchObject({ status: true, data: { originalIdentity: 'lena', amr: ['otp'], acr: 'urn:camfa:acr:otp' } });
  });
});

describe('code login by SMS', () => {
  it('ends the SMS sent for the app’s page with the WebOTP line that binds its code to that host, and signs in with it', async () => {
    await createUser({ originalIdentity: 'omar', phone: '+44 7700 900456' });
    const fromPage = { origin: APP.origins[0]!, 'x-forwarded-for': PLACES.london.ip };
    const sent = await call<{ challengeId: string; channel: string }>('/v1/login/code/send', { appId: APP.id, login: '+447700900456' }, fromPage);
    expect(sent.body.channel).toBe('sms');
    const text = sms.at(-1)!.text;
    const code = lastCode(text);
    expect(text.split('\n').at(-1)).toBe(`@localhost #${code}`);
    const verified = await call<{ status: string; token: string }>(
      '/v1/login/code/verify',
      { appId: APP.id, login: '+447700900456', challengeId: sent.body.challengeId, code },
      fromPage,
    );
    expect(verified.body.status).toBe('authenticated');
    secrets.add(verified.body.token);
  });
});

describe('logs', () => {
  it('never contain a password, secret, code or token', () => {
    const logs = backend.logs.join('\n');
    expect(backend.logs.length).toBeGreaterThan(5);
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets) expect(logs, 'a secret was logged').not.toContain(secret);
    expect(logs).not.toContain(APP.secret);
    expect(logs).not.toContain(WEBHOOK_SECRET);
  });
});
