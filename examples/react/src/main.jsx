import { Guard } from 'camfa-guard';
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

// ?appId=shop&host=https://mfa.example.com (the test passes its own backend).
const params = new URLSearchParams(location.search);
const options = { appId: params.get('appId') ?? 'shop', host: params.get('host') ?? 'http://127.0.0.1:8787' };

function App() {
  const slot = useRef(null);
  const [user, setUser] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const guard = new Guard(options);
    // Renders <guard-login> into the div; resolves once the user signed in, step-up included.
    guard.start(slot.current).then(
      (result) => setUser(result.user),
      // `cancelled`: this effect was cleaned up (StrictMode runs effects twice in development).
      (failure) => failure.code !== 'cancelled' && setError(failure),
    );
    return () => guard.unmount();
  }, []);
  return (
    <main>
      <h1>camfa-guard · React</h1>
      {user ? <p id="signed-in">Signed in as {user.username ?? user.originalIdentity}</p> : <div ref={slot} />}
      {error && <p role="alert">{String(error.message ?? error)}</p>}
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
