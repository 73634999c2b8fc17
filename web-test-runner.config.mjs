// Browser tests (`npm run test:browser`): every src/**/*.test.ts but the Node ones, and the console's, in Debian's Chromium
// (`apt-get install chromium`; .ci/run does it). Playwright drives it; it never downloads a browser.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { strictCspPage } from './src/test-support/csp-page.mjs';
import { sseTestServer } from './src/test-support/sse-server.mjs';
import { consoleTestServer } from './console/src/test-support/console-server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const require = createRequire(import.meta.url);

/**
 * CommonJS packages the browser code imports (lazily). The dev server serves ES modules only, so esbuild
 * bundles each (resolving its `browser` field) and re-exports its properties as named exports.
 */
const COMMONJS = ['qrcode', 'ipaddr.js'];

function commonJsPackages() {
  const cache = new Map();
  return {
    name: 'camfa-guard:commonjs',
    resolveImport({ source }) {
      if (COMMONJS.includes(source)) return `/__commonjs__/${source}.js`;
    },
    async serve(context) {
      const name = /^\/__commonjs__\/(.+)\.js$/.exec(context.path)?.[1];
      if (!name || !COMMONJS.includes(name)) return;
      if (!cache.has(name)) {
        const names = Object.keys(require(name)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default');
        const contents = `import m from '${name}'; export default m; export const { ${names.join(', ')} } = m;`;
        const result = await build({
          stdin: { contents, resolveDir: import.meta.dirname },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          write: false,
          logLevel: 'error',
        });
        cache.set(name, result.outputFiles[0].text);
      }
      return { body: cache.get(name), type: 'js' };
    },
  };
}

export default {
  files: ['src/**/*.test.ts', '!src/**/*.node.test.ts', 'console/**/*.test.ts'],
  // Production builds of dependencies (Lit without its dev-mode warnings), as the bundles ship them.
  nodeResolve: { browser: true, exportConditions: ['production'] },
  // Two workers on the 2-core machines; each test file gets its own page.
  concurrency: 2,
  testFramework: { config: { timeout: 10_000 } },
  middleware: [sseTestServer(), strictCspPage(), consoleTestServer()],
  plugins: [commonJsPackages(), esbuildPlugin({ ts: true, tsconfig: 'src/tsconfig.json', target: 'es2022' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
};
