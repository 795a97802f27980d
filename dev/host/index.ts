/** The dev host's public API: start it on an app directory in-process, as tests and the CLI do. */
export {
  durableClientFromPayload,
  engineFactoryWith,
  startDevHost,
  type DevHost,
  type DevHostOptions,
  type EngineFactory,
  type EngineFactoryContext,
  type WaitForInstanceOptions,
} from './devHost';
export * from './contract';
export type { RequestLogEntry } from './http/hostServer';
export { loadFunctionApp, type FunctionInfo, type LoadedApp, type LogEntry, type LogSink } from './worker';
export { parseSchedule, ScheduleError, type Schedule } from './timers/schedule';
export { RouteTemplate, RouteTemplateError } from './http/routeTemplate';
export { RealClock, VirtualClock, type Clock } from '../clock';
