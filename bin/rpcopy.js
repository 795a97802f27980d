#!/usr/bin/env node
'use strict';
// Kept to syntax any Node version can parse, so an old Node reaches the version check first.
var path = require('path');
var fs = require('fs');
var packageDir = path.join(__dirname, '..');
require('./checkNodeVersion.js').checkNodeVersion('rpcopy', packageDir);
var entry = path.join(packageDir, 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    'rpcopy: the CLI is not built (' +
      entry +
      ' is missing).\nRun `npm run build` in ' +
      packageDir +
      ' first.\n',
  );
  process.exit(3);
}
require(entry)
  .run()
  .catch(function (error) {
    process.stderr.write(
      'rpcopy: unexpected error: ' + (error && error.stack ? error.stack : String(error)) + '\n',
    );
    process.exitCode = 70;
  });
