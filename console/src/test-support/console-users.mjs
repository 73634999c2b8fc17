// The Users page's history, lockouts and one-user look-up on top of console-server.mjs (mounted before it by
// web-test-runner.config.mjs): a user's events and decisions, the lockouts and their reset. It answers only what that
// server refused as `not_found` once its own checks passed, so the session, the CSRF token, the viewer's role and
// the request log stay that server's: a viewer's reset is still refused 403 there, and logged.

import { freshEvents } from './console-workflows.mjs';

const LOCKOUTS = [
  { factor: 'totp', failures: 10, locked: true, retryAt: Date.parse('2026-01-05T10:05:00Z') },
  { factor: 'password', login: 'username', failures: 3, locked: false, retryAt: null },
];

/** Per test key: the users whose lockouts were reset already (the next reset finds nothing). */
const resets = new Map();

const explanation = (hit) => ({
  workflowId: 'login',
  workflowName: 'Shop login',
  now: 0,
  params: {},
  paramProblems: [],
  match: { expression: null, applied: true, error: null },
  statistics: [],
  rules: [{ id: 'new-country', template: null, description: null, result: hit, condition: { expression: 'x', result: hit }, error: null }],
  firedRule: hit ? 'new-country' : null,
  notEvaluated: [],
  error: null,
});

/** What the workflow made of each stored event: a new country steps up, a known one passes. */
function decisions(events) {
  return events.map((event, index) => {
    const hit = index === 0;
    return {
      id: `d-${event.id}`,
      appId: event.appId,
      originalIdentity: event.originalIdentity,
      workflowId: 'login',
      workflowVersion: 3,
      mode: 'event',
      eventId: event.id,
      hit,
      ruleId: hit ? 'new-country' : null,
      explanation: explanation(hit),
      createdAt: event.requestDate,
    };
  });
}

function answer(ctx, body) {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

function refuse(ctx, status, code) {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: 'about:blank', title: code, status, code, detail: code });
}

export function consoleUsersTestServer() {
  return async (ctx, next) => {
    await next();
    const match = /^\/__console\/([\w-]+)\/console\/api\/apps\/([^/]+)\/users\/([^/]+)(?:\/(events|decisions|lockouts|lockouts\/reset))?$/.exec(ctx.path);
    if (!match || ctx.status !== 404) return;
    const [, key, appId, user, what] = match;
    // As the backend's `pathIdentifier`: no control characters in an id.
    if ([...decodeURIComponent(user)].some((char) => char.charCodeAt(0) < 0x20)) return refuse(ctx, 400, 'invalid_identifier');
    // The page lists bob and alice; any other user it asks for is one the directory does not hold.
    if (what === undefined && ctx.method === 'GET') return refuse(ctx, 404, 'user_not_found');
    const events = freshEvents().filter((event) => event.appId === appId && event.originalIdentity === decodeURIComponent(user));
    if (what === 'events' && ctx.method === 'GET') return answer(ctx, { events });
    if (what === 'decisions' && ctx.method === 'GET') return answer(ctx, { decisions: decisions(events) });
    if (!resets.has(key)) resets.set(key, new Set());
    const done = resets.get(key);
    // Every user starts with a locked TOTP and a failing password sign-in, until reset.
    const lockouts = done.has(user) ? [] : LOCKOUTS;
    if (what === 'lockouts' && ctx.method === 'GET') return answer(ctx, { lockouts });
    if (what === 'lockouts/reset' && ctx.method === 'POST') {
      done.add(user);
      return answer(ctx, { reset: lockouts.map(({ factor, login }) => (login ? `${factor}:${login}` : factor)) });
    }
  };
}
