import Module from 'node:module';

import type { CoreFunctionMetadata, FunctionCallback, HookCallback, ProgrammingModel } from './coreTypes';

/** Version strings the virtual core module reports; they only feed the library's diagnostics. */
const WORKER_VERSION = '3.12.0-devhost';
const HOST_VERSION = '4.1040.0-devhost';

export interface RegisteredFunction {
  metadata: CoreFunctionMetadata;
  callback: FunctionCallback;
}

/** Everything an app registers while it loads; one per loaded app. */
export class Registrations {
  programmingModel: ProgrammingModel | undefined;
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<string, HookCallback[]>();
  readonly errors: Error[] = [];

  hooksFor(name: string): HookCallback[] {
    return [...(this.hooks.get(name) ?? [])];
  }
}

class Disposable {
  static from(...likes: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => {
      for (const like of likes) {
        like.dispose();
      }
    });
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): unknown {
    const call = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return call?.();
  }
}

export type CoreLogHandler = (level: string, category: string, message: string) => void;

let active: Registrations | undefined;
let systemLog: CoreLogHandler = (level, _category, message) => {
  if (level === 'warning' || level === 'error' || level === 'critical') {
    console.warn(message);
  }
};

function current(what: string): Registrations {
  if (!active) {
    throw new Error(
      `@azure/functions-core: ${what} was called while no app is loading or loaded in the dev host`,
    );
  }
  return active;
}

/** The object `require('@azure/functions-core')` returns inside the dev host, like the worker's. */
const coreApi = {
  version: WORKER_VERSION,
  hostVersion: HOST_VERSION,
  Disposable,
  setProgrammingModel(programmingModel: ProgrammingModel): void {
    current('setProgrammingModel').programmingModel = programmingModel;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return current('getProgrammingModel').programmingModel;
  },
  registerFunction(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
    const registrations = current('registerFunction');
    const name = metadata.name;
    const clash = [...registrations.functions.keys()].find((n) => n.toLowerCase() === name.toLowerCase());
    if (clash !== undefined) {
      // The host refuses duplicate function names case-insensitively; fail the load rather than let the
      // second registration silently win.
      throw new Error(`A function with the name "${name}" has already been registered ("${clash}").`);
    }
    registrations.functions.set(name, { metadata, callback });
    return new Disposable(() => registrations.functions.delete(name));
  },
  registerHook(hookName: string, callback: HookCallback): Disposable {
    const registrations = current('registerHook');
    const list = registrations.hooks.get(hookName) ?? [];
    list.push(callback);
    registrations.hooks.set(hookName, list);
    return new Disposable(() => {
      const index = list.indexOf(callback);
      if (index >= 0) {
        list.splice(index, 1);
      }
    });
  },
  log(level: string, category: string, message: string): void {
    systemLog(level, category, message);
  },
};

const INSTALLED = Symbol.for('rpcopy.devHost.functionsCoreProxy');

/**
 * Makes `require('@azure/functions-core')` resolve to the virtual core module, the way the worker does:
 * by wrapping `Module.prototype.require`. Must run before anything requires `@azure/functions`, whose
 * lookup of the core module is lazy but sticky.
 */
export function installCoreModule(): void {
  const holder = globalThis as { [INSTALLED]?: true };
  if (holder[INSTALLED]) {
    return;
  }
  holder[INSTALLED] = true;
  // The Module type declares require on instances only; the prototype is where the worker patches it.
  const proto = Module.prototype as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, args: unknown[]) {
      if (args[0] === '@azure/functions-core') {
        return coreApi;
      }
      return Reflect.apply(target, thisArg, args) as unknown;
    },
  });
}

/** Routes registrations made from now on into `registrations`. */
export function activateRegistrations(registrations: Registrations | undefined): void {
  active = registrations;
}

export function activeRegistrations(): Registrations | undefined {
  return active;
}

export function setCoreSystemLog(handler: CoreLogHandler): void {
  systemLog = handler;
}
