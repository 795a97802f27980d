import type { Scenario } from '../scenario';
import { devHostAppScenarios } from './devHostApps';
import { entityScenarios } from './entities';
import { rpcopyScenarios } from './rpcopy';

export const SCENARIOS: Scenario[] = [...devHostAppScenarios, ...rpcopyScenarios, ...entityScenarios];
