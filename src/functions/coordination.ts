import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';

import type { LineChange, LineMember, LineState } from '../domain/coordination';
import { CAPACITY_ENTITY, PAIR_ENTITY, operateCapacity, operatePair } from '../domain/coordination';

type Operate<M extends LineMember> = (
  state: LineState<M> | undefined,
  operation: string | undefined,
  input: unknown,
) => LineChange<LineState<M>, unknown>;

/**
 * Runs one operation of a line entity. A refused operation is logged and rethrown (the caller gets the error,
 * the state stays); an emptied line is deleted, so that the thousands of pairs that ever copied keep no state.
 */
function lineEntity<M extends LineMember>(operate: Operate<M>) {
  return (context: EntityContext<LineState<M>>): void => {
    const { df: entity } = context;
    let change: LineChange<LineState<M>, unknown>;
    try {
      change = operate(entity.getState(), entity.operationName, entity.getInput());
    } catch (error) {
      context.warn(`${entity.entityName} ${entity.entityKey}: ${(error as Error).message}`);
      throw error;
    }
    // `return` marks the entity as existing, so it goes first and an emptied line can still be deleted.
    entity.return(change.reply);
    if (change.state.holders.length === 0 && change.state.waiting.length === 0) {
      entity.destructOnExit();
    } else {
      entity.setState(change.state);
    }
  };
}

df.app.entity(PAIR_ENTITY, lineEntity(operatePair));
df.app.entity(CAPACITY_ENTITY, lineEntity(operateCapacity));
