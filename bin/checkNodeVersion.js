'use strict';
// Plain ES5 on purpose: an old Node must be able to parse this file to reach the check and say what it
// needs, instead of failing later on a missing API (`globSync is not a function`).
var path = require('path');
var fs = require('fs');

/** The Node.js version range the project needs, from package.json "engines" (the one place it is set). */
function requiredRange(packageDir) {
  var manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  return (manifest.engines && manifest.engines.node) || '>=22.12';
}

/** True when `version` (`v20.20.2`) is at least the lowest version in `range` (`>=22.12`). */
function satisfies(version, range) {
  var found = /(\d+)\.(\d+)/.exec(version);
  var needed = /(\d+)(?:\.(\d+))?/.exec(range);
  if (!found || !needed) return true;
  var major = Number(found[1]);
  var neededMajor = Number(needed[1]);
  if (major !== neededMajor) return major > neededMajor;
  return Number(found[2]) >= Number(needed[2] || 0);
}

/**
 * Exits at once with one line (the version found, the one needed) when this Node.js is too old.
 *
 * @param program how the message starts, e.g. `rpcopy` or `npm start`.
 * @param packageDir the directory of the project's package.json.
 */
function checkNodeVersion(program, packageDir) {
  var range = requiredRange(packageDir);
  var version = 'v' + process.versions.node;
  if (satisfies(version, range)) return;
  process.stderr.write(
    program +
      ': needs Node.js ' +
      range +
      ' but this is Node.js ' +
      version +
      "; install Node.js 22 (or run it with npm inside the project, which uses the project's pinned Node.js 22).\n",
  );
  process.exit(3);
}

module.exports = { checkNodeVersion: checkNodeVersion, satisfies: satisfies };
