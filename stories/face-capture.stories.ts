import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/components/face-capture/face-capture.js';
import type { FaceAnalyser, ObservedFace } from '../src/components/face-capture/face-capture.component.js';
import { storyContext } from './support/context.js';

interface FaceCaptureArgs {
  /** What the stub analyser "sees" in every frame. */
  scene: 'centred' | 'far' | 'none' | 'two';
}

const SCENES: Record<FaceCaptureArgs['scene'], ObservedFace[]> = {
  centred: [{ box: [220, 140, 200, 200], live: 0.9 }],
  far: [{ box: [300, 220, 40, 40], live: 0.9 }],
  none: [],
  two: [
    { box: [120, 140, 160, 160], live: 0.9 },
    { box: [360, 140, 160, 160], live: 0.9 },
  ],
};

/** A synthetic camera (a gradient on a canvas), so the story needs neither a webcam nor the models. */
async function syntheticCamera(): Promise<MediaStream> {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
  const context = canvas.getContext('2d')!;
  const gradient = context.createLinearGradient(0, 0, 640, 480);
  gradient.addColorStop(0, '#cbd5e1');
  gradient.addColorStop(1, '#64748b');
  const paint = () => {
    context.fillStyle = gradient;
    context.fillRect(0, 0, 640, 480);
    requestAnimationFrame(paint);
  };
  paint();
  return canvas.captureStream(15);
}

const meta: Meta<FaceCaptureArgs> = {
  title: 'Elements/guard-face-capture',
  component: 'guard-face-capture',
  args: { scene: 'far' },
  argTypes: { scene: { control: 'inline-radio', options: Object.keys(SCENES) } },
  loaders: [async () => ({ context: await storyContext() })],
  render: ({ scene }, { loaded }) => {
    const element = document.createElement('guard-face-capture');
    const analyser: FaceAnalyser = { observe: async () => SCENES[scene] };
    Object.assign(element, { context: loaded.context, camera: syntheticCamera, analyser: Promise.resolve(analyser) });
    return element;
  },
};

export default meta;
type Story = StoryObj<FaceCaptureArgs>;

/** Guidance: the face is too small in the frame. */
export const TooFar: Story = {};

export const NoFace: Story = { args: { scene: 'none' } };

export const TwoFaces: Story = { args: { scene: 'two' } };

/** A centred live face: after three good frames it takes the pictures and stops the camera. */
export const Centred: Story = { args: { scene: 'centred' } };
