import { expect } from 'chai';
import { MetadataClient } from './metadata-client.js';

describe('MetadataClient', () => {
  it('collects the device id, UA and hints, timezone, language, screen and touch, and no IP', async () => {
    const metadata = await new MetadataClient().load();
    expect(metadata.deviceId).to.match(/^[0-9a-f]{32}$/);
    expect(metadata.userAgent).to.equal(navigator.userAgent);
    expect(metadata.clientHints?.brands?.length).to.be.greaterThan(0);
    // High-entropy values Chromium gives without a permissions policy.
    expect(metadata.clientHints?.platform).to.equal('Linux');
    expect(metadata.clientHints).to.have.property('architecture');
    expect(metadata.systemType).to.equal('Linux');
    expect(metadata.deviceType).to.equal('desktop');
    expect(metadata.timezone).to.equal(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(metadata.utcOffset).to.equal(-new Date().getTimezoneOffset());
    expect(metadata.language).to.equal(navigator.language);
    expect(metadata.screen.width).to.equal(screen.width);
    expect(metadata.touch).to.equal(navigator.maxTouchPoints > 0);
    expect(JSON.stringify(metadata)).not.to.match(/"ip/i);
  });

  it('answers the same device id each time, and collects once per instance', async () => {
    const client = new MetadataClient();
    const first = client.load();
    expect(client.load()).to.equal(first);
    expect((await new MetadataClient().load()).deviceId).to.equal((await first).deviceId);
  });
});
