/** Mounting the console in a browser test: Web Awesome's theme as the built page loads it, and the shell. */
import type { ConsoleApi } from '../api.js';
import type { CamfaConsole } from '../shell/shell.js';
import '../shell/shell.js';

/** The theme stylesheet `main.ts` imports in the build (the test runner loads no CSS modules). */
export async function loadTheme(): Promise<void> {
  if (document.querySelector('link[data-console-theme]')) return;
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/node_modules/@awesome.me/webawesome/dist/styles/webawesome.css' });
  link.dataset.consoleTheme = '';
  const loaded = new Promise((resolve, reject) => {
    link.addEventListener('load', resolve);
    link.addEventListener('error', reject);
  });
  document.head.append(link);
  await loaded;
}

/** A `<camfa-console>` on `path` with its API client; removed (and the URL restored) by the returned function. */
export function mountConsole(api: ConsoleApi, path = '/console/'): { shell: CamfaConsole; unmount: () => void } {
  const original = location.pathname + location.search;
  history.replaceState(null, '', path);
  const shell = document.createElement('camfa-console');
  shell.api = api;
  document.body.append(shell);
  return {
    shell,
    unmount: () => {
      shell.remove();
      history.replaceState(null, '', original);
    },
  };
}
