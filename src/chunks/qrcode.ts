import { toString } from 'qrcode';

/**
 * The QR code of a TOTP enrolment URI as SVG markup. SVG rather than a data: URL or a canvas so a strict CSP
 * (`img-src 'self'`) allows it and it scales with the dialog.
 */
export function qrSvg(text: string): Promise<string> {
  return toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

/** The same SVG parsed into a node for Lit to render: smaller in the core bundle than the unsafeHTML directive. */
export async function qrElement(text: string): Promise<Element> {
  return new DOMParser().parseFromString(await qrSvg(text), 'image/svg+xml').documentElement;
}
