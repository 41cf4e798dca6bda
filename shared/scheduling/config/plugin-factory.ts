import type { AnyPlugin, PluginKind } from '../framework.js';
import type { PluginParams } from './params.js';

/** How the config loader builds a plugin from its type name and parameters. */
export interface PluginFactory {
  readonly type: string;
  readonly kind: PluginKind;
  /** Reads (and validates) every parameter, calls params.done(), returns the plugin. */
  create(name: string, params: PluginParams): AnyPlugin;
}
