/**
 * Differences between the real extension and the dev host that the dev host cannot remove, each with its
 * reason; dev/host/README.md lists the same. They are applied to both recordings before comparing, and touch
 * nothing else.
 */
export const KNOWN_DIFFERENCES = [
  {
    what: 'the InnerException inside an activity failure’s Details',
    why: 'it is the Functions host’s RpcException serialized by the extension, with .NET stack traces of the host process; the Functions host is not available here, so the harness throws a stand-in of the same name and message, and neither side can claim the real members',
  },
] as const;

const REPLACED = '<Functions host RpcException (known difference)>';

function withoutHostException(details: string): string {
  try {
    const parsed = JSON.parse(details) as Record<string, unknown>;
    if (parsed.InnerException === undefined || parsed.InnerException === null) return details;
    return JSON.stringify({ ...parsed, InnerException: REPLACED });
  } catch {
    return details;
  }
}

/** The recording with the known differences blanked out, identically on both sides. */
export function withoutKnownDifferences<T>(value: T): T {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      out[key] = key === 'Details' && typeof child === 'string' ? withoutHostException(child) : visit(child);
    }
    return out;
  };
  return visit(value) as T;
}
