/**
 * Issue 3, acceptance 4: after a restart, signing keys, factor enrolments, failure counters and lockouts
 * are all still there (SQLite file; the same holds on PostgreSQL through the storage contract).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../backend.js';
import { AuthenticationClient } from '../sdk/index.js';
import { APP, postJson, testConfig } from '../test-support/backend.js';
import { manualClock } from '../test-support/fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'camfa-restart-'));
const clock = manualClock();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () =>
  startBackend({ port: 0, hostname: '127.0.0.1', dataDir, databaseUrl: '', redisUrl: '', geo: {}, clock, logLevel: 'silent', config: testConfig() });

const post = <T>(backend: RunningBackend, path: string, body: unknown, authorization?: string) =>
  postJson<T>(backend.url, path, body, authorization ? { authorization } : {});

describe('restart', () => {
  it('keeps keys, enrolments, counters and lockouts', async () => {
    const basic = `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`;
    const stepUp = async (backend: RunningBackend, factors: string[]) =>
      (await post<{ stateToken: string }>(backend, '/v1/stepup', { originalIdentity: 'rita', factors }, basic)).body.stateToken;

    const before = await start();
    const jwksBefore = await (await fetch(`${before.url}/.well-known/jwks.json`)).json();
    const enrolment = await post<{ enrolmentId: string; secret: string }>(before, '/v1/stepup/totp/enroll', { stateToken: await stepUp(before, ['totp']) });
    const code = () => new TOTP({ secret: Secret.fromBase32(enrolment.body.secret) }).generate({ timestamp: clock() });
    const activated = await post(before, '/v1/stepup/totp/verify', {
      stateToken: await stepUp(before, ['totp']),
      enrolmentId: enrolment.body.enrolmentId,
      code: code(),
    });
    expect(activated.status).toBe(200);
    // Three failures on TOTP (counted, not yet locked) and a lock on recovery codes.
    for (let i = 0; i < 3; i++) await post(before, '/v1/stepup/totp/verify', { stateToken: await stepUp(before, ['totp']), code: '000000' });
    for (let i = 0; i < 10; i++)
      await post(before, '/v1/stepup/recovery/verify', { stateToken: await stepUp(before, ['recovery_code']), code: 'AAAA-BBBB-CCCC' });
    await before.close();

    const after = await start();
    try {
      expect(await (await fetch(`${after.url}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
      const locked = await post(after, '/v1/stepup/recovery/verify', { stateToken: await stepUp(after, ['recovery_code']), code: 'AAAA-BBBB-CCCC' });
      expect(locked.body.code).toBe('locked');
      // The TOTP counter survived too: 7 more failures reach the threshold of 10.
      for (let i = 0; i < 7; i++) await post(after, '/v1/stepup/totp/verify', { stateToken: await stepUp(after, ['totp']), code: '000000' });
      expect((await post(after, '/v1/stepup/totp/verify', { stateToken: await stepUp(after, ['totp']), code: '000000' })).body.code).toBe('locked');
      clock.advance(2 * 60_000);
      const verified = await post<{ mfaToken: string }>(after, '/v1/stepup/totp/verify', { stateToken: await stepUp(after, ['totp']), code: code() });
      expect(verified.status).toBe(200);
      const auth = new AuthenticationClient({ host: after.url, appId: APP.id, appSecret: APP.secret, clock });
      expect(await auth.verify(verified.body.mfaToken)).toMatchObject({ status: true, data: { originalIdentity: 'rita' } });
    } finally {
      await after.close();
    }
  });
});
