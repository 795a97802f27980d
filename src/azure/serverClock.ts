/** The part of an SDK pipeline policy this clock needs (structural: no pipeline import). */
export interface ResponseObserverPolicy {
  name: string;
  sendRequest<T extends { headers: { get(name: string): string | undefined } }>(
    request: unknown,
    next: (request: never) => Promise<T>,
  ): Promise<T>;
}

/**
 * Azure Resource Manager's clock, read from the `Date` header of its responses.
 *
 * @remarks Protection compares "now" with ARM's `timeCreated`, so it measures now by the same clock: the
 * latest `Date` ARM sent, moved on by the local time elapsed since. A skewed host clock then cannot make a
 * pair look fresher or staler than Azure says, and a simulator on a virtual clock is honoured as is.
 */
export class ServerClock {
  private observed: { serverMs: number; localMs: number } | undefined;

  constructor(private readonly localNow: () => number = () => Date.now()) {}

  /** Records one response's `Date` header; ignores a missing or unparsable one. */
  observe(dateHeader: string | undefined): void {
    const serverMs = dateHeader === undefined ? NaN : Date.parse(dateHeader);
    if (Number.isNaN(serverMs)) {
      return;
    }
    // Responses arrive out of order; the newest server time wins.
    const localMs = this.localNow();
    if (this.observed === undefined || serverMs >= this.now(localMs)) {
      this.observed = { serverMs, localMs };
    }
  }

  /** ARM's time now; undefined before any response was seen. */
  serverNow(): Date | undefined {
    return this.observed === undefined ? undefined : new Date(this.now(this.localNow()));
  }

  private now(localMs: number): number {
    const observed = this.observed;
    return observed === undefined ? localMs : observed.serverMs + Math.max(0, localMs - observed.localMs);
  }

  /** A pipeline policy that feeds this clock. */
  policy(): ResponseObserverPolicy {
    return {
      name: 'rpcopyServerClock',
      sendRequest: async (request, next) => {
        const response = await next(request as never);
        this.observe(response.headers.get('date'));
        return response;
      },
    };
  }
}
