/** Which ports the stack's servers take: the ones a restart needs again when it can, a free one otherwise. */

/** The port `func start` uses, so `rpcopy`'s default URL reaches the local app. */
export const DEFAULT_APP_PORT = 7071;

export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Starts on `port` when given, or on a free port when that one is taken (and falling back is allowed). */
export async function onPreferredPort<T>(
  port: number | undefined,
  fallbackToFree: boolean,
  start: (port: number) => Promise<T>,
): Promise<T> {
  if (port === undefined) {
    return start(0);
  }
  try {
    return await start(port);
  } catch (error) {
    if (!fallbackToFree || !isAddressInUse(error)) {
      throw error;
    }
    return start(0);
  }
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
