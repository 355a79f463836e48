import { ApiError } from './client';

/**
 * Fetches a file a method offered at `downloadUrl` (GET /download/<provider>/<id>, a report export).
 *
 * - In the desktop window the preload's saveDownload asks the main process, which shows the native
 *   save dialog and copies the file there: 'saved', or 'cancelled' when the operator closed it.
 * - In the browser a link with `download` is followed: the instance cookie and the login cookie go
 *   with it, and the browser saves the file as it saves any download ('started').
 */
export async function downloadFile(downloadUrl: string, fileName?: string): Promise<'saved' | 'cancelled' | 'started'> {
  const bridge = typeof window !== 'undefined' ? window.depot : undefined;
  if (bridge?.saveDownload) {
    const r = await bridge.saveDownload(downloadUrl);
    if (!r.ok) throw new ApiError(r.error.code, r.error.message, r.error.details, 'saveDownload');
    return r.data.saved ? 'saved' : 'cancelled';
  }
  const a = document.createElement('a');
  a.href = downloadUrl;
  a.download = fileName ?? '';
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  return 'started';
}
