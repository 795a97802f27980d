import type { Clock } from '../clock';
import { provisioningStateOf, renderRestorePoint } from './armViews';
import {
  deleteCollection,
  getCollection,
  listCollections,
  patchCollection,
  putCollection,
} from './collectionHandlers';
import type { EventPublisher } from './eventPublisher';
import type { FaultPlan } from './faultPlan';
import type { IdGenerator } from './ids';
import type { ModelContext } from './modelContext';
import type { ArmRequest, ArmResponse, ModelSettings } from './modelSupport';
import { Operations } from './operations';
import type { ReplicationSnapshot } from './replication';
import { replicationAt } from './replication';
import { ResourceTables } from './resourceTables';
import { deleteRestorePoint, getRestorePoint, putRestorePoint } from './restorePointHandlers';
import type { StateChanges } from './stateJournal';
import type { OperationRecord, RestorePointRecord, SimulatorState } from './stateStore';
import type { CopyView } from './types';
import { getVm, putVm } from './vmHandlers';

export type { ArmRequest, ArmResponse, ModelSettings } from './modelSupport';

/**
 * The Compute resource provider's behaviour: resources, long-running operations and the cross-region copy
 * rules. Everything time-dependent is derived from the clock at the moment it is observed. The handlers
 * live in one module per resource; this is the surface the router and the simulator call.
 */
export class ComputeModel {
  private readonly context: ModelContext;
  private readonly operations: Operations;
  private readonly resources: ResourceTables;

  constructor(
    readonly state: SimulatorState,
    private readonly settings: ModelSettings,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly events: EventPublisher,
    faults: FaultPlan,
    changes: StateChanges,
  ) {
    this.resources = new ResourceTables(state, changes);
    this.operations = new Operations(state.operations, settings, clock, ids, changes, (operation) =>
      this.operationEnded(operation),
    );
    this.context = {
      resources: this.resources,
      operations: this.operations,
      settings,
      clock,
      ids,
      faults,
      changes,
    };
  }

  close(): void {
    this.operations.close();
  }

  /** Ends every operation whose time has come: deletes take effect and finished writes are announced. */
  sweep(): void {
    this.operations.sweep();
  }

  private operationEnded(operation: OperationRecord): void {
    if (operation.kind === 'delete') {
      if (operation.resource === 'restorePoint') {
        this.resources.deleteRestorePoint(operation.resourceId);
      } else {
        this.resources.deleteCollection(operation.resourceId);
      }
    }
    if (operation.kind === 'create' && !operation.announced) {
      operation.announced = true;
      if (this.resources.restorePoint(operation.resourceId)) {
        this.events.announce({
          resourceId: operation.resourceId,
          correlationId: operation.correlationId,
          time: operation.completesAt,
        });
      }
    }
  }

  getOperation(subscriptionId: string, operationId: string, monitor: boolean): ArmResponse {
    return this.operations.status(subscriptionId, operationId, monitor, (operation) => {
      const rp = this.resources.restorePoint(operation.resourceId);
      return operation.kind === 'create' && rp ? renderRestorePoint(rp, this.clock.now()) : undefined;
    });
  }

  putVm(id: string, request: ArmRequest): ArmResponse {
    return putVm(this.context, id, request);
  }

  getVm(id: string): ArmResponse {
    return getVm(this.context, id);
  }

  putCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return putCollection(this.context, id, request);
  }

  patchCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return patchCollection(this.context, id, request);
  }

  getCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return getCollection(this.context, id, request);
  }

  listCollections(
    subscriptionId: string,
    resourceGroup: string | undefined,
    request: ArmRequest,
  ): ArmResponse {
    this.sweep();
    return listCollections(this.context, subscriptionId, resourceGroup, request);
  }

  deleteCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return deleteCollection(this.context, id, request);
  }

  getRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return getRestorePoint(this.context, collectionId, id, request);
  }

  deleteRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return deleteRestorePoint(this.context, collectionId, id, request);
  }

  putRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    return putRestorePoint(this.context, collectionId, id, request);
  }

  replicationOf(rp: RestorePointRecord): ReplicationSnapshot {
    return replicationAt(rp, this.clock.now(), this.settings);
  }

  copyEndsAt(id: string): number | undefined {
    const rp = this.resources.restorePoint(id);
    if (!rp?.copy) {
      return undefined;
    }
    // Just before the time limit, every refresh that can show the copy ending has happened; a copy that
    // has not ended by then (a stall) is only terminated by the limit, which is no completion.
    return replicationAt(rp, rp.createdAt + this.settings.copyTimeLimitMs - 1, this.settings).endedAt;
  }

  copyView(id: string): CopyView | undefined {
    this.sweep();
    const rp = this.resources.restorePoint(id);
    if (!rp?.copy) {
      return undefined;
    }
    const replication = this.replicationOf(rp);
    return {
      id: rp.id,
      sourceRestorePointId: rp.copy.sourceRestorePointId,
      provisioningState: provisioningStateOf(rp, this.clock.now()),
      state: rp.deleteOperationId ? 'deleting' : replication.state,
      disks: replication.disks,
    };
  }
}
