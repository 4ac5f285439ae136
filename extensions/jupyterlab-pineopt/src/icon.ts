// The icon of `.pine` files in the file browser and on editor tabs: a pine with a price line.
import { LabIcon } from '@jupyterlab/ui-components';

import pineSvg from '../style/icons/pine.svg';

export const pineIcon = new LabIcon({ name: 'jupyterlab-pineopt:pine', svgstr: pineSvg });
