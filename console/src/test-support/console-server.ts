/** The browser tests' side of `console-server.mjs`: a fresh key per test, its API client and its request log. */
import { ConsoleApi } from '../api.js';

let keys = 0;

export interface TestConsole {
  key: string;
  api: ConsoleApi;
  /** The requests the test server saw, in order, with the CSRF header each carried. */
  log(): Promise<{ method: string; path: string; csrf: string | null }[]>;
}

/** `role` viewer signs in a viewer; `signedIn` starts with the session cookie already set. */
export async function testConsole(options: { role?: 'editor' | 'viewer'; signedIn?: boolean } = {}): Promise<TestConsole> {
  const key = `${options.role ?? 'editor'}-${Date.now().toString(36)}-${++keys}`;
  const base = `/__console/${key}`;
  const api = new ConsoleApi({ baseUrl: `${base}/console/api` });
  if (options.signedIn ?? true) await api.signIn('good-token');
  return { key, api, log: async () => (await fetch(`${base}/log`)).json() };
}
