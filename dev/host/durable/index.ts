export { createDurableEngine, type DevDurableEngine, type DurableEngineOptions } from './engine';
export { EventType, eventTypeName, formatTimeSpan } from './historyEvents';
export type { LogLevel } from './replay';
