// Types for scripts/build-cli.js, for the tests and the vitest setup that import it.
export interface CliBuild {
  /** The build's folder under out/cli/. */
  dir: string;
  /** When the build began, by the file system's clock (ms). */
  startedMs: number;
  /** The files it was made from, relative to the repository. */
  inputs: string[];
  /** The source folders holding them. */
  folders: string[];
}
export function cliOutDir(root: string): string;
export function currentBuild(root: string): CliBuild | null;
export function isStale(root: string, build: CliBuild): boolean;
export function cliEntry(root: string): string | null;
export function buildCli(root: string): Promise<string>;
export function readyCliEntry(root: string): Promise<string>;
