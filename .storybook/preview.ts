import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
// Written by the CEM analyzer (`npm run manifest`, which the storybook scripts run first): the components'
// JSDoc (events, parts, CSS properties) becomes the docs pages and the controls.
import manifest from '../dist/custom-elements.json';

interface Declaration {
  members?: { privacy?: string }[];
}

// Private and protected members (state, controllers) are implementation: the docs show the public surface.
setCustomElementsManifest({
  ...manifest,
  modules: (manifest.modules as { declarations?: Declaration[] }[]).map((module) => ({
    ...module,
    declarations: module.declarations?.map((declaration) => ({
      ...declaration,
      members: declaration.members?.filter(({ privacy }) => privacy !== 'private' && privacy !== 'protected'),
    })),
  })),
});

const preview: Preview = {
  tags: ['autodocs'],
  parameters: { controls: { expanded: true } },
};

export default preview;
