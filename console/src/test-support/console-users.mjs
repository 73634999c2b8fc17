// The Users page's one-user look-up, history and lockouts for console-server.mjs's users route (which has
// checked the session, the CSRF token and the viewer's role and logged the request by then): a user's events and
// decisions, the lockouts and their reset.

const LOCKOUTS = [
  { factor: 'totp', failures: 10, locked: true, retryAt: Date.parse('2026-01-05T10:05:00Z') },
  { factor: 'password', login: 'username', failures: 3, locked: false, retryAt: null },
];

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

/**
 * `GET …/users/{id}` and its `events`, `decisions`, `lockouts` and `lockouts/reset`, answered through `reply`;
 * false for any other path. `state.lockoutsReset` holds the users whose lockouts were reset already (the next
 * reset finds nothing).
 */
export function userRoute(reply, state, { appId, user, what, method }) {
  const answer = (status, body) => (reply.json(status, body), true);
  const refuse = (status, code) => (reply.problem(status, code), true);
  const id = decodeURIComponent(user);
  // As the backend's `pathIdentifier`: no control characters in an id.
  if ([...id].some((char) => char.charCodeAt(0) < 0x20)) return refuse(400, 'invalid_identifier');
  if (what === undefined && method === 'GET') {
    const listed = state.users.find((candidate) => candidate.originalIdentity === id);
    return listed ? answer(200, listed) : refuse(404, 'user_not_found');
  }
  const events = state.events.filter((event) => event.appId === appId && event.originalIdentity === id);
  if (what === 'events' && method === 'GET') return answer(200, { events });
  if (what === 'decisions' && method === 'GET') return answer(200, { decisions: decisions(events) });
  // Every user starts with a locked TOTP and a failing password sign-in, until reset.
  const lockouts = state.lockoutsReset.has(user) ? [] : LOCKOUTS;
  if (what === 'lockouts' && method === 'GET') return answer(200, { lockouts });
  if (what === 'lockouts/reset' && method === 'POST') {
    state.lockoutsReset.add(user);
    return answer(200, { reset: lockouts.map(({ factor, login }) => (login ? `${factor}:${login}` : factor)) });
  }
  return false;
}
