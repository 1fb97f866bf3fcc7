/**
 * lp-agent-rx for Angular: `provideLpAgent`, pipelines registered like ngrx effects, and the
 * agent's streams made zone- and signal-friendly. The core never imports Angular; only this entry
 * point does.
 *
 * @example
 * import { provideLpAgent, withPipelines, injectLpAgent } from 'lp-agent-rx/angular';
 * bootstrapApplication(App, { providers: [provideLpAgent(config, withPipelines(acceptRings))] });
 */
export { LP_AGENT, LP_AGENT_CONFIG } from './tokens.js';
export { provideLpAgent, withPipelines, type LpAgentFeature } from './provideLpAgent.js';
export { provideLpPipelines, type LpPipeline, type LpPipelineClass, type LpPipelineFn } from './pipelines.js';
export { injectLpAgent, type LpAgentStreams } from './injectLpAgent.js';
export { enterZone } from './enterZone.js';
