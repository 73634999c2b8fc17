import { expect } from 'chai';
import { ConsoleApi, ConsoleApiError } from './api.js';
import { testConsole } from './test-support/console-server.js';

async function refusal(promise: Promise<unknown>): Promise<ConsoleApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ConsoleApiError);
    return error as ConsoleApiError;
  }
  throw new Error('expected a refusal');
}

describe('ConsoleApi', () => {
  it('sends the session cookie and the session’s CSRF token on every change, none on reads', async () => {
    const { api, key, log } = await testConsole();
    await api.apps();
    const { app } = await api.createApp({ id: 'bank', name: 'Bank', origins: [] });
    await api.updateApp(app.id, app.version, { name: 'Bank 2' });
    await api.removeApp(app.id);
    const seen = (await log()).map(({ method, path, csrf }) => `${method} ${path} ${csrf}`);
    // The first request is the sign-in, before any token is known.
    expect(seen).to.deep.equal([
      'POST /session null',
      'GET /apps null',
      `POST /apps csrf-${key}`,
      `PATCH /apps/bank csrf-${key}`,
      `DELETE /apps/bank csrf-${key}`,
    ]);
  });

  it('learns the CSRF token from GET /session too (a page reload keeps the cookie, not the token)', async () => {
    const { key } = await testConsole();
    const reloaded = new ConsoleApi({ baseUrl: `/__console/${key}/console/api` });
    expect((await reloaded.session()).admin).to.deep.equal({ name: 'ada', role: 'editor' });
    const { app } = await reloaded.createApp({ id: 'after-reload', name: 'After reload', origins: [] });
    expect(app.source).to.equal('console');
  });

  it('turns problem+json into an error carrying its code, status and problem', async () => {
    const { api } = await testConsole();
    const [shop] = await api.apps();
    const error = await refusal(api.updateApp(shop!.id, shop!.version, { name: 'x' }));
    expect(error.code).to.equal('app_read_only');
    expect(error.status).to.equal(409);
    expect(error.problem?.code).to.equal('app_read_only');
  });

  it('is refused csrf_token_invalid without the token, and console_session_required without a session', async () => {
    const { key } = await testConsole();
    const tokenless = new ConsoleApi({ baseUrl: `/__console/${key}/console/api` });
    expect((await refusal(tokenless.createApp({ id: 'x', name: 'x', origins: [] }))).code).to.equal('csrf_token_invalid');
    const stranger = new ConsoleApi({ baseUrl: `/__console/nobody-${Date.now()}/console/api` });
    const error = await refusal(stranger.session());
    expect([error.code, error.status]).to.deep.equal(['console_session_required', 401]);
  });

  it('sends If-Match with the version read, so a stale edit is refused edit_conflict', async () => {
    const { api } = await testConsole();
    const { app } = await api.createApp({ id: 'race', name: 'Race', origins: [] });
    await api.updateApp(app.id, app.version, { name: 'First' });
    expect((await refusal(api.updateApp(app.id, app.version, { name: 'Second' }))).code).to.equal('edit_conflict');
  });

  it('names an unreachable backend network', async () => {
    const api = new ConsoleApi({ baseUrl: 'http://127.0.0.1:9/console/api' });
    expect((await refusal(api.apps())).code).to.equal('network');
  });
});
