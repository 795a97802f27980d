import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `text` to a temporary file beside `file` and renames it over `file`, so a reader or a crash never
 * sees half of it. With `mode`, the file has exactly that mode, whatever the umask.
 */
export function writeFileAtomic(file: string, text: string, mode?: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, mode === undefined ? {} : { mode });
  // A temporary file left by a killed process keeps its old mode through writeFileSync.
  if (mode !== undefined) {
    chmodSync(temporary, mode);
  }
  renameSync(temporary, file);
}
