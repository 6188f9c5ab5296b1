export { startScriptedProvider, type ScriptedProvider, type ScriptedProviderOptions } from './http/server.js';
export type { RecordedRequest, RequestOutcome } from './http/recorded-request.js';
export { loadScenario, parseScenario, parseScenarioText, ScenarioError } from './scenario/load.js';
export {
  API_NAMES,
  ScenarioSchema,
  type ApiName,
  type Match,
  type Outcome,
  type Pace,
  type Reply,
  type Scenario,
  type ScenarioInput,
  type ScriptedError,
  type StopReason,
  type Turn,
  type Usage,
} from './scenario/schema.js';
export { DEFAULT_PACE } from './scenario/resolve.js';
export { demoScenario, DEMO_MODEL } from './demo-scenario.js';
