/**
 * The face factor over HTTP against a running backend with the real models: enrolment, the same person
 * matching and other people refused on the fixture photos (see test-fixtures/faces/README.md), frames
 * without a usable face refused, the template sealed at rest, and the NIST §3.2.3 back-off.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient } from '../../sdk/index.js';
import { APP, FACTOR_KEYS, startTestBackend, type TestBackend } from '../../test-support/backend.js';
import { manualClock } from '../../test-support/fixtures.js';
import { FACE_FIXTURES, faceFixture } from '../test-support/faces.js';

const clock = manualClock();
const dataDir = mkdtempSync(join(tmpdir(), 'camfa-face-'));
let backend: TestBackend;
let auth: AuthenticationClient;

/** Process-wide error handlers before the models load (tfjs' wasm glue adds its own; the factor removes them). */
const processHandlers = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
let handlersBefore: number[];

beforeAll(async () => {
  handlersBefore = processHandlers();
  backend = await startTestBackend({
    clock,
    dataDir,
    config: {
      // dev: the outbox "sends" the SMS login code the face + possession test reads.
      dev: true,
      factors: { ...FACTOR_KEYS, face: { preload: true } },
      policies: { documents: [{ document: FACE_AFTER_PHONE_CODE }] },
      // So the IP-limit test can speak from its own address (X-Forwarded-For).
      trustedProxies: ['127.0.0.0/8'],
    },
  });
  auth = new AuthenticationClient({ host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 30_000, clock });
});
afterAll(async () => {
  await backend?.close();
});

/** The README's policy: a login by SMS code (possession) is followed by face. */
const FACE_AFTER_PHONE_CODE = {
  id: 'login',
  name: 'Face on top of a phone code',
  modes: ['api'],
  rules: [
    {
      id: 'face-after-phone-code',
      when: "event.loginType == 'sms'",
      then: { factors: ['face', 'totp'], acr: 'urn:camfa:acr:face-possession', message: 'Confirm with your face' },
    },
  ],
};

const frame = (name: string) => faceFixture(name).toString('base64');

const call = (path: string, body: unknown, headers?: Record<string, string>) => backend.post(path, body, headers);

async function faceStepUp(originalIdentity: string, action: 'enroll' | 'verify', frames: string[]) {
  const trigger = await auth.mfa.startStepUp({ originalIdentity, factors: ['face', 'totp', 'recovery_code'] });
  return call(`/v1/stepup/face/${action}`, { stateToken: trigger.stateToken, frames });
}

/** Two fixture faces side by side in one JPEG. */
function twoFaces(left: string, right: string): string {
  const [a, b] = [left, right].map((name) => jpeg.decode(faceFixture(name), { useTArray: true, formatAsRGBA: true }));
  const height = Math.min(a!.height, b!.height);
  const width = a!.width + b!.width;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    data.set(a!.data.subarray(y * a!.width * 4, (y + 1) * a!.width * 4), y * width * 4);
    data.set(b!.data.subarray(y * b!.width * 4, (y + 1) * b!.width * 4), (y * width + a!.width) * 4);
  }
  return Buffer.from(jpeg.encode({ data, width, height }, 90).data).toString('base64');
}

describe('face factor', () => {
  it('enrols from the selected photo as a first factor: the step-up completes with amr face', async () => {
    const factors = await call('/v1/stepup/factors', {
      stateToken: (await auth.mfa.startStepUp({ originalIdentity: 'fay', factors: ['face', 'totp'] })).stateToken,
    });
    expect(factors.body.factors).toEqual([
      { type: 'face', enrolled: false, enrollable: true },
      { type: 'totp', enrolled: false, enrollable: true },
    ]);
    const enrolled = await faceStepUp('fay', 'enroll', [frame(FACE_FIXTURES.enrol)]);
    expect(enrolled.status).toBe(200);
    const verified = await auth.verify(enrolled.body.mfaToken as string);
    expect(verified.status && verified.data.amr).toEqual(['face']);
    expect(enrolled.body.recoveryCodes).toHaveLength(10);
    expect(processHandlers()).toEqual(handlersBefore);
    // One first factor only: a second enrolment (face or TOTP) is refused.
    expect((await faceStepUp('fay', 'enroll', [frame(FACE_FIXTURES.enrol)])).body.code).toBe('enrolment_not_allowed');
  });

  it('face on top of a phone-code login: the mfaToken proves both (amr sms + face)', async () => {
    const phone = '+44 7700 900123';
    const created = await fetch(`${backend.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
      body: JSON.stringify({ originalIdentity: 'fay', phone }),
    });
    expect(created.status).toBe(201);
    const sent = await call('/v1/login/code/send', { appId: APP.id, login: phone });
    const outbox = (await (await fetch(`${backend.url}/dev/outbox`, { headers: { accept: 'application/json' } })).json()) as { messages: { text: string }[] };
    const code = /\b(\d{6})\b/.exec(outbox.messages[0]!.text)![1];
    const login = await call('/v1/login/code/verify', { appId: APP.id, login: phone, challengeId: sent.body.challengeId, code });
    expect(login.body).toMatchObject({ status: 'mfa_required', mfa: { acr: 'urn:camfa:acr:face-possession' } });
    const { stateToken } = login.body.mfa as { stateToken: string };
    const verified = await call('/v1/stepup/face/verify', { stateToken, frames: [frame(FACE_FIXTURES.samePerson[0]!)] });
    const token = await auth.verify(verified.body.mfaToken as string);
    expect(token).toMatchObject({ status: true, data: { amr: ['sms', 'face', 'mfa'], acr: 'urn:camfa:acr:face-possession' } });
  });

  it('keeps the template sealed: the database row holds no embedding in clear', () => {
    const db = new Database(join(dataDir, 'camfa.sqlite'), { readonly: true });
    try {
      const rows = db.prepare("select id, secret from factor_enrolments where type = 'face'").all() as { id: string; secret: string }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.secret).toMatch(/^v1\.k1\./);
      expect(rows[0]!.secret).not.toMatch(/\d\.\d{3}/);
    } finally {
      db.close();
    }
  });

  it.each(FACE_FIXTURES.samePerson)('matches another photo of the same man (%s)', async (name) => {
    const verified = await faceStepUp('fay', 'verify', [frame(name)]);
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(await auth.verify(verified.body.mfaToken as string)).toMatchObject({ status: true, data: { amr: ['face'] } });
  });

  it.each(FACE_FIXTURES.otherPeople.slice(0, 4))('refuses another person (%s)', async (name) => {
    const refused = await faceStepUp('fay', 'verify', [frame(name)]);
    expect(refused).toMatchObject({ status: 400, body: { code: 'face_mismatch' } });
    // A success clears the failures, so this test leaves no lock behind for the next.
    expect((await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!)])).status).toBe(200);
  });

  it('refuses frames of two people, even when one of them is the user', async () => {
    const mixed = await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!), frame(FACE_FIXTURES.otherPeople[0]!)]);
    expect(mixed).toMatchObject({ status: 400, body: { code: 'face_mismatch' } });
    expect((await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!), frame(FACE_FIXTURES.samePerson[1]!)])).status).toBe(200);
  });

  it('refuses frames without one usable face, without counting them as failures', async () => {
    const noFace = await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!), frame(FACE_FIXTURES.noFace)]);
    expect(noFace).toMatchObject({ status: 422, body: { code: 'face_not_found', frame: 1 } });
    expect((await faceStepUp('fay', 'verify', [twoFaces(FACE_FIXTURES.samePerson[0]!, FACE_FIXTURES.otherPeople[0]!)])).body.code).toBe('face_multiple');
    expect((await faceStepUp('fay', 'verify', [Buffer.from('not a jpeg').toString('base64')])).body.code).toBe('face_frame_invalid');
    expect((await faceStepUp('fay', 'verify', ['%%%'])).body.code).toBe('face_frame_invalid');
    for (let n = 0; n < 5; n++) expect((await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.noFace)])).status).toBe(422);
    expect((await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!)])).status).toBe(200);
  });

  it('counts unusable frames against the IP (each costs the models’ time): after 50 in 15 minutes, 423', async () => {
    const from = { 'x-forwarded-for': '203.0.113.60' };
    const { stateToken } = await auth.mfa.startStepUp({ originalIdentity: 'fay', factors: ['face'] });
    for (let n = 0; n < 50; n++) expect((await call('/v1/stepup/face/verify', { stateToken, frames: ['%%%'] }, from)).body.code).toBe('face_frame_invalid');
    expect(await call('/v1/stepup/face/verify', { stateToken, frames: ['%%%'] }, from)).toMatchObject({ status: 423, body: { code: 'locked' } });
    // fay herself is not locked: from her own address her face still passes.
    expect((await call('/v1/stepup/face/verify', { stateToken, frames: [frame(FACE_FIXTURES.samePerson[0]!)] })).status).toBe(200);
  });

  it('bounds the body: frames over the face limit are refused with 413, other routes keep 64 KB', async () => {
    const big = 'A'.repeat(200_000);
    const trigger = await auth.mfa.startStepUp({ originalIdentity: 'fay', factors: ['face'] });
    expect((await call('/v1/stepup/face/verify', { stateToken: trigger.stateToken, frames: Array(6).fill(big) })).status).toBe(413);
    expect((await call('/v1/stepup/factors', { stateToken: trigger.stateToken, padding: big })).status).toBe(413);
  });

  it('after 5 consecutive mismatches refuses with 423 and retryAt for 30 s, doubling with the next round', async () => {
    const impostor = frame(FACE_FIXTURES.otherPeople[0]!);
    const locks: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < 5; n++) expect((await faceStepUp('fay', 'verify', [impostor])).body.code).toBe('face_mismatch');
      const locked = await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!)]);
      expect(locked).toMatchObject({ status: 423, body: { code: 'locked' } });
      const retryAt = Date.parse(locked.body.retryAt as string);
      locks.push(retryAt - clock());
      clock.advance(retryAt - clock());
    }
    expect(locks).toEqual([30_000, 60_000]);
    expect((await faceStepUp('fay', 'verify', [frame(FACE_FIXTURES.samePerson[0]!)])).status).toBe(200);
  });

  it('serves the browser its models and wasm binaries, allow-listed, never faceres', async () => {
    const model = await fetch(`${backend.url}/v1/face/models/blazeface.json`);
    expect(model.status).toBe(200);
    expect(model.headers.get('access-control-allow-origin')).toBe('*');
    expect(model.headers.get('cache-control')).toContain('max-age');
    expect(((await model.json()) as { weightsManifest: unknown[] }).weightsManifest).toBeTruthy();
    expect((await fetch(`${backend.url}/v1/face/wasm/tfjs-backend-wasm-simd.wasm`)).headers.get('content-type')).toBe('application/wasm');
    // faceres stays on the server; antispoof is not used anywhere.
    for (const path of ['models/faceres.json', 'models/antispoof.json', 'models/..%2Fpackage.json', 'wasm/tfjs-backend-wasm.js']) {
      expect((await fetch(`${backend.url}/v1/face/${path}`)).status).toBe(404);
    }
  });
});
