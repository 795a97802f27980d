import type { Clock } from '../clock';
import type { FaultPlan } from './faultPlan';
import type { IdGenerator } from './ids';
import type { ModelSettings } from './modelSupport';
import type { Operations } from './operations';
import type { ResourceTables } from './resourceTables';
import type { StateChanges } from './stateJournal';

/** What the per-resource request handlers share: the state, its operations, and where time and ids come from. */
export interface ModelContext {
  readonly resources: ResourceTables;
  readonly operations: Operations;
  readonly settings: ModelSettings;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly faults: FaultPlan;
  readonly changes: StateChanges;
}
