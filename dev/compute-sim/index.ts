export { startComputeSimulator } from './computeSimulator';
export { readSavedClockTime } from './store';
export { LATEST_API_VERSION, EARLIEST_API_VERSION } from './server';
export type * from './types';
