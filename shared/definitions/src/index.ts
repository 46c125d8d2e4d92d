export {
  AgentDefinition,
  AgentInputs,
  AgentTool,
  agentInputSchema,
  checkAgent,
} from "./agent.ts";
export { type AnalyzeOptions, analyzePipeline, type PipelineGraph, parseReference, type Reference } from "./analyze.ts";
export { inputLimits, inputsJsonSchema, validateInputs } from "./inputs.ts";
export { declaredName, type ParsedDefinition, parseDefinitionDocument, parseDefinitionSource, parsePipelineSource } from "./parse.ts";
export {
  Component,
  type ComponentType,
  componentOutputs,
  componentTypes,
  InputSpec,
  PipelineDefinition,
  reservedNames,
} from "./schema.ts";
export { renderTemplate, renderValue, scanTemplate, type TemplateScan, templateStrings } from "./template.ts";
