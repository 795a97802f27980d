/**
 * Runs `work` and then puts `process.env` back as it was: the worker code applies an app's settings to the
 * process environment, so one scenario's settings (a copy timeout, polls per generation) would otherwise be
 * read by every scenario that runs after it in the same process.
 */
export async function withProcessEnvironmentRestored<T>(work: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  try {
    return await work();
  } finally {
    for (const name of Object.keys(process.env)) {
      if (!(name in saved)) {
        delete process.env[name];
      }
    }
    Object.assign(process.env, saved);
  }
}
