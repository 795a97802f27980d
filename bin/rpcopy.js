#!/usr/bin/env node
'use strict';
// Kept to syntax any Node version can parse, so an old Node reaches the version check below.
var major = Number(process.versions.node.split('.')[0]);
if (!(major >= 22)) {
  process.stderr.write(
    'rpcopy: needs Node.js 22 or newer; this is Node ' +
      'v' +
      process.versions.node +
      ".\nInside the project, run it as `npx rpcopy …`, which uses the project's pinned Node 22.\n",
  );
  process.exit(3);
}
var path = require('node:path');
var fs = require('node:fs');
var entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    'rpcopy: the CLI is not built (' +
      entry +
      ' is missing).\nRun `npm run build` in ' +
      path.dirname(__dirname) +
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
