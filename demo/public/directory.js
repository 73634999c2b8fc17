/* global window, document, fetch */
// The second demo path: <guard-login> against camfa-guard's own user directory (no business login at all).
(async () => {
  const $ = (id) => document.getElementById(id);
  const config = await (await fetch('/api/config')).json();
  const guard = new window.GuardFactory.Guard({ appId: config.appId, host: config.host, theme: 'auto' });
  try {
    const { user, token } = await guard.start('#guard');
    const signedIn = $('signed-in');
    signedIn.textContent = `Signed in as ${user.username ?? user.originalIdentity} (token ${token ? 'received' : 'missing'}).`;
    signedIn.hidden = false;
  } catch (failure) {
    $('directory-error').textContent = failure?.message ?? 'Sign-in failed';
  }
})();
