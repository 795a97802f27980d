'use strict';
// `npm start`: checks Node.js and the flags first, then builds, then runs the stack (dist/dev/stack/main.js).
// Plain ES5 CommonJS, so that an old Node.js can parse it and say what it needs. The flags are read by the
// stack's own parser, dev/stack/args.ts, loaded from source (Node.js 22 strips the types), so a mistyped
// flag is refused in a moment instead of after the build.
var path = require('path');
var spawnSync = require('child_process').spawnSync;
var root = path.join(__dirname, '..', '..');
require(path.join(root, 'bin', 'checkNodeVersion.js')).checkNodeVersion('npm start', root);

var argv = process.argv.slice(2);
var parser;
try {
  parser = require('./args.ts');
} catch (error) {
  // The parser could not load from source (it gained an import type stripping cannot resolve): the built
  // stack checks the flags instead, after the build.
  parser = undefined;
}
if (parser) {
  try {
    if (parser.parseStackArgs(argv).kind === 'help') {
      process.stdout.write(parser.USAGE + '\n');
      process.exit(0);
    }
  } catch (error) {
    if (!(error instanceof parser.UsageError)) throw error;
    process.stderr.write('npm start: ' + error.message + '\n\n' + parser.USAGE + '\n');
    process.exit(2);
  }
}

process.stdout.write('Building the app (npm run build)…\n');
// The same two projects as `npm run build`: the deployable app, then the tooling and the CLI.
['tsconfig.app.json', 'tsconfig.build.json'].forEach(function (project) {
  var build = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', project],
    { cwd: root, stdio: 'inherit' },
  );
  if (build.status !== 0) {
    process.stderr.write('npm start: the build failed; see the errors above.\n');
    process.exit(build.status === null ? 1 : build.status);
  }
});
require(path.join(root, 'dist', 'dev', 'stack', 'main.js')).runFromCommandLine(argv);
