import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Imported first by main.ts, so that on an old Node.js the stack exits with one line naming the version
 * found and the one needed, before any module that needs Node.js 22 loads. The check itself is the CLI's
 * (bin/checkNodeVersion.js, plain ES5), found by walking up from this file in dev/ or in dist/dev/.
 */
const checker = join('bin', 'checkNodeVersion.js');
let packageDir = __dirname;
while (!existsSync(join(packageDir, checker)) && dirname(packageDir) !== packageDir) {
  packageDir = dirname(packageDir);
}
const { checkNodeVersion } = createRequire(__filename)(join(packageDir, checker)) as {
  checkNodeVersion: (program: string, packageDir: string) => void;
};
checkNodeVersion('npm start', packageDir);
