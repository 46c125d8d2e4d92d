// Original file: protos/registry.proto

import type { Definition as _switchyard_registry_v1_Definition, Definition__Output as _switchyard_registry_v1_Definition__Output } from '../../../switchyard/registry/v1/Definition.ts';

export interface ListDefinitionsResponse {
  'items'?: (_switchyard_registry_v1_Definition)[];
  'total'?: (number);
}

export interface ListDefinitionsResponse__Output {
  'items': (_switchyard_registry_v1_Definition__Output)[];
  'total': (number);
}
