// Requests to PineOpt's Jupyter server extension (`pineopt.jupyter.server_extension`), under the
// server's base URL. `ServerConnection.makeRequest` sends the XSRF token and the credentials.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A problem found in Pine source; 1-based lines and columns, `end_column` exclusive. */
export interface IServerDiagnostic {
  line: number;
  column: number;
  end_line?: number;
  end_column?: number;
  severity: 'error' | 'warning';
  message: string;
}

/** One built-in function as `GET pineopt/builtins` describes it. */
export interface IBuiltinFunction {
  name: string;
  signature: string;
  doc?: string;
}

/** The reply of `GET pineopt/builtins`; only the parts the frontend reads. */
export interface IBuiltins {
  version: string;
  functions: IBuiltinFunction[];
  variables: { name: string; type: string }[];
  constants: { name: string; type?: string }[];
}

/** Set when the server answered 404: its routes will not appear before it restarts. */
let missing: Error | null = null;

async function requestJSON<T>(path: string, init: RequestInit = {}): Promise<T> {
  if (missing) {
    throw missing; // no request at every keystroke to a server without the extension
  }
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'pineopt', path);
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    const error = new Error(
      `PineOpt server extension: ${init.method ?? 'GET'} ${url} answered ${response.status}` +
        (response.status === 404 ? ' (is pineopt.jupyter.server_extension enabled?)' : '')
    );
    if (response.status === 404) {
      missing = error;
    }
    throw error;
  }
  return (await response.json()) as T;
}

/** The diagnostics of a `%%pine` cell's text (`kind` "cell") or of a `.pine` file's text. */
export async function fetchDiagnostics(
  source: string,
  kind: 'cell' | 'file'
): Promise<IServerDiagnostic[]> {
  const reply = await requestJSON<{ diagnostics: IServerDiagnostic[] }>('diagnostics', {
    method: 'POST',
    body: JSON.stringify({ source, kind })
  });
  return reply.diagnostics;
}

let builtins: Promise<IBuiltins> | null = null;

/** The built-in table with signatures, asked for once per page and then shared. */
export function fetchBuiltins(): Promise<IBuiltins> {
  if (!builtins) {
    builtins = requestJSON<IBuiltins>('builtins');
    builtins.catch(() => (builtins = null)); // ask again next time
  }
  return builtins;
}
