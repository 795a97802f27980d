import type { Scenario } from '../scenario';
import { devHostAppScenarios } from './devHostApps';

export const SCENARIOS: Scenario[] = [...devHostAppScenarios];
