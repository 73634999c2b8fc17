import { expect } from 'chai';
import { GUARD_ERROR_CODES } from '../core/errors.js';
import { loadLocale } from '../lazy.js';
import { GuardI18n, matchLanguage, resolveLanguage } from './i18n.js';
import { LANGUAGES, type LazyLanguage } from './languages.js';
import en from './locales/en.js';

/** Every leaf of a nested string table, as `dotted.key → value`. */
function leaves(table: object, prefix = ''): Map<string, unknown> {
  const result = new Map<string, unknown>();
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === 'object' && value !== null) for (const [inner, leaf] of leaves(value, `${prefix}${key}.`)) result.set(inner, leaf);
    else result.set(`${prefix}${key}`, value);
  }
  return result;
}

const placeholders = (text: unknown) => [...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort();

describe('i18n', () => {
  const english = leaves(en);

  it('has a string for every error code', () => {
    for (const code of GUARD_ERROR_CODES)
      expect(english.get(`errors.${code}`), code)
        .to.be.a('string')
        .and.not.equal('');
  });

  for (const lang of LANGUAGES.filter((language): language is LazyLanguage => language !== 'en')) {
    it(`${lang} has exactly the keys of en, each a non-empty string with the same placeholders`, async () => {
      const strings = leaves(await loadLocale(lang));
      expect([...strings.keys()].sort()).to.deep.equal([...english.keys()].sort());
      for (const [key, value] of strings) {
        expect(value, key).to.be.a('string').and.not.equal('');
        expect(placeholders(value), key).to.deep.equal(placeholders(english.get(key)));
      }
    });
  }

  it('addresses the user formally (您) throughout Chinese, as the step-up and login copy do, never with 你', async () => {
    for (const lang of ['zh-CN', 'zh-TW'] as const) {
      const informal = [...leaves(await loadLocale(lang))].filter(([, value]) => String(value).includes('你')).map(([key]) => key);
      expect(informal, lang).to.deep.equal([]);
    }
  });

  it('matches browser language tags to the shipped locales', () => {
    expect(['zh', 'zh-CN', 'zh-Hans-CN', 'zh-SG', 'zh-TW', 'zh-Hant', 'zh-HK', 'ja-JP', 'en-GB', 'fr'].map(matchLanguage)).to.deep.equal([
      'zh-CN',
      'zh-CN',
      'zh-CN',
      'zh-CN',
      'zh-TW',
      'zh-TW',
      'zh-TW',
      'ja',
      'en',
      undefined,
    ]);
    expect(resolveLanguage(undefined, ['fr-FR', 'ja'])).to.equal('ja');
    expect(resolveLanguage('de', ['fr'])).to.equal('en');
    expect(resolveLanguage('zh-TW', ['ja'])).to.equal('zh-TW');
  });

  it('starts in the requested language, interpolates, switches and notifies, and applies overrides per language', async () => {
    const i18n = await GuardI18n.create({
      lang: 'zh-CN',
      overrides: { '*': { login: { title: 'ACME' } }, ja: { common: { cancel: 'やめる' } } },
    });
    expect(i18n.language).to.equal('zh-CN');
    expect(i18n.t('code.sent', { destination: '+86 •••• 8000' })).to.equal('验证码已发送至 +86 •••• 8000。');
    expect(i18n.t('login.title')).to.equal('ACME');
    const changes: string[] = [];
    const off = i18n.onChange((language) => changes.push(language));
    expect(await i18n.changeLanguage('ja')).to.equal('ja');
    expect([i18n.t('common.cancel'), i18n.t('login.title'), i18n.t('common.back')]).to.deep.equal(['やめる', 'ACME', '戻る']);
    expect(await i18n.changeLanguage('xx')).to.equal('en');
    expect(i18n.t('common.cancel')).to.equal('Cancel');
    off();
    await i18n.changeLanguage('zh-TW');
    expect(changes).to.deep.equal(['ja', 'en']);
  });

  it('ends in the language asked for last, even when an earlier switch is still loading its locale', async () => {
    const i18n = await GuardI18n.create({ lang: 'en' });
    const changes: string[] = [];
    i18n.onChange((language) => changes.push(language));
    const slow = i18n.changeLanguage('zh-TW');
    await i18n.changeLanguage('en');
    await slow;
    expect([i18n.language, i18n.t('common.back'), ...changes]).to.deep.equal(['en', 'Back', 'en']);
  });

  it('keeps each instance to itself: two Guards in two languages, with their own overrides', async () => {
    const [shop, bank] = await Promise.all([
      GuardI18n.create({ lang: 'ja', overrides: { ja: { login: { title: 'ショップ' } } } }),
      GuardI18n.create({ lang: 'en', overrides: { '*': { login: { title: 'Bank' } } } }),
    ]);
    await bank.changeLanguage('zh-TW');
    expect([shop.language, shop.t('login.title'), shop.t('common.back')]).to.deep.equal(['ja', 'ショップ', '戻る']);
    expect([bank.language, bank.t('login.title')]).to.deep.equal(['zh-TW', 'Bank']);
    await bank.changeLanguage('en');
    // A value the caller did not give leaves its place empty rather than showing the placeholder's name.
    expect(bank.t('code.sent')).to.equal('We sent a code to .');
  });
});
