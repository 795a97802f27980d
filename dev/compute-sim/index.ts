export { startComputeSimulator } from './computeSimulator';
export { readSavedClockTime } from './stateStore';
export { LATEST_API_VERSION, EARLIEST_API_VERSION } from './simulatorServer';
export type * from './types';
