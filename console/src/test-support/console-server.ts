/** The browser tests' side of `console-server.mjs`: a fresh key per test, its API client, its request log and the Live stream's feed. */
import { ConsoleApi } from '../api.js';

let keys = 0;

export interface TestConsole {
  key: string;
  api: ConsoleApi;
  /** The requests the test server saw, in order, with the query, the CSRF and the If-Match header each carried. */
  log(): Promise<{ method: string; path: string; query: string; csrf: string | null; ifMatch: string | null }[]>;
  /** Sends an SSE event to every open Live stream its filters let through; answers how many streams are open. */
  push(type: 'ueba' | 'decision', data: unknown): Promise<number>;
  /** How many Live streams are open. */
  streams(): Promise<number>;
}

/** `role` viewer signs in a viewer; `signedIn` starts with the session cookie already set. */
export async function testConsole(options: { role?: 'editor' | 'viewer'; signedIn?: boolean } = {}): Promise<TestConsole> {
  const key = `${options.role ?? 'editor'}-${Date.now().toString(36)}-${++keys}`;
  const base = `/__console/${key}`;
  const api = new ConsoleApi({ baseUrl: `${base}/console/api` });
  if (options.signedIn ?? true) await api.signIn('good-token');
  const push = async (type: string, data: unknown) => {
    const response = await fetch(`${base}/live/push`, { method: 'POST', body: JSON.stringify({ type, data }) });
    return ((await response.json()) as { listeners: number }).listeners;
  };
  const streams = async () => ((await (await fetch(`${base}/live/push`)).json()) as { listeners: number }).listeners;
  return { key, api, log: async () => (await fetch(`${base}/log`)).json(), push, streams };
}
