import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
// Written by the CEM analyzer (`npm run manifest`, which the storybook scripts run first): the components'
// JSDoc (events, parts, CSS properties) becomes the docs pages and the controls.
import manifest from '../dist/custom-elements.json';
import { APPEARANCES, applyAppearance, type Appearance } from '../stories/support/appearance.js';

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
  // Every story in light, dark or a page's theme, from the toolbar; unset, a story keeps its own `theme` arg.
  globalTypes: {
    appearance: {
      description: 'Light, dark, or themed by a page',
      toolbar: { icon: 'paintbrush', items: [...APPEARANCES], dynamicTitle: true },
    },
  },
  decorators: [
    (story, { globals }) => {
      const rendered = story();
      if (rendered instanceof HTMLElement && APPEARANCES.includes(globals.appearance as Appearance))
        applyAppearance(rendered, globals.appearance as Appearance);
      return rendered;
    },
  ],
};

export default preview;
