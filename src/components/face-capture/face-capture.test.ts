import { expect } from 'chai';
import type { GuardFaceCaptureEvent } from '../../events/face-capture.js';
import type { GuardContext } from '../../controllers/context.js';
import { GuardI18n } from '../../i18n/i18n.js';
import { expectNoAxeViolations } from '../../test-support/axe.js';
import { until } from '../../test-support/elements.js';
import type { FaceAnalyser, ObservedFace } from './face-capture.component.js';
import type { GuardFaceCapture } from './face-capture.js';
import './face-capture.js';

/** A camera stub: a canvas stream, grey (`light`) or nearly black. */
function camera(light = true): { open: () => Promise<MediaStream>; streams: MediaStream[] } {
  const streams: MediaStream[] = [];
  const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
  const context = canvas.getContext('2d')!;
  const paint = () => {
    context.fillStyle = light ? '#a0a0a0' : '#101010';
    context.fillRect(0, 0, 320, 240);
    if (streams.some((stream) => stream.active)) requestAnimationFrame(paint);
  };
  return {
    streams,
    open: async () => {
      const stream = canvas.captureStream(30);
      streams.push(stream);
      paint();
      return stream;
    },
  };
}

/** An analyser that sees `faces` (a function of the observation count) in every frame. */
function analyser(faces: (observation: number) => ObservedFace[]): { analyser: FaceAnalyser; observations: number } {
  const state = {
    observations: 0,
    analyser: { observe: async () => faces(state.observations++) },
  };
  return state;
}

const CENTRED: ObservedFace = { box: [100, 60, 120, 120], live: 0.9 };

async function mount(properties: Partial<GuardFaceCapture>) {
  const context = { i18n: await GuardI18n.create({ lang: 'en' }) } as GuardContext;
  const element = document.createElement('guard-face-capture');
  Object.assign(element, { context }, properties);
  const captured: string[][] = [];
  const errors: string[] = [];
  element.addEventListener('guard-face-capture', (event: GuardFaceCaptureEvent) => captured.push(event.detail.frames));
  element.addEventListener('guard-error', (event) => errors.push(event.detail.error.code));
  document.body.append(element);
  return { element, captured, errors };
}

const guidance = (element: GuardFaceCapture) => element.shadowRoot!.querySelector('[part="guidance"]')!.textContent;

/** Waits (up to 3 s) for the guidance to read `text`. */
async function guided(element: GuardFaceCapture, text: string) {
  const deadline = performance.now() + 3000;
  while (guidance(element) !== text) {
    if (performance.now() > deadline) throw new Error(`guidance is "${guidance(element)}", not "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('<guard-face-capture>', () => {
  afterEach(() => {
    for (const element of document.querySelectorAll('guard-face-capture')) element.remove();
  });

  it('after consecutive live, centred, steady observations takes three JPEG frames and stops the camera', async () => {
    const cam = camera();
    const stub = analyser(() => [CENTRED]);
    const { element, captured, errors } = await mount({ camera: cam.open, analyser: Promise.resolve(stub.analyser) });
    await until(() => captured.length === 1 || errors.length > 0, 'the frames');
    expect(errors).to.deep.equal([]);
    expect(captured[0]).to.have.length(3);
    for (const frame of captured[0]!) expect(frame).to.match(/^data:image\/jpeg;base64,/);
    expect(stub.observations).to.equal(3);
    expect(cam.streams.every((stream) => stream.getTracks().every((track) => track.readyState === 'ended'))).to.equal(true);
    expect(guidance(element)).to.equal('');
  });

  const cases: [string, ObservedFace[], boolean, string][] = [
    ['no face', [], true, 'Look at the camera with your face in the frame.'],
    ['two faces', [CENTRED, CENTRED], true, 'More than one face is in view. Make sure only you are in the picture.'],
    ['a face too far away', [{ box: [140, 100, 40, 40], live: 0.9 }], true, 'Come closer to the camera.'],
    ['a face off to the side', [{ box: [0, 60, 100, 100], live: 0.9 }], true, 'Move your face to the centre of the frame.'],
    ['a dark room', [CENTRED], false, 'It is too dark. Find more light.'],
  ];
  for (const [what, faces, light, text] of cases) {
    it(`guides the user on ${what}, in a polite live region, and takes no frames`, async () => {
      const { element, captured } = await mount({ camera: camera(light).open, analyser: Promise.resolve(analyser(() => faces).analyser) });
      await guided(element, text);
      const region = element.shadowRoot!.querySelector('[part="guidance"]')!;
      expect(region.getAttribute('role')).to.equal('status');
      expect(region.getAttribute('aria-live')).to.equal('polite');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(captured).to.deep.equal([]);
      await expectNoAxeViolations(element);
    });
  }

  it('asks to hold still while the face moves, and waits for liveness', async () => {
    const moving = analyser((n) => [{ box: [80 + (n % 2) * 40, 60, 120, 120], live: 0.9 }]);
    const { element, captured } = await mount({ camera: camera().open, analyser: Promise.resolve(moving.analyser) });
    await guided(element, 'Hold still…');
    const unlive = analyser(() => [{ ...CENTRED, live: 0.1 }]);
    element.analyser = Promise.resolve(unlive.analyser);
    await element.restart();
    await guided(element, 'Checking that a live person is in front of the camera…');
    await until(() => unlive.observations > 4, 'more observations');
    expect(captured).to.deep.equal([]);
  });

  it('reports a refused camera as camera_denied and a missing one as camera_unavailable', async () => {
    for (const [name, code] of [
      ['NotAllowedError', 'camera_denied'],
      ['NotFoundError', 'camera_unavailable'],
    ]) {
      const { element, errors } = await mount({
        camera: () => Promise.reject(new DOMException('no', name)),
        analyser: Promise.resolve(analyser(() => []).analyser),
      });
      await until(() => errors.length > 0, 'the error');
      expect(errors).to.deep.equal([code]);
      element.remove();
    }
  });

  it('stops the camera when it leaves the page', async () => {
    const cam = camera();
    const { element } = await mount({ camera: cam.open, analyser: Promise.resolve(analyser(() => []).analyser) });
    await until(() => cam.streams.length === 1, 'the camera');
    await guided(element, 'Look at the camera with your face in the frame.');
    element.remove();
    expect(cam.streams[0]!.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
  });
});
