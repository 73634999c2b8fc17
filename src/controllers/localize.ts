import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { TranslationKey, Translator } from '../i18n/strings.js';

/** The part of `GuardContext` translation needs; all an element in a lazy chunk may know of it. */
export interface LocalizedContext {
  readonly i18n: Translator;
}

export interface LocalizedHost extends ReactiveControllerHost {
  context?: LocalizedContext;
}

/**
 * Translates for an element from its `context.i18n` and re-renders it when the language changes. The context
 * is a property set after the element is created (and may be replaced), so the subscription follows it on
 * every update rather than being made once at connection.
 */
export class LocalizeController implements ReactiveController {
  private readonly host: LocalizedHost;
  private followed: Translator | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(host: LocalizedHost) {
    this.host = host;
    host.addController(this);
  }

  /** Empty until the host has a context. An arrow function so render code can destructure it. */
  readonly t = (key: TranslationKey, values?: Record<string, string | number>): string => this.host.context?.i18n.t(key, values) ?? '';

  hostConnected(): void {
    this.follow(this.host.context?.i18n);
  }

  hostUpdate(): void {
    this.follow(this.host.context?.i18n);
  }

  hostDisconnected(): void {
    this.follow(undefined);
  }

  private follow(i18n: Translator | undefined): void {
    if (i18n === this.followed) return;
    this.unsubscribe?.();
    this.followed = i18n;
    this.unsubscribe = i18n?.onChange(() => this.host.requestUpdate());
  }
}
