import { ApiClient, isObject, readProblem } from './core/api-client.js';
import { Emitter } from './core/emitter.js';
import { endsStepUp, GuardError } from './core/errors.js';
import { subscribeEventStream } from './core/event-stream.js';
import type { GuardContext, LoginCredentials, LoginResult } from './controllers/context.js';
import type { GuardUser, LoginAnswer, MfaEvent, MfaTriggerData, StepUpSuccess } from './core/types.js';
import { GuardCloseEvent } from './events/close.js';
import { GuardErrorEvent } from './events/error.js';
import { GuardStepUpCompleteEvent } from './events/step-up-complete.js';
import { GuardI18n, type StringOverrides } from './i18n/i18n.js';
import type { Language } from './i18n/languages.js';
import { MetadataClient, type ClientMetadata } from './metadata/metadata-client.js';
import { defineElements } from './register.js';
import type { Theme } from './themes/themes.js';

export type { GuardContext, LoginCredentials, LoginResult };

export interface GuardOptions {
  appId: string;
  /** The camfa-guard backend's public URL. */
  host: string;
  /** BCP 47; default: the browser's preferred languages, else English. */
  lang?: string;
  /** `normal` renders into the element given to `start()`; `modal` renders an overlay on `document.body`. */
  mode?: 'normal' | 'modal';
  /** Default `light`; `auto` follows `prefers-color-scheme`. */
  theme?: Theme;
  /** CSP nonce for the style fallback of browsers without constructable stylesheets (Lit's `litNonce`). */
  nonce?: string;
  /** Replace any string, per language or for all (`'*'`). */
  strings?: StringOverrides;
  /**
   * Post the login form to your own endpoint instead of the backend's user directory. It receives
   * `{ login, password, metadata }` and answers `{ user?, token? }`, or `{ mfa: MfaTriggerData }` to run a step-up.
   */
  loginUrl?: string;
  /** Per backend request; default 15 s. */
  timeoutMs?: number;
  /** Used for the backend and by `guard.fetch`; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Where the face factor loads its models (`models/`) and tfjs WebAssembly (`wasm/`); default `${host}/v1/face/`. */
  faceModelsUrl?: string;
}

export interface BeforeLoginInput {
  login: string;
  metadata: ClientMetadata | undefined;
}

/** `guard.on(name, handler)`: the arguments each handler receives. */
export interface GuardEvents {
  [name: string]: unknown[];
  load: [element: HTMLElement];
  /** Return `false` (or a Promise of it) to stop the login; the form shows `errors.cancelled`. */
  'before-login': [input: BeforeLoginInput];
  login: [result: LoginResult];
  'login-error': [error: GuardError];
  mfa: [trigger: MfaTriggerData];
  'mfa-success': [success: StepUpSuccess];
  'mfa-error': [error: GuardError];
  close: [];
  'lang-change': [language: Language];
}

/** The properties Guard sets on the elements it mounts. */
export interface GuardHostedElement extends HTMLElement {
  context?: GuardContext;
  /** `<guard-step-up>`: the step-up to run. */
  trigger?: MfaTriggerData;
  /** `<guard-step-up>`: whether the user may cancel (Escape, close button). */
  cancellable?: boolean;
  /**
   * `<guard-step-up>`: while true the element puts itself back when a script removes or hides it. Guard
   * clears it before it takes the element down.
   */
  locked?: boolean;
}

export interface StartMfaOptions {
  /**
   * Whether the user may close the step-up without passing it (then `startMfa` rejects `cancelled`). Default
   * false: a trigger is a pending step-up of a locked session, which closing the modal would not unlock. Pass
   * true for a step-up the user may walk away from (Guard's own login-time step-up does).
   */
  cancellable?: boolean;
}

/** Whether the running step-up may be closed, and its element once created: a later, stricter caller locks both. */
interface StepUpLock {
  cancellable: boolean;
  element?: GuardHostedElement;
}

interface Mounted {
  element: GuardHostedElement;
  /** Settles whatever promise waits on the element. */
  cancel(error: GuardError): void;
}

const STEP_UP_CHALLENGE = /\berror="insufficient_user_authentication"/;

/**
 * The browser entry point (CONTRACT.md): renders the login and step-up elements, runs continuous MFA from
 * the backend's event stream, and retries API calls after a step-up. Constructing one touches no DOM; the
 * elements are registered and created on first use.
 */
export class Guard {
  readonly options: Readonly<GuardOptions>;
  readonly api: ApiClient;
  readonly metadata = new MetadataClient();
  private readonly events = new Emitter<GuardEvents>();
  private i18nReady: Promise<GuardI18n> | undefined;
  private readonly mounted = new Set<Mounted>();
  private readonly subscriptions = new Set<() => void>();
  /** The step-up running now, which later callers join. */
  private activeStepUp: { done: Promise<StepUpSuccess>; lock: StepUpLock } | undefined;

  constructor(options: GuardOptions) {
    if (!options?.appId || !options.host) throw new GuardError('invalid_request', 'Guard needs appId and host');
    this.options = { ...options };
    this.api = new ApiClient({ host: options.host, appId: options.appId, timeoutMs: options.timeoutMs, fetch: options.fetch });
    if (options.nonce) (globalThis as { litNonce?: string }).litNonce ??= options.nonce;
  }

  on<Name extends keyof GuardEvents>(name: Name, handler: (...args: GuardEvents[Name]) => unknown): this {
    this.events.on(name, handler);
    return this;
  }

  /** Without a handler: removes every handler of that event. */
  off<Name extends keyof GuardEvents>(name: Name, handler?: (...args: GuardEvents[Name]) => unknown): this {
    this.events.off(name, handler);
    return this;
  }

  /** The strings of this Guard (created on first use, in the `lang` option's language). */
  i18n(): Promise<GuardI18n> {
    this.i18nReady ??= GuardI18n.create({ lang: this.options.lang, overrides: this.options.strings });
    return this.i18nReady;
  }

  /** Bumped by unmount(), so work started before it is dropped. */
  private generation = 0;

  /**
   * Renders `<guard-login>` (into `target` in normal mode, as an overlay in modal mode) and resolves after
   * the user signed in, step-up included.
   */
  async start(target?: Element | string): Promise<LoginResult> {
    const modal = this.options.mode === 'modal';
    const container = modal ? document.body : typeof target === 'string' ? document.querySelector(target) : target;
    if (!container) throw new GuardError('invalid_request', `No element matches ${String(target)}`);
    const { element, i18n } = await this.create('guard-login');
    if (modal) element.setAttribute('mode', 'modal');
    return new Promise<LoginResult>((resolve, reject) => {
      const mounted: Mounted = {
        element,
        cancel: (error) => {
          this.takeDown(mounted);
          reject(error);
        },
      };
      element.context = this.context(i18n, (result) => {
        this.takeDown(mounted);
        resolve(result);
      });
      element.addEventListener(GuardCloseEvent.type, () => this.events.emit('close'));
      this.mounted.add(mounted);
      container.append(element);
      this.events.emit('load', element);
    });
  }

  /**
   * Runs a step-up in the session-locked `<guard-step-up>` modal and resolves with the mfaToken. While one
   * runs, later calls join it (a 401 and an MFA event about the same lock open one modal, not two).
   */
  async startMfa(trigger: MfaTriggerData, options: StartMfaOptions = {}): Promise<string> {
    return (await this.stepUp(trigger, options)).mfaToken;
  }

  /**
   * Continuous MFA: listens to the user's MFA events and opens the step-up modal by itself when one is
   * published (not cancellable: the session is locked until the user passes). `subscriptionToken` comes from
   * your backend (`auth.mfa.createSubscriptionToken`); pass a function to fetch a fresh one on reconnect.
   */
  subscribe(
    topic: 'security.mfa',
    options: { originalIdentity?: string; subscriptionToken: string | (() => string | Promise<string>) },
    onEvent?: (event: MfaEvent) => void,
  ): () => void {
    const { originalIdentity, subscriptionToken } = options;
    const stop = subscribeEventStream<MfaEvent>({
      url: async (lastEventId) => this.api.eventStreamUrl(typeof subscriptionToken === 'function' ? await subscriptionToken() : subscriptionToken, lastEventId),
      types: [topic, `${topic}.resolved`],
      onEvent: ({ data }) => {
        if (originalIdentity && data.originalIdentity !== originalIdentity) return;
        onEvent?.(data);
        // Failures were reported through 'mfa-error'; nobody awaits this promise.
        if (data.type === topic && data.trigger) this.stepUp(data.trigger, { cancellable: false }).catch(() => {});
      },
    });
    this.subscriptions.add(stop);
    return () => {
      stop();
      this.subscriptions.delete(stop);
    };
  }

  /**
   * `fetch` for your own APIs (RFC 9470): when the answer is a 401 with
   * `WWW-Authenticate: Bearer error="insufficient_user_authentication"` (or that problem `code`) and its
   * problem document carries the step-up (`trigger`, as `mfaAuthMiddleware` sends it), runs the step-up and
   * sends the request once more. Any other answer, and the retry's, is returned as it is. Rejects with the
   * step-up's GuardError if the user does not pass.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    const request = new Request(input, init);
    // Cloned before sending: a sent body cannot be read again.
    const retry = request.clone();
    const response = await fetchImpl(request);
    if (response.status !== 401) return response;
    const problem = await readProblem(response);
    const challenged = STEP_UP_CHALLENGE.test(response.headers.get('www-authenticate') ?? '') || problem?.code === 'insufficient_user_authentication';
    if (!challenged || !isTrigger(problem?.trigger)) return response;
    // The middleware refuses this user's every request until the step-up passes: closing it would unlock nothing.
    await this.stepUp(problem.trigger, { cancellable: false });
    return fetchImpl(retry);
  }

  /** Switches every element of this Guard to another language (loading it first). */
  async changeLang(lang: string): Promise<Language> {
    const language = await (await this.i18n()).changeLanguage(lang);
    this.events.emit('lang-change', language);
    return language;
  }

  /** Shows the login element again after `hide()`. */
  show(): void {
    for (const { element } of this.logins()) element.hidden = false;
  }

  /** Hides the login element (a running step-up stays: it is session-locked). */
  hide(): void {
    const logins = this.logins();
    for (const { element } of logins) element.hidden = true;
    if (logins.length > 0) this.events.emit('close');
  }

  /** Takes every element of this Guard down and stops its subscriptions; pending promises reject `cancelled`. */
  unmount(): void {
    // An element still being created (awaiting its strings) belongs to the old generation and is never mounted.
    this.generation += 1;
    for (const stop of this.subscriptions) stop();
    this.subscriptions.clear();
    for (const mounted of [...this.mounted]) mounted.cancel(new GuardError('cancelled', 'The guard was unmounted'));
  }

  private stepUp(trigger: MfaTriggerData, options: StartMfaOptions): Promise<StepUpSuccess> {
    const cancellable = options.cancellable ?? false;
    const running = this.activeStepUp;
    if (running) {
      // The stricter caller wins: an MFA event arriving during a cancellable login step-up locks it.
      if (!cancellable) {
        running.lock.cancellable = false;
        if (running.lock.element) running.lock.element.cancellable = false;
      }
      return running.done;
    }
    const lock: StepUpLock = { cancellable };
    const done = this.runStepUp(trigger, lock).finally(() => {
      this.activeStepUp = undefined;
    });
    this.activeStepUp = { done, lock };
    return done;
  }

  private async runStepUp(trigger: MfaTriggerData, lock: StepUpLock): Promise<StepUpSuccess> {
    const { element, i18n } = await this.create('guard-step-up');
    lock.element = element;
    element.trigger = trigger;
    element.cancellable = lock.cancellable;
    // Session-locked until it ends: a script removing or hiding the modal does not skip the step-up.
    element.locked = true;
    this.events.emit('mfa', trigger);
    return new Promise<StepUpSuccess>((resolve, reject) => {
      const fail = (error: GuardError) => {
        this.takeDown(mounted);
        this.events.emit('mfa-error', error);
        reject(error);
      };
      const mounted: Mounted = { element, cancel: fail };
      element.context = this.context(i18n);
      element.addEventListener(GuardStepUpCompleteEvent.type, (event) => {
        this.takeDown(mounted);
        this.events.emit('mfa-success', event.detail);
        resolve(event.detail);
      });
      element.addEventListener(GuardErrorEvent.type, (event) => {
        // Wrong codes and resends are the element's business; only errors that end the step-up end the promise.
        if (endsStepUp(event.detail.error)) fail(event.detail.error);
        else this.events.emit('mfa-error', event.detail.error);
      });
      element.addEventListener(GuardCloseEvent.type, () => fail(new GuardError('cancelled', 'The user closed the step-up')));
      this.mounted.add(mounted);
      document.body.append(element);
    });
  }

  /** A registered, themed element of ours, not yet in the document, and the strings it will use. */
  private async create(tag: 'guard-login' | 'guard-step-up'): Promise<{ element: GuardHostedElement; i18n: GuardI18n }> {
    defineElements();
    if (!customElements.get(tag)) throw new GuardError('unknown', `<${tag}> is not defined`);
    const generation = this.generation;
    const i18n = await this.i18n();
    // React's StrictMode mounts, unmounts and mounts again: the first start() must not render after its unmount().
    if (generation !== this.generation) throw new GuardError('cancelled', 'The guard was unmounted');
    const element = document.createElement(tag) as GuardHostedElement;
    element.setAttribute('theme', this.options.theme ?? 'light');
    return { element, i18n };
  }

  private context(i18n: GuardI18n, signedIn?: (result: LoginResult) => void): GuardContext {
    return {
      appId: this.options.appId,
      api: this.api,
      i18n,
      metadata: this.metadata,
      faceModelsUrl: this.options.faceModelsUrl ?? `${this.options.host.replace(/\/$/, '')}/v1/face/`,
      login: async (credentials) => {
        try {
          const result = await this.login(credentials);
          this.events.emit('login', result);
          signedIn?.(result);
          return result;
        } catch (caught) {
          const error = GuardError.from(caught);
          this.events.emit('login-error', error);
          throw error;
        }
      },
    };
  }

  private async login(credentials: LoginCredentials): Promise<LoginResult> {
    // Metadata is a hint for the risk decision; a login must not fail for want of it.
    const metadata = await this.metadata.load().catch(() => undefined);
    if (await this.events.vetoed('before-login', { login: credentials.login, metadata })) {
      throw new GuardError('cancelled', 'A before-login handler stopped the login');
    }
    // The backend issued the passkey's challenge, so it checks the answer even when `loginUrl` handles passwords.
    if (this.options.loginUrl && !('passkey' in credentials)) {
      const answer = await this.api.post<unknown>(this.options.loginUrl, { ...credentials, metadata });
      const fields = isObject(answer) ? answer : {};
      if (isTrigger(fields.mfa)) return this.loginStepUp(fields.mfa, isObject(fields.user) ? (fields.user as GuardUser) : undefined);
      return {
        user: isObject(fields.user) ? (fields.user as GuardUser) : { originalIdentity: credentials.login },
        ...(typeof fields.token === 'string' ? { token: fields.token } : {}),
      };
    }
    // The backend takes the device id; it reads the rest (UA, IP) from the request itself.
    const deviceMetadata = metadata?.deviceId ? { deviceId: metadata.deviceId } : {};
    const answer: LoginAnswer =
      'password' in credentials
        ? await this.api.login({ ...credentials, metadata: deviceMetadata })
        : 'passkey' in credentials
          ? await this.api.verifyPasskeyLogin({ challengeId: credentials.challengeId, response: credentials.passkey, metadata: deviceMetadata })
          : await this.api.verifyLoginCode({ ...credentials, metadata: deviceMetadata });
    if (answer.status === 'mfa_required') return this.loginStepUp(answer.mfa);
    return { user: answer.user, token: answer.token };
  }

  private async loginStepUp(trigger: MfaTriggerData, user?: GuardUser): Promise<LoginResult> {
    const stepUp = await this.stepUp(trigger, { cancellable: true });
    return { user: user ?? { originalIdentity: trigger.originalIdentity }, token: stepUp.mfaToken, stepUp };
  }

  private logins(): Mounted[] {
    return [...this.mounted].filter(({ element }) => element.localName === 'guard-login');
  }

  private takeDown(mounted: Mounted): void {
    mounted.element.locked = false;
    mounted.element.remove();
    this.mounted.delete(mounted);
  }
}

function isTrigger(value: unknown): value is MfaTriggerData {
  return isObject(value) && typeof value.stateToken === 'string' && Array.isArray(value.factors);
}
