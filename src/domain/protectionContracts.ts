/**
 * The protection activities the copy orchestration calls: their names and inputs (plain JSON). Orchestrators
 * import these as types and names only.
 */
import type { StalledEventData } from './protectionEvents';

export const ProtectionActivityNames = {
  retainAfterCopy: 'retainAfterCopyActivity',
  publishStalled: 'publishStalledActivity',
} as const satisfies { readonly [N in keyof ProtectionActivityContracts]: string };

/** Applies the pair's retention right after one of its copies became usable. */
export interface RetainAfterCopyInput {
  sourceCollectionId: string;
  targetRegion: string;
}

export interface RetainAfterCopyResult {
  pruned: string[];
  kept: string[];
}

export interface PublishStalledResult {
  published: boolean;
}

/** Name -> input and result of each protection activity, as the copy orchestration calls them. */
export interface ProtectionActivityContracts {
  retainAfterCopy: { input: RetainAfterCopyInput; result: RetainAfterCopyResult };
  publishStalled: { input: PublishStalledInput; result: PublishStalledResult };
}

export interface PublishStalledInput {
  data: StalledEventData;
  /** The orchestration's clock when the stall was noticed (so a replayed publish is identical). */
  time: string;
}
