import fs from 'node:fs';
import path from 'node:path';

/** The repository root, whether this runs from source (vitest) or from dist/ (the npm script). */
export const REPO_ROOT = ((): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'conformance/real-durable/harness'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error('conformance/real-durable is not inside the repository');
    }
  }
})();
