/**
 * Workflow documents change without a restart: from the watched folder and from the admin API, versioned,
 * with an invalid document leaving the previous version in force.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES, manualClock } from '../test-support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'camfa-policies-'));
const clock = manualClock();
let backend: TestBackend;

const extranetOnly = (id: string, factor: string) =>
  `id: ${id}\nname: ${id}\nmodes: [api]\nuses:\n  - template: extranet\n    params: { factors: [${factor}] }\n`;

async function trigger(workflowId: string, ip = PLACES.newYork.ip) {
  const response = await fetch(`${backend.url}/v1/workflows/${workflowId}/trigger`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
    body: JSON.stringify({ metadata: { originalIdentity: 'policy-user', ip } }),
  });
  return { status: response.status, body: (await response.json()) as { trigger: { factors: { type: string }[] } | null; code?: string } };
}

async function workflows(query = '') {
  const response = await fetch(`${backend.url}/v1/admin/workflows${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await response.json()) as { workflows: { id: string; version: number; app: string | null }[] }).workflows;
}

beforeAll(async () => {
  writeFileSync(join(dir, 'outside.yaml'), extranetOnly('outside', 'totp'));
  mkdirSync(join(dir, APP.id));
  writeFileSync(join(dir, APP.id, 'outside.yaml'), extranetOnly('outside', 'sms'));
  backend = await startTestBackend({ clock, config: { policies: { dir, documents: [] } } });
});

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('workflow documents', () => {
  it("loads the folder: global documents, and an app's own document overriding the global one of the same id", async () => {
    expect((await trigger('outside')).body.trigger?.factors[0]?.type).toBe('sms');
    expect((await workflows()).map((workflow) => workflow.id)).toEqual(['outside']);
    expect((await workflows(`?app=${APP.id}`)).map((workflow) => workflow.id)).toEqual(['outside']);
  });

  it('reloads an edited file without a restart, as a new version', async () => {
    writeFileSync(join(dir, APP.id, 'outside.yaml'), extranetOnly('outside', 'email'));
    await expect.poll(async () => (await trigger('outside')).body.trigger?.factors[0]?.type, { timeout: 5000, interval: 100 }).toBe('email');
    expect((await workflows(`?app=${APP.id}`))[0]!.version).toBe(2);
  });

  it('keeps the previous version when an edited file is invalid, and logs why', async () => {
    writeFileSync(
      join(dir, APP.id, 'outside.yaml'),
      'id: outside\nname: broken\nmodes: [api]\nrules:\n  - id: r\n    when: "event.nope =="\n    then: { factors: [totp] }\n',
    );
    await expect.poll(() => backend.logs.some((line) => line.includes('invalid workflow document')), { timeout: 5000, interval: 100 }).toBe(true);
    expect((await trigger('outside')).body.trigger?.factors[0]?.type).toBe('email');
    const logged = backend.logs.find((line) => line.includes('invalid workflow document'))!;
    expect(logged).toContain('rules[r].when');
  });

  it('versions documents put through the admin API and deactivates them', async () => {
    const put = (body: string) =>
      fetch(`${backend.url}/v1/admin/workflows/vpn`, {
        method: 'PUT',
        headers: { authorization: backend.basicAuth(), 'content-type': 'application/yaml' },
        body,
      });
    expect(((await (await put(extranetOnly('vpn', 'totp'))).json()) as { version: number }).version).toBe(1);
    expect(((await (await put(extranetOnly('vpn', 'sms'))).json()) as { version: number }).version).toBe(2);
    expect((await trigger('vpn')).body.trigger?.factors[0]?.type).toBe('sms');
    // The id in the document must match the URL.
    expect((await put(extranetOnly('other', 'sms'))).status).toBe(422);

    const removed = await fetch(`${backend.url}/v1/admin/workflows/vpn`, { method: 'DELETE', headers: { authorization: backend.basicAuth() } });
    expect(removed.status).toBe(204);
    expect((await trigger('vpn')).status).toBe(404);
  });
});

describe('MFA status', () => {
  it('re-arms an expired pending step-up with a fresh stateToken', async () => {
    const put = await fetch(`${backend.url}/v1/admin/workflows/watch?app=${APP.id}`, {
      method: 'PUT',
      headers: { authorization: backend.basicAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'watch', name: 'watch', modes: ['event'], uses: [{ template: 'extranet' }] }),
    });
    expect(put.status).toBe(200);
    const capture = await fetch(`${backend.url}/v1/ueba/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
      body: JSON.stringify({ originalIdentity: 'sleepy', ip: PLACES.london.ip }),
    });
    const first = ((await capture.json()) as { published: { trigger: { stateToken: string; expiresAt: string } }[] }).published[0]!.trigger;

    const status = async () =>
      (await (
        await fetch(`${backend.url}/v1/mfa/status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
          body: JSON.stringify({ originalIdentity: 'sleepy' }),
        })
      ).json()) as { mfaVerified: boolean; pending?: { stateToken: string; expiresAt: string } };

    expect((await status()).pending?.stateToken).toBe(first.stateToken);
    clock.advance(11 * 60_000);
    const later = await status();
    expect(later.mfaVerified).toBe(false);
    expect(later.pending?.stateToken).not.toBe(first.stateToken);
    expect(Date.parse(later.pending!.expiresAt)).toBeGreaterThan(clock());
  });

  it('does not lock a pending user twice: a second hit publishes nothing and the first stateToken stays', async () => {
    const put = await fetch(`${backend.url}/v1/admin/workflows/watch-twice?app=${APP.id}`, {
      method: 'PUT',
      headers: { authorization: backend.basicAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'watch-twice', name: 'watch-twice', modes: ['event'], uses: [{ template: 'extranet' }] }),
    });
    expect(put.status).toBe(200);
    const capture = async () =>
      (await (
        await fetch(`${backend.url}/v1/ueba/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
          body: JSON.stringify({ originalIdentity: 'twice', ip: PLACES.london.ip }),
        })
      ).json()) as { published: { trigger: { stateToken: string } }[] };

    const first = await capture();
    expect(first.published).toHaveLength(1);
    expect((await capture()).published).toEqual([]);
    const status = (await (
      await fetch(`${backend.url}/v1/mfa/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: backend.basicAuth() },
        body: JSON.stringify({ originalIdentity: 'twice' }),
      })
    ).json()) as { pending?: { stateToken: string } };
    expect(status.pending?.stateToken).toBe(first.published[0]!.trigger.stateToken);
  });
});
