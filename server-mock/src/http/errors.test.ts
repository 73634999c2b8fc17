/**
 * A service's `DomainError` must reach the client exactly as the `HttpError` it replaces did: same status,
 * body and headers. Compared through a real Hono app, the way `app.ts` answers thrown errors.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.js';
import { HttpError, problem } from './errors.js';

async function answer(thrown: Error): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const app = new Hono();
  app.get('/', () => {
    throw thrown;
  });
  app.onError((error, c) => (error instanceof HttpError || error instanceof DomainError ? problem(c, error) : c.text('unhandled', 500)));
  const response = await app.request('http://backend/');
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return { status: response.status, headers, body: await response.json() };
}

describe('DomainError answers', () => {
  it('as the HttpError it replaces, detail and extension members included', async () => {
    expect(await answer(new DomainError('user_conflict', 'Another user already has this email', { field: 'email' }))).toEqual(
      await answer(new HttpError(409, 'user_conflict', 'Another user already has this email', { field: 'email' })),
    );
    const { body } = await answer(new DomainError('user_conflict', 'Another user already has this email', { field: 'email' }));
    expect(body).toEqual({
      type: 'https://camfa-guard.dev/problems/user_conflict',
      title: 'Conflict',
      status: 409,
      code: 'user_conflict',
      detail: 'Another user already has this email',
      field: 'email',
    });
  });

  it('with retryAt and Retry-After counted from the server clock', async () => {
    const retry = { at: Date.UTC(2026, 0, 1, 12, 0, 30, 500), now: Date.UTC(2026, 0, 1, 12, 0, 0) };
    const domain = await answer(DomainError.retryLater('locked', 'Too many failed attempts; try again later', retry));
    expect(domain).toEqual(await answer(HttpError.retryLater(423, 'locked', 'Too many failed attempts; try again later', retry)));
    expect(domain.headers['retry-after']).toBe('31');
    expect(domain.body).toMatchObject({ status: 423, retryAt: '2026-01-01T12:00:30.500Z' });
  });

  it('without detail or Retry-After when the service gave none', async () => {
    const domain = await answer(new DomainError('locked'));
    expect(domain).toEqual(await answer(new HttpError(423, 'locked')));
    expect(domain.headers['retry-after']).toBeUndefined();
    expect(domain.body).not.toHaveProperty('detail');
  });

  it('with the RFC 9110 title and the status of the table', async () => {
    expect((await answer(new DomainError('invalid_policy', 'geo.x: bad', { errors: [] }))).body).toMatchObject({
      status: 422,
      title: 'Unprocessable Content',
      errors: [],
    });
    expect((await answer(new DomainError('workflow_not_found'))).status).toBe(404);
    expect((await answer(new DomainError('delivery_failed'))).status).toBe(502);
  });
});
