/**
 * The directory's refusals as a client sees them: each `DomainError` answered with its status, code,
 * detail and `field`, through the real backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../test-support/backend.js';

let backend: TestBackend;
const asApp = () => ({ authorization: backend.basicAuth() });

beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => backend?.close());

describe('user directory refusals', () => {
  it('a second user with the same id is user_exists (409)', async () => {
    expect((await backend.post('/v1/users', { originalIdentity: 'ada' }, asApp())).status).toBe(201);
    const again = await backend.post('/v1/users', { originalIdentity: 'ada' }, asApp());
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(again.body).toMatchObject({ status: 409, code: 'user_exists', detail: 'A user "ada" already exists' });
  });

  it('a login another user has is user_conflict (409), naming the field', async () => {
    expect((await backend.post('/v1/users', { originalIdentity: 'bea', email: 'bea@example.com' }, asApp())).status).toBe(201);
    const taken = await backend.post('/v1/users', { originalIdentity: 'cleo', email: 'BEA@example.com' }, asApp());
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'user_conflict', detail: 'Another user already has this email', field: 'email' });
  });

  it('an unknown user is user_not_found (404)', async () => {
    const response = await fetch(`${backend.url}/v1/users/nobody`, { headers: asApp() });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found', code: 'user_not_found', detail: 'No user "nobody"' });
  });
});
