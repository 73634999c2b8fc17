import { randomBytes } from 'node:crypto';
import type { AppConfig, Config } from '../config/schema.js';
import type { FactorType } from '../protocol/index.js';

/** The reserved app id of the admin console: its administrators are users of the built-in directory under it. */
export const CONSOLE_APP_ID = 'camfa-console';

/** The console's own login workflow; app-scoped, so no global workflow of the same id can replace it. */
export const CONSOLE_LOGIN_WORKFLOW_ID = 'console-login';

/** What an administrator must prove after the password: something phishing-resistant or at least not sent over a channel. */
export const CONSOLE_FACTORS: FactorType[] = ['totp', 'webauthn'];

/** Every console sign-in steps up, whatever the statistics say: there is no "low-risk" administrator login. */
const CONSOLE_LOGIN_WORKFLOW = {
  id: CONSOLE_LOGIN_WORKFLOW_ID,
  name: 'Console sign-in',
  description: 'Built in: every sign-in to the admin console is stepped up with an authenticator app or a passkey.',
  modes: ['api'],
  rules: [
    {
      id: 'always',
      // A failed password never reaches the workflow as a hit (there is no session to protect).
      when: "event.behaviorResult != 'failure'",
      then: {
        factors: CONSOLE_FACTORS,
        message: {
          en: 'Administrators confirm every console sign-in',
          'zh-CN': '管理员每次登录控制台都需要二次验证',
          'zh-TW': '管理員每次登入控制台都需要二次驗證',
          ja: '管理者はコンソールへのサインインごとに本人確認が必要です',
        },
      },
    },
  ],
};

/**
 * The console as an app of this backend: its origin is the backend's own (the console is served here), and its
 * secret is random per process and never shown, so nothing can call the app API as the console.
 */
export function consoleApp(publicUrl: string): AppConfig {
  return {
    id: CONSOLE_APP_ID,
    name: 'camfa-guard console',
    secret: randomBytes(32).toString('base64url'),
    origins: [new URL(publicUrl).origin],
    loginWorkflow: CONSOLE_LOGIN_WORKFLOW_ID,
    // Switched on for the app too, so no step-up of the console (whatever a workflow names) offers another factor.
    factors: [...CONSOLE_FACTORS],
  };
}

/**
 * The config with the console app and its login workflow added, so `/v1/login` and `/v1/stepup/*` serve it
 * exactly as any configured app. A config that declares `camfa-console` itself is refused by `createApp`.
 */
export function withConsoleApp(config: Config, publicUrl: string): Config {
  return {
    ...config,
    apps: [...config.apps, consoleApp(publicUrl)],
    policies: { ...config.policies, documents: [...config.policies.documents, { app: CONSOLE_APP_ID, document: CONSOLE_LOGIN_WORKFLOW }] },
  };
}
