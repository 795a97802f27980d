export { startComputeSimulator } from './computeSimulator';
export { readSavedClockTime } from './stateJournal';
export { LATEST_API_VERSION, EARLIEST_API_VERSION } from './simulatorServer';
export type * from './types';
