/**
 * The console's pages and their paths under `/console/` (history API: the backend answers index.html for
 * every path there but `/console/api/`). The router owns `location`; pages never read it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConsoleStringKey } from '../i18n/en.js';

export const PAGES = ['apps', 'policies', 'simulate', 'live', 'users', 'audit'] as const;
export type PageName = (typeof PAGES)[number];

export const PAGE_TITLES: Record<PageName, ConsoleStringKey> = {
  apps: 'nav.apps',
  policies: 'nav.policies',
  simulate: 'nav.simulate',
  live: 'nav.live',
  users: 'nav.users',
  audit: 'nav.audit',
};

export const CONSOLE_BASE = '/console/';

export function pagePath(page: PageName): string {
  return `${CONSOLE_BASE}${page}`;
}

/** The page a path shows: `/console/` and anything unknown show the apps. */
export function pageOf(pathname: string): PageName {
  const name = pathname.startsWith(CONSOLE_BASE) ? pathname.slice(CONSOLE_BASE.length).split('/')[0] : '';
  return (PAGES as readonly string[]).includes(name ?? '') ? (name as PageName) : 'apps';
}

/**
 * Follows `location` (back and forward included) and moves it with `navigate`; the host re-renders on each
 * change, and `navigated` tells it when the change came from the user (so it moves focus to the new heading).
 */
export class RouterController implements ReactiveController {
  page: PageName = pageOf(location.pathname);
  /** Whether the current page was reached by navigating (not the first load). */
  navigated = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('popstate', this.onPopState);
  }

  hostDisconnected(): void {
    window.removeEventListener('popstate', this.onPopState);
  }

  navigate(page: PageName): void {
    if (location.pathname !== pagePath(page)) history.pushState(null, '', pagePath(page));
    this.show(page);
  }

  /** For the navigation's links: a plain click is handled here; a modified one (new tab) is the browser's. */
  linkClick = (event: MouseEvent, page: PageName): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(page);
  };

  private readonly onPopState = (): void => this.show(pageOf(location.pathname));

  private show(page: PageName): void {
    this.page = page;
    this.navigated = true;
    this.host.requestUpdate();
  }
}
