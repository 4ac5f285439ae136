// The plugins of the extension, one per concern: the Pine language and the `.pine` file type,
// `%%pine` cells switched to Pine, live diagnostics, and built-in completions.
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IEditorExtensionRegistry, IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { ICompletionProviderManager } from '@jupyterlab/completer';
import { INotebookTracker } from '@jupyterlab/notebook';

import { switchPineCells } from './cells';
import { PineCompletionProvider } from './completions';
import { registerDiagnostics } from './diagnostics';
import { pineIcon } from './icon';
import { PINE_MIME, PINE_NAME, pineLanguage } from './language';

const language: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pineopt:language',
  description: 'The Pine Script language for the editors, and the .pine file type.',
  autoStart: true,
  requires: [IEditorLanguageRegistry],
  activate: (app: JupyterFrontEnd, languages: IEditorLanguageRegistry) => {
    languages.addLanguage({
      name: PINE_NAME,
      displayName: 'Pine Script',
      mime: PINE_MIME,
      extensions: ['pine'],
      load: async () => pineLanguage()
    });
    // The text editor is the default viewer of every text file type, so `.pine` opens in it.
    app.docRegistry.addFileType({
      name: PINE_NAME,
      displayName: 'Pine Script',
      extensions: ['.pine'],
      mimeTypes: [PINE_MIME],
      icon: pineIcon,
      fileFormat: 'text',
      contentType: 'file'
    });
  }
};

const cells: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pineopt:cells',
  description: 'Edits the code cells that start with %%pine as Pine Script.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker) => switchPineCells(tracker)
};

const diagnostics: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pineopt:diagnostics',
  description: 'Underlines the problems PineOpt finds in Pine cells and files as you type.',
  autoStart: true,
  requires: [IEditorExtensionRegistry],
  activate: (_app: JupyterFrontEnd, extensions: IEditorExtensionRegistry) =>
    registerDiagnostics(extensions)
};

const completions: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pineopt:completions',
  description: 'Completes Pine built-in names with their signatures.',
  autoStart: true,
  requires: [ICompletionProviderManager],
  activate: (_app: JupyterFrontEnd, manager: ICompletionProviderManager) =>
    manager.registerProvider(new PineCompletionProvider())
};

export default [language, cells, diagnostics, completions];
