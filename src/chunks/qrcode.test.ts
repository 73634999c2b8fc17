import { expect } from 'chai';
import { loadQrCode } from '../lazy.js';

describe('QR code chunk', () => {
  it('loads on demand and renders an otpauth URI as SVG markup', async () => {
    const { qrSvg } = await loadQrCode();
    const svg = await qrSvg('otpauth://totp/Shop:alice?secret=JBSWY3DPEHPK3PXP&issuer=Shop');
    const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml');
    expect(parsed.documentElement.localName).to.equal('svg');
    expect(parsed.querySelectorAll('path').length).to.be.greaterThan(0);
    expect(svg).not.to.match(/<script|style=/i);
  });
});
