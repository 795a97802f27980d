import { ArmError } from './armError';
import { renderVm } from './armViews';
import { parseComputeId } from './ids';
import type { ModelContext } from './modelContext';
import type { ArmRequest, ArmResponse } from './modelSupport';
import { asString, asTags, isObject, notFound, requireLocation, requireObjectBody } from './modelSupport';
import type { VmDisk, VmRecord } from './stateStore';

/** Virtual machines: just enough (location, size, disks) to be the source of restore points. */
export function putVm(context: ModelContext, id: string, request: ArmRequest): ArmResponse {
  const body = requireObjectBody(request.body);
  const location = requireLocation(body);
  const properties = isObject(body.properties) ? body.properties : {};
  const storage = isObject(properties.storageProfile) ? properties.storageProfile : undefined;
  const osDiskBody = storage && isObject(storage.osDisk) ? storage.osDisk : undefined;
  const parsed = parseComputeId(id);
  if (!parsed) {
    throw new ArmError(400, 'InvalidResourceId', `'${id}' is not a virtual machine id.`);
  }
  const name = parsed.names[0] ?? '';
  if (!osDiskBody) {
    throw new ArmError(400, 'InvalidParameter', "'properties.storageProfile.osDisk' is required.", {
      target: 'properties.storageProfile.osDisk',
    });
  }
  const rgPrefix = `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}/providers/Microsoft.Compute/disks/`;
  const osDisk = parseDisk(osDiskBody, rgPrefix, `${name}_OsDisk_1`, 'properties.storageProfile.osDisk');
  const dataDiskBodies = storage && Array.isArray(storage.dataDisks) ? (storage.dataDisks as unknown[]) : [];
  const dataDisks = dataDiskBodies.map((value, index) => {
    const lun = isObject(value) && typeof value.lun === 'number' ? value.lun : index;
    return parseDisk(
      value,
      rgPrefix,
      `${name}_DataDisk_${lun}`,
      `properties.storageProfile.dataDisks[${index}]`,
      lun,
    );
  });
  const existing = context.resources.vm(id);
  const hardware = isObject(properties.hardwareProfile) ? properties.hardwareProfile : {};
  const tags = asTags(body.tags);
  const vm: VmRecord = {
    id: existing?.id ?? id,
    name: existing?.name ?? name,
    location,
    ...(tags ? { tags } : {}),
    vmId: existing?.vmId ?? context.ids.next(),
    vmSize: asString(hardware.vmSize) ?? 'Standard_D2s_v5',
    osType: asString(osDiskBody.osType) ?? 'Linux',
    osDisk,
    dataDisks,
  };
  if (existing && existing.location !== vm.location) {
    throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property 'location' is not allowed.`, {
      target: 'location',
    });
  }
  context.resources.putVm(vm);
  context.changes.commit();
  return { status: existing ? 200 : 201, body: renderVm(vm) };
}

export function getVm(context: ModelContext, id: string): ArmResponse {
  const vm = context.resources.vm(id);
  if (!vm) {
    throw notFound('Microsoft.Compute/virtualMachines', id);
  }
  return { status: 200, body: renderVm(vm) };
}

function parseDisk(
  value: unknown,
  rgPrefix: string,
  fallbackName: string,
  target: string,
  lun?: number,
): VmDisk {
  const d = isObject(value) ? value : {};
  const diskName = asString(d.name) ?? fallbackName;
  const size = d.diskSizeGB;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw new ArmError(400, 'InvalidParameter', `'${target}.diskSizeGB' must be a positive integer (GiB).`, {
      target: `${target}.diskSizeGB`,
    });
  }
  const managed = isObject(d.managedDisk) ? d.managedDisk : {};
  const encryptionSetId = isObject(managed.diskEncryptionSet)
    ? asString(managed.diskEncryptionSet.id)
    : undefined;
  return {
    name: diskName,
    diskSizeGB: size,
    managedDiskId: asString(managed.id) ?? `${rgPrefix}${diskName}`,
    storageAccountType: asString(managed.storageAccountType) ?? 'Premium_LRS',
    caching: asString(d.caching) ?? (lun === undefined ? 'ReadWrite' : 'None'),
    ...(lun !== undefined ? { lun } : {}),
    ...(encryptionSetId !== undefined ? { diskEncryptionSetId: encryptionSetId } : {}),
  };
}
