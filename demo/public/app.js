/* global window, document, fetch */
// Northwind Bank's page: its own login form, camfa-guard's step-up (window.GuardFactory from the CDN build),
// continuous MFA after sign-in, and every API call through guard.fetch (RFC 9470 step-up + one retry).
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
  let guard;
  let stopSubscription;
  let user;

  const show = (state) => {
    document.body.dataset.state = state;
    $('login-view').hidden = state !== 'login';
    $('dashboard').hidden = state !== 'dashboard';
    $('account').hidden = state !== 'dashboard';
  };

  const message = (el, text, kind) => {
    el.textContent = text;
    el.className = `result ${kind ?? ''}`;
  };

  async function json(response) {
    try {
      return await response.json();
    } catch {
      return {};
    }
  }

  async function loadProfile() {
    const response = await guard.fetch('/api/profile');
    const body = await json(response);
    if (!response.ok) {
      $('profile-status').textContent = body.message ?? 'Your account is unavailable right now.';
      return;
    }
    $('balance').textContent = money.format(body.balance);
    $('profile-status').textContent = `${body.user.name} · sort code 40-11-62 · account 7310 2284`;
    const list = $('payments');
    list.replaceChildren();
    if (body.transfers.length === 0) list.innerHTML = '<li class="muted">No payments yet</li>';
    for (const transfer of body.transfers) {
      const item = document.createElement('li');
      const to = document.createElement('span');
      to.textContent = transfer.to;
      const amount = document.createElement('strong');
      amount.textContent = `−${money.format(transfer.amount)}`;
      item.append(to, amount);
      list.append(item);
    }
  }

  function enterDashboard(signedIn) {
    user = signedIn;
    $('account-name').textContent = user.name;
    show('dashboard');
    // Continuous MFA (seed steps 5 and 7.1): the modal opens by itself when the backend locks this user,
    // including right after a refresh while a step-up is pending.
    stopSubscription?.();
    stopSubscription = guard.subscribe('security.mfa', {
      originalIdentity: user.id,
      subscriptionToken: () =>
        fetch('/api/subscription-token')
          .then((response) => json(response))
          .then((body) => body.token),
    });
    loadProfile().catch(() => {});
  }

  async function signIn(event) {
    event.preventDefault();
    const form = event.target;
    const error = $('login-error');
    error.textContent = '';
    $('login-submit').disabled = true;
    try {
      const metadata = await new window.GuardFactory.MetadataClient().load().catch(() => ({}));
      const response = await fetch('/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: form.login.value, password: form.password.value, location: form.location.value, metadata }),
      });
      let body = await json(response);
      if (!response.ok) throw new Error(body.message ?? 'Sign-in failed');
      if (body.mfa) {
        // Seed step 5.3: the step-up modal; its mfaToken is exchanged for our own session (step 3.2.5).
        const mfaToken = await guard.startMfa(body.mfa);
        const exchanged = await fetch('/api/login/mfa', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mfaToken }),
        });
        body = await json(exchanged);
        if (!exchanged.ok) throw new Error(body.message ?? 'The verification could not be confirmed');
      }
      form.password.value = '';
      enterDashboard(body.user);
    } catch (failure) {
      error.textContent = failure && failure.code === 'cancelled' ? 'Sign-in cancelled.' : (failure?.message ?? 'Sign-in failed');
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function transfer(event) {
    event.preventDefault();
    const form = event.target;
    const result = $('transfer-result');
    message(result, 'Sending…');
    $('transfer-submit').disabled = true;
    try {
      const response = await guard.fetch('/api/transfer', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: form.to.value, amount: Number(form.amount.value) }),
      });
      const body = await json(response);
      if (!response.ok) return message(result, body.detail ?? body.message ?? 'The payment was refused.', 'bad');
      message(result, `Sent ${money.format(body.transfer.amount)} to ${body.transfer.to}.`, 'good');
      await loadProfile();
    } catch (failure) {
      message(result, failure?.code === 'cancelled' ? 'Payment cancelled: verification is required.' : 'The payment could not be sent.', 'bad');
    } finally {
      $('transfer-submit').disabled = false;
    }
  }

  async function simulateRisk() {
    const result = $('risk-result');
    const response = await fetch('/api/simulate-risk', { method: 'POST' });
    const body = await json(response);
    message(
      result,
      response.ok ? (body.published ? 'Reported activity from Brazil on your session.' : 'Reported; no new lock (already pending?).') : 'Could not report.',
    );
  }

  async function signOut() {
    stopSubscription?.();
    stopSubscription = undefined;
    await fetch('/api/logout', { method: 'POST' });
    show('login');
  }

  async function main() {
    const config = await json(await fetch('/api/config'));
    guard = new window.GuardFactory.Guard({ appId: config.appId, host: config.host, theme: 'light' });
    // A continuous step-up that passed unlocks the session: refresh what the lock hid.
    guard.on('mfa-success', () => {
      if (user) loadProfile().catch(() => {});
    });
    $('login-form').addEventListener('submit', signIn);
    $('transfer-form').addEventListener('submit', transfer);
    $('simulate-risk').addEventListener('click', simulateRisk);
    $('logout').addEventListener('click', signOut);
    const me = await fetch('/api/me');
    if (me.ok) enterDashboard((await json(me)).user);
    else show('login');
  }

  main();
})();
