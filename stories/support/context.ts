/**
 * What `Guard` hands its elements (`context`), for stories: real strings in the story's language and an API
 * stubbed at the ApiClient boundary, so every state renders without a backend.
 */
import type { ApiClient } from '../../src/core/api-client.js';
import { GuardError, type GuardErrorCode } from '../../src/core/errors.js';
import type { GuardContext, LoginResult } from '../../src/controllers/context.js';
import { GuardI18n } from '../../src/i18n/i18n.js';
import { MetadataClient } from '../../src/metadata/metadata-client.js';

/** How the stubbed login answers: at once, never (the loading state), or with an error code. */
export type LoginBehaviour = 'succeed' | 'pending' | GuardErrorCode;

export interface StoryContextOptions {
  lang?: string;
  login?: LoginBehaviour;
  /** Stubbed ApiClient methods (`sendLoginCode`, the step-up calls). */
  api?: Partial<ApiClient>;
}

export async function storyContext({ lang = 'en', login = 'succeed', api = {} }: StoryContextOptions = {}): Promise<GuardContext> {
  return {
    appId: 'storybook',
    api: { host: 'https://mfa.example.com', appId: 'storybook', ...api } as ApiClient,
    i18n: await GuardI18n.create({ lang }),
    metadata: new MetadataClient(),
    login: (credentials): Promise<LoginResult> => {
      if (login === 'pending') return new Promise(() => {});
      if (login === 'succeed') return Promise.resolve({ user: { originalIdentity: credentials.login } });
      return Promise.reject(new GuardError(login));
    },
  };
}
