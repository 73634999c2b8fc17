/**
 * The HTTP surface: operations endpoints, authentication, and bad input (acceptance 1 and 5).
 * Requests go through `app.request()`; no socket is involved.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES } from '../test-support/fixtures.js';

let backend: TestBackend;
const request = (path: string, init: RequestInit = {}) => backend.camfa.app.request(`http://backend${path}`, init);
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: backend.basicAuth(), ...headers } });

beforeAll(async () => {
  backend = await startTestBackend({
    config: {
      policies: { documents: [{ document: { id: 'geo', name: 'Unusual country', modes: ['api', 'event'], uses: [{ template: 'unusual-country' }] } }] },
    },
  });
});
afterAll(async () => backend?.close());

async function expectProblem(response: Response, status: number, code?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as { status: number; code: string; title: string; type: string };
  expect(body.status).toBe(status);
  expect(body.code).toMatch(/^[a-z_]+$/);
  if (code) expect(body.code).toBe(code);
  return body;
}

describe('operations', () => {
  it('answers /healthz', async () => {
    const response = await request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('describes every endpoint in an OpenAPI 3.1 document', async () => {
    const document = (await (await request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { responses: object }>> };
    expect(document.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/v1/ueba/events', 'post'],
      ['/v1/mfa/status', 'post'],
      ['/v1/workflows/{workflowId}/trigger', 'post'],
      ['/v1/events/stream', 'get'],
      ['/v1/subscriptions', 'post'],
      ['/v1/admin/workflows/{workflowId}', 'put'],
      ['/.well-known/jwks.json', 'get'],
      ['/healthz', 'get'],
      ['/metrics', 'get'],
    ] as const) {
      expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const capture = document.paths['/v1/ueba/events']!.post as unknown as {
      requestBody: { content: { 'application/json': { schema: { properties: object } } } };
    };
    expect(Object.keys(capture.requestBody.content['application/json'].schema.properties)).toContain('originalIdentity');
  });

  it('counts decisions by outcome in Prometheus metrics', async () => {
    await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'metrics-user', ip: PLACES.london.ip }));
    const text = await (await request('/metrics')).text();
    expect(text).toMatch(/camfa_decisions_total\{mode="event",outcome="pass"\} [1-9]/);
    expect(text).toContain('camfa_http_request_duration_seconds_bucket');
  });

  it('publishes an ES256 JWKS', async () => {
    const { keys } = (await (await request('/.well-known/jwks.json')).json()) as { keys: { kty: string; alg: string; d?: string }[] };
    expect(keys.length).toBeGreaterThan(0);
    expect(keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect(keys[0]!.d).toBeUndefined();
  });
});

describe('authentication', () => {
  const event = JSON.stringify({ originalIdentity: 'u1' });

  it('refuses a missing header, an unknown app and a wrong secret alike', async () => {
    await expectProblem(
      await request('/v1/ueba/events', { method: 'POST', body: event, headers: { 'content-type': 'application/json' } }),
      401,
      'invalid_client',
    );
    await expectProblem(await post('/v1/ueba/events', event, { authorization: backend.basicAuth({ id: 'nope', secret: APP.secret }) }), 401, 'invalid_client');
    await expectProblem(
      await post('/v1/ueba/events', event, { authorization: backend.basicAuth({ id: APP.id, secret: OTHER_APP.secret }) }),
      401,
      'invalid_client',
    );
  });

  it('never echoes a secret in an error', async () => {
    const response = await post('/v1/ueba/events', event, {
      authorization: backend.basicAuth({ id: APP.id, secret: 'wrong-secret-but-very-recognisable-123' }),
    });
    expect(await response.text()).not.toContain('wrong-secret-but-very-recognisable-123');
  });

  it('keeps apps apart: one app cannot read or manage another app', async () => {
    await expectProblem(await request('/v1/admin/workflows?app=crm', { headers: { authorization: backend.basicAuth() } }), 403, 'forbidden');
    const global = await request('/v1/admin/workflows', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(global.status).toBe(200);
    await expectProblem(await request('/v1/admin/workflows', { headers: { authorization: 'Bearer wrong-admin-token-000000000000000000' } }), 401);
  });
});

describe('bad input is a 4xx problem, never a 5xx', () => {
  it('names the problem for the common mistakes', async () => {
    await expectProblem(await post('/v1/ueba/events', '{"originalIdentity":'), 400, 'invalid_json');
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 42 })), 400, 'invalid_request');
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'u', ip: 'not-an-ip' })), 400, 'invalid_request');
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'u', behaviourType: 'typo' })), 400, 'invalid_request');
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'u', ua: 'x'.repeat(1025) })), 400, 'invalid_request');
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'u', custom: tooMany })), 400, 'invalid_request');
    await expectProblem(await post('/v1/ueba/events', JSON.stringify({ originalIdentity: 'u', custom: { x: 'y'.repeat(70_000) } })), 413, 'payload_too_large');
    await expectProblem(await post('/v1/ueba/events', 'originalIdentity=u', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    await expectProblem(await post('/v1/workflows/nope/trigger', JSON.stringify({ metadata: { originalIdentity: 'u' } })), 404, 'workflow_not_found');
    await expectProblem(await request('/v1/nowhere'), 404, 'not_found');
  });

  it('ignores client-sent derived fields and derives them itself', async () => {
    const response = await post(
      '/v1/ueba/events',
      JSON.stringify({ originalIdentity: 'derived', ip: PLACES.london.ip, country: 'CN', city: 'Shanghai', intranet: true }),
    );
    expect(response.status).toBe(201);
    const { events } = (await (await request('/v1/ueba/events?originalIdentity=derived', { headers: { authorization: backend.basicAuth() } })).json()) as {
      events: { country: string; city: string; intranet: boolean }[];
    };
    expect(events[0]).toMatchObject({ country: 'GB', city: 'London', intranet: false });
  });

  it('refuses invalid workflow documents with the node and field named, keeping the previous version', async () => {
    const headers = { authorization: backend.basicAuth(), 'content-type': 'application/yaml' };
    const bad = await request('/v1/admin/workflows/geo', {
      method: 'PUT',
      headers,
      body: 'id: geo\nname: Broken\nmodes: [api]\nrules:\n  - id: r1\n    when: "event.country =="\n    then: { factors: [totp] }\n',
    });
    const body = (await expectProblem(bad, 422, 'invalid_policy')) as unknown as { errors: { node: string; field: string }[] };
    expect(body.errors[0]!.node).toContain('r1');
    await expectProblem(await request('/v1/admin/workflows/geo', { method: 'PUT', headers, body: 'id: [unclosed' }), 422, 'invalid_policy');
    // The global geo workflow still decides for this app.
    const trigger = await post('/v1/workflows/geo/trigger', JSON.stringify({ metadata: { originalIdentity: 'nobody', ip: PLACES.london.ip } }));
    expect(trigger.status).toBe(200);
  });

  it('survives 1,000+ generated bad bodies on every JSON endpoint', async () => {
    const endpoints = ['/v1/ueba/events', '/v1/mfa/status', '/v1/mfa/status/clear', '/v1/workflows/geo/trigger', '/v1/subscriptions'];
    const junkValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.object()), { maxKeys: 40 }),
    );
    // Bodies that are JSON but wrong in shape, types or sizes, and bodies that are not JSON at all.
    const body = fc.oneof(
      fc
        .record({ originalIdentity: junkValue, ip: junkValue, custom: junkValue, metadata: junkValue, ttlSeconds: junkValue }, { requiredKeys: [] })
        .map((value) => JSON.stringify(value)),
      fc
        .record({
          originalIdentity: fc.oneof(fc.constant(''), fc.string({ minLength: 257, maxLength: 300 })),
          ua: fc.string({ minLength: 1025, maxLength: 1100 }),
        })
        .map((value) => JSON.stringify(value)),
      fc.anything().map((value) => JSON.stringify(value) ?? 'undefined'),
      fc.string().filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      }),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), body, async (path, text) => {
        const response = await post(path, text);
        sent++;
        // A body that happens to be valid is fine; anything else must be a 4xx problem.
        if (response.status < 300) return;
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 1200 },
    );
    expect(sent).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});

describe('browser-facing endpoints', () => {
  it('answers CORS preflights only for origins an app declared', async () => {
    const allowed = await request('/v1/stepup/factors', { method: 'OPTIONS', headers: { origin: APP.origins[0]!, 'access-control-request-method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP.origins[0]);
    for (const [path, method] of [
      ['/v1/login', 'POST'],
      ['/v1/events/stream', 'GET'],
    ]) {
      const refused = await request(path!, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': method! } });
      expect((await expectProblem(refused, 403, 'origin_not_allowed')).title, path).toBe('Forbidden');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('mounts the dev outbox only with the dev config', async () => {
    expect((await request('/dev/outbox')).status).toBe(404);
  });

  it('documents the step-up, login and user endpoints', async () => {
    const { paths } = (await (await request('/openapi.json')).json()) as { paths: Record<string, object> };
    for (const path of [
      '/v1/stepup',
      '/v1/stepup/factors',
      '/v1/stepup/otp/verify',
      '/v1/login',
      '/v1/login/code/send',
      '/v1/users/{originalIdentity}',
      '/v1/tokens/exchange',
    ]) {
      expect(paths[path], path).toBeDefined();
    }
  });
});
