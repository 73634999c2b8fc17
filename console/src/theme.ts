/**
 * Light or dark: Web Awesome's `wa-light` / `wa-dark` class on `<html>`. The toggle's choice is remembered;
 * until someone chooses, the OS preference (`prefers-color-scheme`) decides.
 */
export type ConsoleTheme = 'light' | 'dark';

const STORAGE_KEY = 'camfa-console-theme';

export function preferredTheme(): ConsoleTheme {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: ConsoleTheme, options: { remember?: boolean } = {}): void {
  const root = document.documentElement;
  root.classList.toggle('wa-dark', theme === 'dark');
  root.classList.toggle('wa-light', theme === 'light');
  if (options.remember) localStorage.setItem(STORAGE_KEY, theme);
}
