/** An ARM `CloudError` reply: `{ error: { code, message, target?, details? } }`. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      headers?: Record<string, string>;
      target?: string;
      details?: { code: string; message: string; target?: string }[];
    } = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.extra.target ? { target: this.extra.target } : {}),
        ...(this.extra.details ? { details: this.extra.details } : {}),
      },
    };
  }
}
