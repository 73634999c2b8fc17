// A small console backend for the console's browser tests, mounted by web-test-runner.config.mjs. Each test
// picks a key and talks to /__console/<key>/console/api/* as the real backend's routes answer: a session
// cookie (Path-scoped to the key), CSRF on every non-GET, problem+json refusals with their codes, and apps
// with versions (edit_conflict, app_read_only), and the workflow, events and Live routes of console-workflows.mjs.
// A key starting with "viewer" signs in a viewer; the mfaToken "good-token" is the only one accepted.
// GET /__console/<key>/log answers the requests seen (with their query), as JSON.

import { userRoute } from './console-users.mjs';
import { eventsRoute, freshEvents, freshWorkflows, liveRoute, pushLive, workflowsRoute } from './console-workflows.mjs';

/** @type {Map<string, ReturnType<typeof freshState>>} */
const states = new Map();

const configApp = () => ({
  id: 'shop',
  name: 'Shop',
  origins: ['https://shop.example'],
  factors: ['totp', 'sms', 'email', 'webauthn', 'face', 'recovery_code'],
  trustDeviceDays: 30,
  failMode: 'open',
  source: 'config',
  version: 1,
});

/** A directory user as `/console/api/users` lists it: a password, no roles; `contact` gives its e-mail or phone. */
const directoryUser = (originalIdentity, contact) => ({
  originalIdentity,
  username: originalIdentity,
  email: null,
  phone: null,
  ...contact,
  roles: [],
  groups: [],
  department: null,
  attributes: {},
  disabled: false,
  hasPassword: true,
  createdAt: 0,
  updatedAt: 0,
});

function freshState(key) {
  return {
    role: key.startsWith('viewer') ? 'viewer' : 'editor',
    csrfToken: `csrf-${key}`,
    apps: [configApp()],
    secrets: 0,
    audit: [
      {
        id: 1,
        at: '2026-01-02T03:04:05.000Z',
        actor: 'ada',
        action: 'app.update',
        target: 'shop',
        before: { factors: ['totp', 'sms'] },
        after: { factors: ['totp'] },
      },
    ],
    users: [directoryUser('bob', { phone: '+447700900123' }), directoryUser('alice', { email: 'alice@example.com' })],
    cleared: new Set(),
    lockoutsReset: new Set(),
    workflows: freshWorkflows(),
    events: freshEvents(),
    live: new Set(),
    log: [],
  };
}

const problem = (ctx, status, code, detail = code, extensions = {}) => {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: 'about:blank', title: code, status, code, detail, ...extensions });
};

const json = (ctx, status, body) => {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
};

async function readBody(ctx) {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

function session(state) {
  return { admin: { name: 'ada', role: state.role }, csrfToken: state.csrfToken };
}

async function sessionRoute(ctx, key, state) {
  const cookiePath = `/__console/${key}/`;
  if (ctx.method === 'POST') {
    const body = await readBody(ctx);
    if (body?.token !== 'good-token') return problem(ctx, 401, 'console_sign_in_refused');
    ctx.set('set-cookie', `camfa_console=${key}; Path=${cookiePath}; HttpOnly; SameSite=Strict`);
    return json(ctx, 200, session(state));
  }
  if (ctx.method === 'DELETE') {
    ctx.set('set-cookie', `camfa_console=; Path=${cookiePath}; Max-Age=0`);
    ctx.status = 204;
    return;
  }
  return json(ctx, 200, session(state));
}

async function appsRoute(ctx, state, rest) {
  const [id, action] = rest;
  const app = state.apps.find((known) => known.id === id);
  if (!id && ctx.method === 'GET') return json(ctx, 200, { apps: state.apps });
  if (!id && ctx.method === 'POST') {
    const body = await readBody(ctx);
    if (!/^[a-z0-9-]{1,64}$/.test(body?.id ?? '')) return problem(ctx, 400, 'invalid_request', 'id: lowercase letters, digits and -');
    if (state.apps.some((known) => known.id === body.id)) return problem(ctx, 409, 'app_exists');
    const created = { factors: configApp().factors, trustDeviceDays: null, ...body, failMode: 'open', source: 'console', version: 1 };
    state.apps.push(created);
    return json(ctx, 201, { app: created, secret: `secret-${++state.secrets}` });
  }
  if (!app) return problem(ctx, 404, 'app_not_found');
  if (app.source === 'config') return problem(ctx, 409, 'app_read_only');
  if (action === 'secret' && ctx.method === 'POST') return json(ctx, 200, { secret: `secret-${++state.secrets}` });
  if (ctx.method === 'DELETE') {
    state.apps = state.apps.filter((known) => known !== app);
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'PATCH') {
    if (ctx.get('if-match') !== `"${app.version}"`) return problem(ctx, 409, 'edit_conflict');
    Object.assign(app, await readBody(ctx), { version: app.version + 1 });
    return json(ctx, 200, { app });
  }
  return problem(ctx, 404, 'not_found');
}

function usersRoute(ctx, state, rest) {
  const [appId, , user, what, ...further] = rest;
  if (!user) return json(ctx, 200, { users: state.users });
  const path = what === undefined ? undefined : [what, ...further].join('/');
  if (userRoute(replies(ctx), state, { appId, user, what: path, method: ctx.method })) return;
  if (what === 'factors') return json(ctx, 200, { factors: [{ id: 'f1', type: 'totp', status: 'active', createdAt: 0 }], recoveryCodesLeft: 10 });
  // Every user owes a step-up until it is cleared (POST …/mfa-status/clear).
  if (what === 'mfa-status' && ctx.method === 'POST') state.cleared.add(user);
  if (what === 'mfa-status') {
    const pending = { reason: { ruleId: 'new-country', message: 'New country' }, expiresAt: '', factors: [] };
    return json(ctx, 200, state.cleared.has(user) ? { mfaVerified: true } : { mfaVerified: false, pending });
  }
  return problem(ctx, 404, 'not_found');
}

/** What the routes of console-workflows.mjs answer through. */
const replies = (ctx) => ({
  json: (status, body) => json(ctx, status, body),
  problem: (status, code, detail, extensions) => problem(ctx, status, code, detail, extensions),
  body: () => readBody(ctx),
  empty: () => {
    ctx.status = 204;
  },
});

export function consoleTestServer() {
  return async (ctx, next) => {
    const match = /^\/__console\/([\w-]+)\/(log|live\/push|console\/api\/(.*))$/.exec(ctx.path);
    if (!match) return next();
    const [, key, what, route = ''] = match;
    if (!states.has(key)) states.set(key, freshState(key));
    const state = states.get(key);
    if (what === 'log') return json(ctx, 200, state.log);
    if (what === 'live/push') return pushLive(ctx, replies(ctx), state);
    state.log.push({
      method: ctx.method,
      path: `/${route}`,
      query: ctx.querystring,
      csrf: ctx.get('x-csrf-token') || null,
      ifMatch: ctx.get('if-match') || null,
    });
    const [resource, ...rest] = route.split('/');
    const signedIn = (ctx.get('cookie') ?? '').split(/;\s*/).includes(`camfa_console=${key}`);
    // Signing in needs no session nor CSRF token; everything else needs the session, and changes its token.
    if (resource === 'session' && ctx.method === 'POST') return sessionRoute(ctx, key, state);
    if (!signedIn) return problem(ctx, 401, 'console_session_required');
    if (ctx.method !== 'GET' && ctx.get('x-csrf-token') !== state.csrfToken) return problem(ctx, 403, 'csrf_token_invalid');
    if (resource === 'session') return sessionRoute(ctx, key, state);
    // Simulating, replaying and validating change nothing: a viewer may run them.
    const reading = resource === 'workflows' && ['simulate', 'replay', 'validate'].includes(rest[1]);
    if (ctx.method !== 'GET' && state.role === 'viewer' && !reading) return problem(ctx, 403, 'console_role_forbidden');
    if (resource === 'apps' && rest[1] === 'users') return usersRoute(ctx, state, rest);
    if (resource === 'apps' && rest[1] === 'events') return eventsRoute(ctx, replies(ctx), state, rest[0]);
    if (resource === 'apps') return appsRoute(ctx, state, rest);
    if (resource === 'audit') return json(ctx, 200, { entries: state.audit });
    if (resource === 'workflows') return workflowsRoute(ctx, replies(ctx), state, rest);
    if (resource === 'live') return liveRoute(ctx, state);
    return problem(ctx, 404, 'not_found');
  };
}
