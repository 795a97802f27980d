export { createDurableEngine, type DevDurableEngine, type DurableEngineOptions } from './durableEngine';
export type { StoreStats } from './durableStore';
export { EventType, eventTypeName, formatTimeSpan } from './historyEvents';
export type { LogLevel } from './replayEpisode';
