import type { DiskCopyStatus, DiskProgress } from './copyDocument';
import type { RestorePointView, StatusView } from './restorePoints';

/** The only replication status code Azure documents. */
export const REPLICATION_SUCCEEDED_CODE = 'replicationstate/succeeded';

export type ReplicationState = 'succeeded' | 'failed' | 'inProgress';

export interface ReplicationVerdict {
  state: ReplicationState;
  /** Overall percent, weighted by disk size when known; 100 only when `state` is `succeeded`. */
  percent: number;
  disks: DiskProgress[];
  /** Status codes nobody documented, reported verbatim so that they can be logged. */
  unknownCodes: string[];
  /** Present when `state` is `failed`: the status that proved it. */
  failure?: { code: string; message: string };
  /** Present when the copy is encrypted with, or its source used, a customer-managed key. */
  customerManagedKeyNote?: string;
}

const FAILURE_CODE = /fail|cancel/i;
/**
 * Codes that are not news: the documented success code, ARM's generic provisioning codes, and the ordinary
 * codes of a copy under way (not started, in progress), which every copy reports and which are read as in
 * progress whatever they are called.
 */
const KNOWN_CODE = /^(replicationstate\/(succeeded|notstarted|inprogress)|provisioningstate\/\w+)$/i;

function isFailureStatus(status: StatusView | undefined): boolean {
  if (status === undefined) {
    return false;
  }
  return status.level?.toLowerCase() === 'error' || FAILURE_CODE.test(status.code ?? '');
}

function diskStatus(status: StatusView | undefined, percent: number): DiskCopyStatus {
  if (isFailureStatus(status)) {
    return 'Failed';
  }
  if (status?.code?.toLowerCase() === REPLICATION_SUCCEEDED_CODE && percent === 100) {
    return 'Succeeded';
  }
  return status === undefined && percent === 0 ? 'Pending' : 'Replicating';
}

function clampPercent(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) {
    return 0;
  }
  return Math.min(100, Math.max(0, value));
}

const CMK_NOTE =
  'The source disks use a customer-managed key; the copy may be encrypted with a platform-managed key. Supply the disk encryption set again when you restore from this copy.';

function customerManagedKeyNote(view: RestorePointView): string | undefined {
  const usesCmk = (view.sourceDisks ?? []).some(
    (disk) => disk.usesDiskEncryptionSet || /customerkey/i.test(disk.encryptionType ?? ''),
  );
  return usesCmk ? CMK_NOTE : undefined;
}

/**
 * Decides whether a target restore point is usable, failed or still replicating.
 *
 * @remarks `provisioningState: Succeeded` only means the copy started. Usable needs every disk at
 * `ReplicationState/succeeded` and 100 %, and as many disks as the source recorded. A status with level `Error`
 * or a code mentioning fail/cancel means failed. Any other code, or no instance view yet, means in progress:
 * an undocumented code is never read as success.
 */
export function evaluateReplication(view: RestorePointView): ReplicationVerdict {
  const reported = view.instanceView?.disks ?? [];
  const expectedDisks = view.sourceDisks?.length;
  const sizes = view.sourceDisks?.map((disk) => disk.sizeGb) ?? [];
  const unknownCodes = [
    ...new Set(
      [...(view.instanceView?.statuses ?? []), ...reported.map((disk) => disk.status)]
        .map((status) => status?.code)
        .filter(
          (code): code is string => code !== undefined && !KNOWN_CODE.test(code) && !FAILURE_CODE.test(code),
        ),
    ),
  ];

  const disks: DiskProgress[] = reported.map((disk) => {
    const percent = clampPercent(disk.completionPercent);
    return { id: disk.id, status: diskStatus(disk.status, percent), percent };
  });

  const weightsKnown =
    expectedDisks === reported.length && sizes.every((size) => size !== undefined && size > 0);
  const slots = Math.max(expectedDisks ?? 0, disks.length);
  const totalWeight = weightsKnown ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : slots;
  const weighted = disks.reduce(
    (sum, disk, index) => sum + disk.percent * (weightsKnown ? (sizes[index] ?? 0) : 1),
    0,
  );
  const rawPercent = totalWeight > 0 ? weighted / totalWeight : 0;

  const provisioning = view.provisioningState?.toLowerCase();
  const failedStatus = [...(view.instanceView?.statuses ?? []), ...reported.map((disk) => disk.status)].find(
    isFailureStatus,
  );
  const note = customerManagedKeyNote(view);
  const base = { disks, unknownCodes, ...(note === undefined ? {} : { customerManagedKeyNote: note }) };

  if (provisioning === 'failed' || provisioning === 'canceled' || failedStatus !== undefined) {
    return {
      ...base,
      state: 'failed',
      percent: Math.floor(rawPercent),
      failure: failedStatus
        ? {
            code: failedStatus.code ?? 'ReplicationFailed',
            message: failedStatus.message ?? failedStatus.displayStatus ?? 'Azure reported no detail.',
          }
        : {
            code: `ProvisioningState/${view.provisioningState ?? ''}`,
            message: 'The copy operation ended unsuccessfully.',
          },
    };
  }

  const allSucceeded =
    provisioning === 'succeeded' &&
    disks.length > 0 &&
    disks.every((disk) => disk.status === 'Succeeded') &&
    (expectedDisks === undefined || expectedDisks === disks.length);
  if (allSucceeded) {
    return { ...base, state: 'succeeded', percent: 100 };
  }
  return { ...base, state: 'inProgress', percent: Math.min(99, Math.floor(rawPercent)) };
}
