/**
 * The log methods of the Functions invocation context that the app's code calls. Each use case and
 * activity asks only for the methods it uses (`Pick<Logger, …>`), so a test passes a small recorder.
 */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
