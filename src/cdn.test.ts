/**
 * The built CDN files (`npm test` builds before the browser tests): the classic script defines
 * window.GuardFactory, and both builds load a lazy locale chunk from beside themselves.
 */
import { expect } from 'chai';
import type * as Browser from './index.js';

type GuardFactoryGlobal = typeof globalThis & { GuardFactory?: typeof Browser.GuardFactory };

function loadClassicScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`${src} did not load (run npm run build)`));
    document.head.append(script);
  });
}

const chunkRequests = () =>
  performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname)
    .filter((path) => path.includes('/chunks/'));

describe('CDN builds', () => {
  it('guard.iife.js sets window.GuardFactory and loads the ja chunk from its own directory', async () => {
    await loadClassicScript('/dist/cdn/guard.iife.js');
    const factory = (globalThis as GuardFactoryGlobal).GuardFactory;
    expect(Object.keys(factory ?? {}).sort()).to.deep.equal(['ApiClient', 'Guard', 'GuardError', 'MetadataClient', 'defineElements']);
    const guard = new factory!.Guard({ appId: 'shop', host: 'https://mfa.example.com' });
    expect(await guard.changeLang('ja')).to.equal('ja');
    expect((await guard.i18n()).t('stepUp.title')).to.equal('本人確認');
    expect(chunkRequests()).to.include('/dist/cdn/chunks/locale-ja.js');
  });

  it('guard.js exports the npm names and loads the zh-TW chunk from its own directory', async () => {
    const module = (await import(/* @vite-ignore */ `${location.origin}/dist/cdn/guard.js`)) as typeof Browser;
    expect(typeof module.Guard).to.equal('function');
    expect(typeof module.MetadataClient).to.equal('function');
    const i18n = await module.GuardI18n.create({ lang: 'zh-TW' });
    expect(i18n.t('stepUp.title')).to.equal('確認是您本人');
    expect(chunkRequests()).to.include('/dist/cdn/chunks/locale-zh-TW.js');
  });
});
