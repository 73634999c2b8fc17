/**
 * The seed's role scenario in its documented form (finance → SMS first, HR → TOTP first), for directory
 * users and for a business system that sends the role with the event, and the step-up reason in every
 * language through every path that hands it to a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient, MetadataManagementClient } from '../sdk/index.js';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES, manualClock } from '../test-support/fixtures.js';
import { readSse } from '../test-support/sse.js';
import type { MfaEvent, MfaTriggerData } from '../protocol/index.js';

const clock = manualClock();
let backend: TestBackend;
let meta: MetadataManagementClient;
let auth: AuthenticationClient;

/** The example of `factor-by-attribute` in policy/README.md, as written there. */
const documented = { attribute: 'role', map: { finance: ['sms', 'totp'], hr: ['totp', 'sms'] }, default: ['totp'] };

const ROLE_REASON = {
  ruleId: 'factor-by-attribute',
  message: 'Your account requires additional verification',
  messages: {
    en: 'Your account requires additional verification',
    'zh-CN': '您的账号需要进行额外验证',
    'zh-TW': '您的帳號需要進行額外驗證',
    ja: 'お使いのアカウントには追加の確認が必要です',
  },
};

const PASSWORD = 'a long enough password';
const asApp = () => ({ authorization: backend.basicAuth() });
const firstFactors = (trigger: MfaTriggerData | null | undefined) => trigger?.factors.map((factor) => factor.type);

beforeAll(async () => {
  backend = await startTestBackend({
    clock,
    config: {
      policies: {
        documents: [
          { document: { id: 'login', name: 'Factor by role', modes: ['api'], uses: [{ template: 'factor-by-attribute', params: documented }] } },
          { document: { id: 'session', name: 'Session by role', modes: ['event'], uses: [{ template: 'factor-by-attribute', params: documented }] } },
        ],
      },
    },
  });
  const options = { host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 2000 };
  meta = new MetadataManagementClient(options);
  auth = new AuthenticationClient(options);
  for (const [username, role] of [
    ['fiona', 'finance'],
    ['harry', 'hr'],
  ]) {
    expect((await backend.post('/v1/users', { originalIdentity: username, username, password: PASSWORD, roles: [role] }, asApp())).status).toBe(201);
  }
});

afterAll(async () => {
  await backend?.close();
});

describe('factor-by-attribute with attribute: role', () => {
  it('steps up directory users by their roles at /v1/login: finance with SMS first, HR with TOTP first', async () => {
    const signIn = async (login: string) =>
      (await backend.post<{ status: string; mfa?: MfaTriggerData }>('/v1/login', { appId: APP.id, login, password: PASSWORD })).body;
    const finance = await signIn('fiona');
    const hr = await signIn('harry');
    expect(finance).toMatchObject({ status: 'mfa_required', mfa: { reason: ROLE_REASON } });
    expect(firstFactors(finance.mfa)).toEqual(['sms', 'totp']);
    expect(firstFactors(hr.mfa)).toEqual(['totp', 'sms']);
  });

  it('reads the directory roles in triggerWorkflow, and the role a business system sends with the event', async () => {
    expect(firstFactors(await auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity: 'harry' } }))).toEqual(['totp', 'sms']);
    const business = (originalIdentity: string, role: string) =>
      auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity, ip: PLACES.london.ip, custom: { role } } });
    const finance = await business('outside-finance', 'finance');
    expect(firstFactors(finance)).toEqual(['sms', 'totp']);
    expect(finance?.reason).toEqual(ROLE_REASON);
    expect(firstFactors(await business('outside-hr', 'hr'))).toEqual(['totp', 'sms']);
    // Neither mapped: the documented default.
    expect(firstFactors(await business('outside-sales', 'sales'))).toEqual(['totp']);
  });
});

describe('the step-up reason by language', () => {
  it('reaches the browser the same way through the MFA event, the stream, checkUserStatus and the step-up screen', async () => {
    const captured = await meta.ueba.capture({ originalIdentity: 'streamed', behaviorType: 'login', behaviorResult: 'success', custom: { role: 'finance' } });
    const published = captured.published[0]!;
    expect(published.trigger?.reason).toEqual(ROLE_REASON);
    expect(firstFactors(published.trigger)).toEqual(['sms', 'totp']);

    const status = await meta.ueba.checkUserStatus({ originalIdentity: 'streamed' });
    expect(status.pending?.reason).toEqual(ROLE_REASON);

    const streamed = await readSse(`${backend.url}/v1/events/stream?originalIdentity=streamed&lastEventId=0`, asApp(), (events) => events.length > 0);
    expect((JSON.parse(streamed[0]!.data) as MfaEvent).trigger?.reason).toEqual(ROLE_REASON);

    const screen = await backend.post<{ reason: unknown }>('/v1/stepup/factors', { stateToken: status.pending!.stateToken });
    expect(screen.body.reason).toEqual(ROLE_REASON);
  });

  it("renders an author's texts by language, and leaves messages out for a single text", async () => {
    const put = (message: unknown) =>
      fetch(`${backend.url}/v1/admin/workflows/payroll`, {
        method: 'PUT',
        headers: { ...asApp(), 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'payroll',
          name: 'Payroll',
          modes: ['api'],
          rules: [{ id: 'payroll', when: 'true', then: { factors: ['totp'], message } }],
        }),
      });
    const localized = {
      en: 'Payroll opened from {{event.ip}}',
      'zh-CN': '正在从 {{event.ip}} 打开薪资系统',
      ja: '{{event.ip}} から給与システムを開こうとしています',
    };
    expect((await put(localized)).status).toBe(200);
    const trigger = await auth.mfa.triggerWorkflow({ workflowId: 'payroll', metadata: { originalIdentity: 'paula', ip: PLACES.london.ip } });
    expect(trigger?.reason).toEqual({
      ruleId: 'payroll',
      message: `Payroll opened from ${PLACES.london.ip}`,
      messages: {
        en: `Payroll opened from ${PLACES.london.ip}`,
        'zh-CN': `正在从 ${PLACES.london.ip} 打开薪资系统`,
        ja: `${PLACES.london.ip} から給与システムを開こうとしています`,
      },
    });

    expect((await put({ default: 'Bitte bestätigen', ja: 'ご確認ください' })).status).toBe(200);
    expect((await auth.mfa.triggerWorkflow({ workflowId: 'payroll', metadata: { originalIdentity: 'paula' } }))?.reason).toEqual({
      ruleId: 'payroll',
      message: 'Bitte bestätigen',
      messages: { ja: 'ご確認ください' },
    });

    expect((await put('Payroll')).status).toBe(200);
    expect((await auth.mfa.triggerWorkflow({ workflowId: 'payroll', metadata: { originalIdentity: 'paula' } }))?.reason).toEqual({
      ruleId: 'payroll',
      message: 'Payroll',
    });
  });

  it('refuses unknown-looking tags, a map without English or default, and overlong texts, naming the field', async () => {
    const refusal = async (message: unknown) => {
      const response = await fetch(`${backend.url}/v1/admin/workflows/bad`, {
        method: 'PUT',
        headers: { ...asApp(), 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'bad', name: 'Bad', modes: ['api'], rules: [{ id: 'r', when: 'true', then: { factors: ['totp'], message } }] }),
      });
      const body = (await response.json()) as { code: string; errors: { node: string; field: string }[] };
      return { status: response.status, code: body.code, where: body.errors.map((error) => `${error.node} ${error.field}`) };
    };
    expect(await refusal({ en: 'Hi', 'zh-cn': '你好' })).toEqual({ status: 422, code: 'invalid_policy', where: ['rules[r].then message.zh-cn'] });
    expect(await refusal({ 'not a tag': 'x', en: 'x' })).toMatchObject({ where: ['rules[r].then message.not a tag'] });
    expect(await refusal({ ja: 'ご確認ください' })).toMatchObject({ status: 422, where: ['rules[r].then message'] });
    expect(await refusal({ en: 'x'.repeat(1025) })).toMatchObject({ status: 422, where: ['rules[r].then message.en'] });
    expect(await refusal({ en: 'ok', ja: '{{stats.nothing}}' })).toMatchObject({ status: 422, where: ['rules[r].then message.ja'] });
  });
});
