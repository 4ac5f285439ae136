// Code cells whose first line is a `%%pine` (or `%%pine_convert`) magic are edited as Pine; all
// other code cells keep the kernel's language.
//
// JupyterLab decides a cell's language by its model's `mimeType`, and resets it on every code cell
// whenever the notebook's language changes (the kernel's `language_info` arrives after a start, a
// restart, a change of kernel or a reload) and when it creates a cell. Rather than chasing each of
// those events, each cell is watched: when its text or its MIME type changes, the MIME type the
// first line asks for is put back. A reset therefore lasts only until its own change signal.
import type { ICellModel } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { PINE_MIME } from './language';

/** `%%pine` or `%%pine_convert`, alone or followed by flags, opening the cell. */
const PINE_MAGIC = /^%%pine(?:_convert)?(?:[ \t]|\r?\n|$)/;

/** Whether a code cell's text is Pine, i.e. starts with a Pine cell magic. */
export function isPineCell(source: string): boolean {
  return PINE_MAGIC.test(source);
}

/** Keep every `%%pine` cell of every notebook the tracker sees in the Pine language. */
export function switchPineCells(tracker: INotebookTracker): void {
  tracker.widgetAdded.connect((_, panel) => watchNotebook(panel));
  tracker.forEach(watchNotebook);
}

function watchNotebook(panel: NotebookPanel): void {
  const watched = new WeakSet<ICellModel>();
  const watchCells = () => {
    for (const cell of panel.content.model?.cells ?? []) {
      if (!watched.has(cell)) {
        watched.add(cell);
        watchCell(panel, cell);
      }
    }
  };
  // Connected after the notebook's own handler: the cells' widgets exist when this runs.
  panel.content.model?.cells.changed.connect(watchCells);
  watchCells();
}

function watchCell(panel: NotebookPanel, cell: ICellModel): void {
  if (cell.type !== 'code') {
    return; // a cell that changes type gets a new model, seen by `cells.changed`
  }
  const apply = () => {
    const wanted = isPineCell(cell.sharedModel.getSource())
      ? PINE_MIME
      : panel.content.codeMimetype;
    if (cell.mimeType !== wanted) {
      cell.mimeType = wanted;
    }
  };
  cell.contentChanged.connect(apply);
  cell.mimeTypeChanged.connect(apply);
  apply();
}
