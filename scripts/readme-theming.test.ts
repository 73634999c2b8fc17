/**
 * The README's theming section names every token and every part the elements have: a token or part added
 * without its line there fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIGHT_TOKENS } from '../src/themes/themes.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const theming = readme.slice(readme.indexOf('### Theming'), readme.indexOf('### Client metadata and privacy'));
const components = new URL('../src/components/', import.meta.url).pathname;

describe('README theming section', () => {
  it('lists every token', () => {
    const missing = Object.keys(LIGHT_TOKENS).filter((token) => !theming.includes(`\`--guard-${token}\``));
    expect(missing).toEqual([]);
  });

  it('lists every part of every element', () => {
    const missing = readdirSync(components).flatMap((folder) => {
      const source = readFileSync(join(components, folder, `${folder}.component.ts`), 'utf8');
      return [...source.matchAll(/@csspart ([a-z-]+)/g)].map(([, part]) => part!).filter((part) => !theming.includes(`\`${part}\``));
    });
    expect(missing).toEqual([]);
  });
});
