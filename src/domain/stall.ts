/**
 * When a replicating copy has stalled, what to tell people: once per stall, with the disks that stopped and
 * for how long. Pure.
 */
import type { CopyDocument, DiskProgress } from './copyDocument';
import type { PollState, PollingSettings } from './polling';
import { isStalled } from './polling';
import type { StalledEventData } from './protectionEvents';
import { STALL_SUGGESTION } from './protectionEvents';

export interface StallCheck {
  /** The copy document with the progress just read. */
  document: CopyDocument;
  /** Per-disk progress of the poll before. */
  previousDisks: readonly DiskProgress[];
  poll: PollState;
  settings: PollingSettings;
  /** ISO: the orchestration's clock. */
  now: string;
  /** The overall percent of the stall already announced, if any. */
  announcedPercent: number | undefined;
}

/**
 * The `Stalled` event data when the copy has just been found stalled at a percent not yet announced;
 * undefined otherwise. Progress only grows, so the percent identifies the stall.
 */
export function detectStall(check: StallCheck): StalledEventData | undefined {
  const { document, poll } = check;
  const percent = document.progress.percent;
  if (!isStalled(poll, check.settings) || check.announcedPercent === percent) {
    return undefined;
  }
  // The earliest of the trailing samples that show this percent: the stall began at or before it.
  let since = check.now;
  for (let index = poll.samples.length - 1; index >= 0; index--) {
    const sample = poll.samples[index];
    if (sample === undefined || sample.percent !== percent) {
      break;
    }
    since = sample.at;
  }
  const previous = new Map(check.previousDisks.map((disk) => [disk.id, disk.percent]));
  const disks = document.progress.disks
    .filter((disk) => disk.status !== 'Succeeded' && disk.percent < 100)
    .filter((disk) => !previous.has(disk.id) || previous.get(disk.id) === disk.percent)
    .map((disk) => ({ id: disk.id, percent: disk.percent }));
  return {
    copyId: document.id,
    sourceRestorePointId: document.sourceRestorePointId,
    targetRestorePointId: document.targetRestorePointId,
    targetRegion: document.targetRegion,
    percent,
    stalledSince: since,
    stalledForSeconds: Math.max(0, Math.round((Date.parse(check.now) - Date.parse(since)) / 1000)),
    disks,
    suggestion: STALL_SUGGESTION,
  };
}
