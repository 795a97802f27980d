import { ArmError } from './armError';
import type { ArmRequest, ArmResponse, ComputeModel } from './computeModel';

type Params = Record<string, string>;

interface Route {
  segments: string[];
  handlers: Partial<Record<string, (params: Params, request: ArmRequest) => ArmResponse>>;
}

const RG = 'subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute';

function resourceId(params: Params, ...typeAndNames: string[]): string {
  return `/subscriptions/${params.sub}/resourceGroups/${params.rg}/providers/Microsoft.Compute/${typeAndNames.join('/')}`;
}

/** Builds the route table for the ARM paths the simulator serves. Literal segments match case-insensitively. */
export function createRoutes(model: ComputeModel): Route[] {
  const vmId = (p: Params): string => resourceId(p, 'virtualMachines', p.vm ?? '');
  const rpcId = (p: Params): string => resourceId(p, 'restorePointCollections', p.rpc ?? '');
  const rpId = (p: Params): string =>
    resourceId(p, 'restorePointCollections', p.rpc ?? '', 'restorePoints', p.rp ?? '');
  const table: [string, Route['handlers']][] = [
    [
      `${RG}/virtualMachines/{vm}`,
      { GET: (p) => model.getVm(vmId(p)), PUT: (p, r) => model.putVm(vmId(p), r) },
    ],
    [`${RG}/restorePointCollections`, { GET: (p, r) => model.listCollections(p.sub ?? '', p.rg, r) }],
    [
      'subscriptions/{sub}/providers/Microsoft.Compute/restorePointCollections',
      { GET: (p, r) => model.listCollections(p.sub ?? '', undefined, r) },
    ],
    [
      `${RG}/restorePointCollections/{rpc}`,
      {
        GET: (p, r) => model.getCollection(rpcId(p), r),
        PUT: (p, r) => model.putCollection(rpcId(p), r),
        PATCH: (p, r) => model.patchCollection(rpcId(p), r),
        DELETE: (p, r) => model.deleteCollection(rpcId(p), r),
      },
    ],
    [
      `${RG}/restorePointCollections/{rpc}/restorePoints/{rp}`,
      {
        GET: (p, r) => model.getRestorePoint(rpcId(p), rpId(p), r),
        PUT: (p, r) => model.putRestorePoint(rpcId(p), rpId(p), r),
        DELETE: (p, r) => model.deleteRestorePoint(rpcId(p), rpId(p), r),
      },
    ],
  ];
  return table.map(([template, handlers]) => ({ segments: template.split('/'), handlers }));
}

function match(route: Route, segments: string[]): Params | undefined {
  if (route.segments.length !== segments.length) {
    return undefined;
  }
  const params: Params = {};
  for (let i = 0; i < segments.length; i++) {
    const expected = route.segments[i] ?? '';
    const actual = segments[i] ?? '';
    if (expected.startsWith('{')) {
      if (actual === '') {
        return undefined;
      }
      params[expected.slice(1, -1)] = actual;
    } else if (expected.toLowerCase() !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

/** The operation-status route: `/subscriptions/{sub}/providers/Microsoft.Compute/locations/{region}/operations/{id}`. */
export function matchOperation(path: string): { subscriptionId: string; operationId: string } | undefined {
  const params = match(
    {
      segments: 'subscriptions/{sub}/providers/Microsoft.Compute/locations/{region}/operations/{id}'.split(
        '/',
      ),
      handlers: {},
    },
    splitPath(path),
  );
  return params ? { subscriptionId: params.sub ?? '', operationId: params.id ?? '' } : undefined;
}

export function splitPath(path: string): string[] {
  return path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new ArmError(
          400,
          'InvalidRequestUri',
          `The path segment '${segment}' is not valid percent-encoding.`,
        );
      }
    });
}

export function route(routes: Route[], method: string, path: string, request: ArmRequest): ArmResponse {
  const segments = splitPath(path);
  for (const candidate of routes) {
    const params = match(candidate, segments);
    if (!params) {
      continue;
    }
    const handler = candidate.handlers[method];
    if (!handler) {
      throw new ArmError(
        405,
        'MethodNotAllowed',
        `The HTTP method '${method}' is not supported for '${path}'. Supported: ${Object.keys(candidate.handlers).join(', ')}.`,
      );
    }
    return handler(params, request);
  }
  throw new ArmError(
    404,
    'InvalidResourceType',
    `The simulator does not serve '${path}'. It serves Microsoft.Compute virtualMachines, restorePointCollections, restorePoints and operation status.`,
  );
}
