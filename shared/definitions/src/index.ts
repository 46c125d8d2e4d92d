export {
  AgentDefinition,
  AgentInputs,
  AgentTool,
  agentInputSchema,
  checkAgent,
} from "./agent.ts";
export { type AnalyzeOptions, analyzePipeline, type PipelineGraph, parseReference, type Reference } from "./analyze.ts";
export { CodeDefinition } from "./code.ts";
export { type Expansion, type ExpansionOptions, expansionLimits, measurePipeline, type PipelineLookup } from "./expansion.ts";
export { inputLimits, inputsJsonSchema, validateInputs } from "./inputs.ts";
export { own, reservedObjectNames } from "./names.ts";
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
export {
  checkTemplate,
  parseTemplate,
  type RenderBudget,
  renderBudget,
  renderLimits,
  renderTemplate,
  renderValue,
  scanTemplate,
  type TemplateNode,
  type TemplateScan,
  templateStrings,
} from "./template.ts";
