import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { replayOnDevHost } from '../../conformance/real-durable/devHostReplay';
import { diffRecordings } from '../../conformance/real-durable/driveScenario';
import { withoutKnownDifferences } from '../../conformance/real-durable/knownDifferences';
import type { Recording } from '../../conformance/real-durable/recording';
import { SCENARIOS } from '../../conformance/real-durable/scenarios';

const RECORDINGS = path.resolve(__dirname, '../fixtures/real-durable');

function recording(name: string): Recording {
  return JSON.parse(fs.readFileSync(path.join(RECORDINGS, `${name}.json`), 'utf8')) as Recording;
}

describe('the dev host against recordings of the real Durable extension', () => {
  it('has a recording for every scenario and a scenario for every recording', () => {
    const recorded = fs
      .readdirSync(RECORDINGS)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length))
      .sort();

    expect(recorded).toEqual(SCENARIOS.map((scenario) => scenario.name).sort());
  });

  for (const scenario of SCENARIOS) {
    it(`replays "${scenario.name}" identically after normalisation`, async () => {
      const expected = recording(scenario.name);

      const replayed = await replayOnDevHost(scenario);

      expect(diffRecordings(withoutKnownDifferences(expected), withoutKnownDifferences(replayed))).toEqual(
        [],
      );
      expect(replayed.scenario).toBe(scenario.name);
    });
  }
});
