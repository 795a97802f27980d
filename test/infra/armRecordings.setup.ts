import { clearRecordings } from './armOperations';

/** Vitest global setup: the role test reads only what this run's end-to-end tests recorded. */
export default function setup(): void {
  clearRecordings();
}
