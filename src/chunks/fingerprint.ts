import { load } from '@fingerprintjs/fingerprintjs';

/**
 * The open-source FingerprintJS visitor id, computed in the browser. `monitoring: false` keeps the library
 * from reporting its usage to its vendor: nothing about the visitor leaves the page here.
 */
export async function visitorId(): Promise<string> {
  const agent = await load({ monitoring: false });
  return (await agent.get()).visitorId;
}
