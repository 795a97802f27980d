export { createDurableEngine, type DevDurableEngine, type DurableEngineOptions } from './durableEngine';
export { EventType, eventTypeName, formatTimeSpan } from './historyEvents';
export type { LogLevel } from './replayEpisode';
