import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';

import type { FunctionInvoker } from '../contract';
import {
  AppLoadError,
  applySettings,
  readHostJson,
  resolveEntryPoints,
  type HostJsonSettings,
} from './appFiles';
import {
  activateRegistrations,
  activeRegistrations,
  installCoreModule,
  Registrations,
  setCoreSystemLog,
  type RegisteredFunction,
} from './coreModule';
import type { RpcBindingInfo, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './coreTypes';
import { DurableFunctionInvoker } from './durableInvoker';
import { runInvocation, type LogEntry, type LogSink } from './invocation';

export { AppLoadError, type HostJsonSettings } from './appFiles';
export type * from './coreTypes';
export {
  buildDurableClientPayload,
  type DurableClientPayload,
  type DurableClientPayloadOptions,
} from './durableClientPayload';
export { activityResultJson, DurableFunctionInvoker, OUT_OF_PROC_DATA_LABEL } from './durableInvoker';
export type { LogEntry, LogSink } from './invocation';

// Installed on import as well as on load: anything that requires @azure/functions after this module is
// imported then sees the virtual core module, never test mode.
installCoreModule();

/** One registered function, as the host indexes it. */
export interface FunctionInfo {
  name: string;
  /** The trigger binding's `type`, e.g. `httpTrigger`, `orchestrationTrigger`. */
  triggerType: string;
  triggerBindingName: string;
  /** The trigger binding with its options (`route`, `methods`, `authLevel`, `schedule`, …). */
  trigger: RpcBindingInfo;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export interface LoadFunctionAppOptions {
  appDir: string;
  /** App settings; they win over local.settings.json and the existing environment. */
  settings?: Record<string, string>;
  /**
   * The host name the app sees in WEBSITE_HOSTNAME, e.g. `127.0.0.1:7071`. durable-functions rewrites
   * every client URL to localhost:7071 when it is unset, so the host always sets it.
   * @default 'localhost:7071'
   */
  websiteHostname?: string;
  /** Supplies the `durableClient` binding payload; asked on every invocation that declares the binding. */
  durableClientPayload?: () => unknown;
  /** Where function and system logs go. @default console, information and above */
  log?: LogSink;
  /** Told about every invocation once it has settled, e.g. to record what the engine sent and got back. */
  onInvocation?: InvocationObserver;
}

/** One settled invocation: the trigger's typed data and either the worker's response or what was thrown. */
export interface ObservedInvocation {
  functionName: string;
  triggerType: string;
  triggerData: RpcTypedData | undefined;
  outcome: { ok: true; response: RpcInvocationResponse } | { ok: false; error: unknown };
}

export type InvocationObserver = (invocation: ObservedInvocation) => void;

export interface LoadedApp {
  appDir: string;
  hostJson: HostJsonSettings;
  /** Every registered function by name. */
  registry: ReadonlyMap<string, FunctionInfo>;
  invoker: FunctionInvoker;
  /** Finds a function by name the way the host does (case-insensitively). */
  getFunction(name: string): FunctionInfo | undefined;
  /**
   * Invokes a function through the library pipeline with `triggerData` on its trigger binding (and the
   * durable client payload on any `durableClient` input). Rejects with whatever the handler threw.
   */
  invoke(
    name: string,
    triggerData: RpcTypedData | undefined,
    triggerMetadata?: Record<string, RpcTypedData>,
  ): Promise<RpcInvocationResponse>;
  setDurableClientPayload(provider: (() => unknown) | undefined): void;
  /** Runs the appTerminate hooks. */
  terminate(): Promise<void>;
}

export const consoleLogSink: LogSink = (entry: LogEntry) => {
  const prefix = entry.functionName ? `[${entry.functionName}] ` : '';
  switch (entry.level) {
    case 'trace':
    case 'debug':
    case 'none':
      return;
    case 'information':
      console.log(`${prefix}${entry.message}`);
      return;
    case 'warning':
    case 'error':
    case 'critical':
      console.warn(`${prefix}${entry.message}`);
      return;
  }
};

const DURABLE_CLIENT_TYPES = new Set(['durableclient', 'orchestrationclient']);
/** Input bindings the dev host knows how to fill; any other input arrives undefined. */
const SUPPORTED_INPUT_TYPES = DURABLE_CLIENT_TYPES;

function isTriggerType(type: string | null | undefined): type is string {
  return typeof type === 'string' && /trigger$/i.test(type);
}

function toFunctionInfo(registered: RegisteredFunction): FunctionInfo {
  const { metadata } = registered;
  const triggerEntry = Object.entries(metadata.bindings).find(([, binding]) => isTriggerType(binding.type));
  if (!triggerEntry) {
    throw new AppLoadError(`Function "${metadata.name}" has no trigger binding`);
  }
  const [triggerBindingName, trigger] = triggerEntry;
  const info: FunctionInfo = {
    name: metadata.name,
    triggerType: trigger.type as string,
    triggerBindingName,
    trigger,
    bindings: metadata.bindings,
  };
  if (metadata.retryOptions !== undefined) {
    info.retryOptions = metadata.retryOptions;
  }
  return info;
}

/** Drops the app's modules and the two libraries from the require cache so a reload registers afresh. */
function forgetModules(appDir: string): void {
  const prefixes = [path.resolve(appDir) + path.sep];
  const appRequire = createRequire(path.join(appDir, 'package.json'));
  for (const library of ['@azure/functions', 'durable-functions']) {
    try {
      const entry = appRequire.resolve(library);
      const marker = `${path.sep}node_modules${path.sep}${library.split('/').join(path.sep)}${path.sep}`;
      const at = entry.lastIndexOf(marker);
      if (at >= 0) {
        prefixes.push(entry.slice(0, at + marker.length));
      }
    } catch {
      // Not installed for this app: nothing of it can be cached.
    }
  }
  for (const key of Object.keys(appRequire.cache)) {
    if (prefixes.some((prefix) => key.startsWith(prefix))) {
      delete appRequire.cache[key];
    }
  }
}

/** ES modules cannot be evicted from Node's module cache, so each can be evaluated once per process. */
const importedEsmEntryPoints = new Set<string>();

async function loadEntryPoint(file: string): Promise<void> {
  const isEsm =
    file.endsWith('.mjs') || (!file.endsWith('.cjs') && packageTypeOf(path.dirname(file)) === 'module');
  if (isEsm) {
    if (importedEsmEntryPoints.has(file)) {
      throw new Error(
        'an ES module entry point cannot be loaded twice in one process (its registrations would be lost); restart the host in a new process',
      );
    }
    importedEsmEntryPoints.add(file);
    await import(pathToFileURL(file).href);
  } else {
    createRequire(file)(file);
  }
}

function packageTypeOf(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'package.json');
    if (fs.existsSync(candidate)) {
      const parsed = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { type?: unknown };
      return typeof parsed.type === 'string' ? parsed.type : undefined;
    }
    if (path.dirname(current) === current) {
      return undefined;
    }
  }
}

/**
 * Loads a Node v4 programming-model app the way the worker does: settings into the environment, each
 * file matched by package.json `main` required with the virtual `@azure/functions-core` in place, then
 * the appStart hooks. One app per process at a time; a second load replaces the first.
 */
export async function loadFunctionApp(options: LoadFunctionAppOptions): Promise<LoadedApp> {
  installCoreModule();
  const appDir = path.resolve(options.appDir);
  if (!fs.existsSync(appDir) || !fs.statSync(appDir).isDirectory()) {
    throw new AppLoadError(`App directory ${appDir} does not exist`);
  }
  const log = options.log ?? consoleLogSink;
  // Settings first: host.json may name them (`"hubName": "%MyTaskHub%"`).
  applySettings(appDir, options.settings);
  const hostJson = readHostJson(appDir);
  process.env.WEBSITE_HOSTNAME = options.websiteHostname ?? 'localhost:7071';
  const entryPoints = resolveEntryPoints(appDir);

  const registrations = new Registrations();
  const previous = activeRegistrations();
  forgetModules(appDir);
  activateRegistrations(registrations);
  setCoreSystemLog((level, category, message) =>
    log({ level: level as LogEntry['level'], category: category as LogEntry['category'], message }),
  );
  try {
    for (const file of entryPoints) {
      try {
        await loadEntryPoint(file);
      } catch (error) {
        throw new AppLoadError(
          `Worker was unable to load entry point "${path.relative(appDir, file)}": ${(error as Error).message ?? String(error)}`,
          { cause: error },
        );
      }
    }
  } catch (error) {
    activateRegistrations(previous);
    throw error;
  }

  const registry = new Map<string, FunctionInfo>();
  for (const registered of registrations.functions.values()) {
    const info = toFunctionInfo(registered);
    registry.set(info.name, info);
    for (const [bindingName, binding] of Object.entries(info.bindings)) {
      if (isTriggerType(binding.type)) {
        continue;
      }
      const type = String(binding.type);
      let unsupported: string | undefined;
      if (binding.direction === 'in' && !SUPPORTED_INPUT_TYPES.has(type.toLowerCase())) {
        unsupported = `Input binding "${bindingName}" of type "${type}" is not supported by the dev host; it will be undefined.`;
      } else if (
        binding.direction === 'out' &&
        !(bindingName === '$return' && type.toLowerCase() === 'http')
      ) {
        unsupported = `Output binding "${bindingName}" of type "${type}" is not supported by the dev host; what the function sets on it is dropped.`;
      }
      if (unsupported !== undefined) {
        log({ level: 'warning', category: 'system', functionName: info.name, message: unsupported });
      }
    }
  }
  if (registry.size > 0 && !registrations.programmingModel) {
    throw new AppLoadError('Functions were registered but no programming model was set');
  }
  if (registrations.programmingModel?.getCapabilities) {
    const capabilities = await registrations.programmingModel.getCapabilities({});
    if (capabilities.HttpUri !== undefined) {
      throw new AppLoadError('app.setup({ enableHttpStream: true }) is not supported by the dev host');
    }
  }

  let durableClientPayload = options.durableClientPayload;
  const appHookData: Record<string, unknown> = {};
  const appLevelHookData: Record<string, unknown> = {};
  const lowerCaseNames = new Map([...registry.keys()].map((name) => [name.toLowerCase(), name]));

  const getFunction = (name: string): FunctionInfo | undefined => {
    const exact = registry.get(name);
    if (exact) {
      return exact;
    }
    const canonical = lowerCaseNames.get(name.toLowerCase());
    return canonical === undefined ? undefined : registry.get(canonical);
  };

  const invoke = async (
    name: string,
    triggerData: RpcTypedData | undefined,
    triggerMetadata?: Record<string, RpcTypedData>,
  ): Promise<RpcInvocationResponse> => {
    const info = getFunction(name);
    const registered = info ? registrations.functions.get(info.name) : undefined;
    if (!info || !registered) {
      throw new Error(`The function '${name}' is not registered by the app`);
    }
    const inputData: RpcParameterBinding[] = [{ name: info.triggerBindingName, data: triggerData ?? null }];
    for (const [bindingName, binding] of Object.entries(info.bindings)) {
      if (binding.direction !== 'in' || !DURABLE_CLIENT_TYPES.has(String(binding.type).toLowerCase())) {
        continue;
      }
      const payload = durableClientPayload?.();
      if (payload === undefined) {
        throw new Error(
          `Function '${info.name}' has a durableClient input but the host provides no client payload`,
        );
      }
      inputData.push({ name: bindingName, data: { string: JSON.stringify(payload) } });
    }
    const request = triggerMetadata ? { inputData, triggerMetadata } : { inputData };
    const observe = options.onInvocation;
    if (!observe) {
      return runInvocation(registrations, appHookData, registered, request, log);
    }
    const observed = { functionName: info.name, triggerType: info.triggerType, triggerData };
    try {
      const response = await runInvocation(registrations, appHookData, registered, request, log);
      observe({ ...observed, outcome: { ok: true, response } });
      return response;
    } catch (error) {
      observe({ ...observed, outcome: { ok: false, error } });
      throw error;
    }
  };

  const loaded: LoadedApp = {
    appDir,
    hostJson,
    registry,
    getFunction,
    invoke,
    invoker: new DurableFunctionInvoker({
      triggerType: (name) => getFunction(name)?.triggerType,
      functionNames: () => [...registry.keys()],
      invokeTrigger: (name, data) => invoke(name, data),
    }),
    setDurableClientPayload(provider) {
      durableClientPayload = provider;
    },
    async terminate() {
      const context = hookContext(appLevelHookData, appHookData, {});
      for (const hook of registrations.hooksFor('appTerminate')) {
        await hook(context);
      }
    },
  };

  const startContext = hookContext(appLevelHookData, appHookData, { functionAppDirectory: appDir });
  try {
    for (const hook of registrations.hooksFor('appStart')) {
      await hook(startContext);
    }
  } catch (error) {
    throw new AppLoadError(`An appStart hook failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return loaded;
}

/** appStart and appTerminate share their hookData, as in the worker. */
function hookContext(
  hookData: Record<string, unknown>,
  appHookData: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return Object.defineProperties(
    { ...extra },
    {
      hookData: { get: () => hookData, enumerable: true },
      appHookData: { get: () => appHookData, enumerable: true },
    },
  );
}
