// Strict loader of the scheduler's YAML config (shape of the Kubernetes endpoint picker's
// EndpointPickerConfig): `plugins` (type, name, parameters), then `schedulingProfiles` referring to them
// by name with weights. Fails fast; every message names the plugin or profile and the field.
import { parseDocument } from 'yaml';
import { SchedulingConfigError } from '../errors.js';
import {
  PluginKind,
  StateKey,
  type AnyPlugin,
  type Filter,
  type Picker,
  type ProfileHandler,
  type RoutedPrefixNeeds,
  type SchedulingProfile,
  type WeightedScorer,
} from '../framework.js';
import { PrefixSource } from '../types.js';
import type { CompiledSchedulerConfig } from '../pipeline.js';
import { PD_PROFILE_HANDLER_TYPE, pdProfileHandlerFactory } from '../plugins/profile-handlers/pd-profile-handler.js';
import { PluginParams } from './params.js';
import { builtinPluginRegistry, type PluginRegistry } from './registry.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function onlyFields(where: string, obj: Obj, allowed: readonly string[]): void {
  for (const k of Object.keys(obj))
    if (!allowed.includes(k)) throw new SchedulingConfigError(`${where}: unknown field "${k}" (allowed: ${allowed.join(', ')})`);
}

/** Parses and compiles a YAML config. */
export function loadSchedulerConfig(yamlText: string, registry: PluginRegistry = builtinPluginRegistry()): CompiledSchedulerConfig {
  const doc = parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new SchedulingConfigError(`scheduler config is not valid YAML: ${doc.errors[0]!.message}`);
  return compileSchedulerConfig(doc.toJS(), registry);
}

/** Compiles an already-parsed config object. */
export function compileSchedulerConfig(raw: unknown, registry: PluginRegistry = builtinPluginRegistry()): CompiledSchedulerConfig {
  if (!isObj(raw)) throw new SchedulingConfigError(`scheduler config must be a mapping, got ${show(raw)}`);
  onlyFields('scheduler config', raw, ['apiVersion', 'kind', 'plugins', 'schedulingProfiles']);
  const plugins = buildPlugins(raw['plugins'], registry);
  const handlers = [...plugins.values()].filter((p): p is ProfileHandler => p.kind === PluginKind.ProfileHandler);
  if (handlers.length > 1)
    throw new SchedulingConfigError(`scheduler config: at most one profile handler, got ${handlers.map((h) => `"${h.name}"`).join(', ')}`);
  const profileHandler =
    handlers[0] ??
    (pdProfileHandlerFactory.create(PD_PROFILE_HANDLER_TYPE, new PluginParams(PD_PROFILE_HANDLER_TYPE, {})) as ProfileHandler);
  const profiles = buildProfiles(raw['schedulingProfiles'], plugins);
  const decodeName = 'decodeProfile' in profileHandler ? String(profileHandler.decodeProfile) : 'decode';
  if (!profiles.has(decodeName))
    throw new SchedulingConfigError(
      `plugin "${profileHandler.name}": parameter "decodeProfile" names profile "${decodeName}", which is not defined`,
    );
  // The default handler is part of the config too: its state counts.
  return { profiles, profileHandler, ...stateNeeds([...plugins.values(), ...(handlers[0] === undefined ? [profileHandler] : [])]) };
}

/** What the config's plugins need kept, gathered; two plugins asking for different routing memories is an error. */
function stateNeeds(plugins: readonly AnyPlugin[]): Omit<CompiledSchedulerConfig, 'profiles' | 'profileHandler'> {
  let routed: { readonly by: string; readonly needs: RoutedPrefixNeeds } | undefined;
  let speculativeTtlMs: number | undefined;
  let precise: { readonly by: string; readonly tokens: number } | undefined;
  let host: { readonly by: string; readonly weight: number } | undefined;
  const consumes = new Set<StateKey>();
  for (const p of plugins) {
    for (const key of p.consumes) consumes.add(key);
    if (p.routedPrefixes !== undefined) {
      if (routed !== undefined && JSON.stringify(routed.needs) !== JSON.stringify(p.routedPrefixes))
        throw new SchedulingConfigError(
          `plugin "${p.name}": its routing memory (${JSON.stringify(p.routedPrefixes)}) differs from plugin "${routed.by}"'s (${JSON.stringify(routed.needs)}); one scheduler keeps one`,
        );
      routed = { by: p.name, needs: p.routedPrefixes };
    }
    if (p.speculativeTtlMs !== undefined && p.speculativeTtlMs > 0) speculativeTtlMs = Math.max(speculativeTtlMs ?? 0, p.speculativeTtlMs);
    if (p.preciseMatchTokens !== undefined) {
      if (precise !== undefined && precise.tokens !== p.preciseMatchTokens)
        throw new SchedulingConfigError(
          `plugin "${p.name}": precise matches in ${p.preciseMatchTokens}-token blocks differ from plugin "${precise.by}"'s ${precise.tokens}-token blocks; one scheduler counts in one`,
        );
      precise = { by: p.name, tokens: p.preciseMatchTokens };
    }
    if (p.hostCacheHitWeight !== undefined && p.hostCacheHitWeight > 0) {
      if (host !== undefined && host.weight !== p.hostCacheHitWeight)
        throw new SchedulingConfigError(
          `plugin "${p.name}": hostCacheHitWeight ${p.hostCacheHitWeight} differs from plugin "${host.by}"'s ${host.weight}; one scheduler values host-tier hits one way`,
        );
      host = { by: p.name, weight: p.hostCacheHitWeight };
    }
  }
  const reader = plugins.find((p) => p.consumes.includes(StateKey.RoutedPrefixes));
  if (reader !== undefined && routed === undefined)
    throw new SchedulingConfigError(
      `plugin "${reader.name}": reads the routing memory, but no plugin of the config says its block size and capacity`,
    );
  const readsPrefixIndex = consumes.has(StateKey.PrefixIndex);
  const prefixSource = readsPrefixIndex ? PrefixSource.Precise : routed !== undefined ? PrefixSource.Approximate : undefined;
  return {
    consumes,
    readsPrefixIndex,
    tracksActiveBlocks: consumes.has(StateKey.ActiveBlocks),
    ...(routed !== undefined ? { routedPrefixes: routed.needs } : {}),
    ...(speculativeTtlMs !== undefined ? { speculativeTtlMs } : {}),
    ...(precise !== undefined ? { preciseMatchTokens: precise.tokens } : {}),
    ...(host !== undefined ? { hostCacheHitWeight: host.weight } : {}),
    ...(prefixSource !== undefined ? { prefixSource } : {}),
  };
}

function buildPlugins(raw: unknown, registry: PluginRegistry): Map<string, AnyPlugin> {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new SchedulingConfigError(`scheduler config: "plugins" must be a non-empty list, got ${show(raw)}`);
  const plugins = new Map<string, AnyPlugin>();
  raw.forEach((entry: unknown, i) => {
    const where = `plugins[${i}]`;
    if (!isObj(entry)) throw new SchedulingConfigError(`${where}: must be a mapping with "type", got ${show(entry)}`);
    const type = entry['type'];
    const label = typeof entry['name'] === 'string' ? entry['name'] : typeof type === 'string' ? type : where;
    onlyFields(`plugin "${label}"`, entry, ['type', 'name', 'parameters']);
    if (typeof type !== 'string' || type === '')
      throw new SchedulingConfigError(`plugin "${label}": field "type" must be a non-empty string, got ${show(type)}`);
    const factory = registry.get(type);
    if (!factory)
      throw new SchedulingConfigError(
        `plugin "${label}": field "type" names unknown plugin type "${type}" (known: ${registry.types().join(', ')})`,
      );
    const name = entry['name'] ?? type;
    if (typeof name !== 'string' || name === '')
      throw new SchedulingConfigError(`plugin "${label}": field "name" must be a non-empty string, got ${show(name)}`);
    if (plugins.has(name))
      throw new SchedulingConfigError(`plugin "${name}": field "name" is used by another plugin; give each instance its own name`);
    plugins.set(name, factory.create(name, new PluginParams(name, entry['parameters'])));
  });
  return plugins;
}

function buildProfiles(raw: unknown, plugins: ReadonlyMap<string, AnyPlugin>): Map<string, SchedulingProfile> {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new SchedulingConfigError(`scheduler config: "schedulingProfiles" must be a non-empty list, got ${show(raw)}`);
  const profiles = new Map<string, SchedulingProfile>();
  raw.forEach((entry: unknown, i) => {
    if (!isObj(entry)) throw new SchedulingConfigError(`schedulingProfiles[${i}]: must be a mapping, got ${show(entry)}`);
    const name = entry['name'];
    if (typeof name !== 'string' || name === '')
      throw new SchedulingConfigError(`schedulingProfiles[${i}]: field "name" must be a non-empty string, got ${show(name)}`);
    const where = `profile "${name}"`;
    onlyFields(where, entry, ['name', 'plugins']);
    if (profiles.has(name)) throw new SchedulingConfigError(`${where}: defined twice`);
    const refs = entry['plugins'];
    if (!Array.isArray(refs) || refs.length === 0)
      throw new SchedulingConfigError(`${where}: field "plugins" must be a non-empty list, got ${show(refs)}`);
    const filters: Filter[] = [];
    const scorers: WeightedScorer[] = [];
    const pickers: Picker[] = [];
    const seen = new Set<string>();
    refs.forEach((ref: unknown, j) => {
      if (!isObj(ref)) throw new SchedulingConfigError(`${where}: plugins[${j}] must be a mapping with "pluginRef", got ${show(ref)}`);
      const pluginRef = ref['pluginRef'];
      const refWhere = `${where}, plugin "${typeof pluginRef === 'string' ? pluginRef : `#${j}`}"`;
      onlyFields(refWhere, ref, ['pluginRef', 'weight']);
      if (typeof pluginRef !== 'string')
        throw new SchedulingConfigError(`${refWhere}: field "pluginRef" must be a string, got ${show(pluginRef)}`);
      const plugin = plugins.get(pluginRef);
      if (!plugin)
        throw new SchedulingConfigError(`${refWhere}: field "pluginRef" names no plugin (defined: ${[...plugins.keys()].join(', ')})`);
      if (seen.has(pluginRef)) throw new SchedulingConfigError(`${refWhere}: referenced twice in the profile`);
      seen.add(pluginRef);
      const weight = ref['weight'];
      if (plugin.kind !== PluginKind.Scorer && weight !== undefined)
        throw new SchedulingConfigError(`${refWhere}: field "weight" applies to scorers only, and this is a ${plugin.kind}`);
      switch (plugin.kind) {
        case PluginKind.Filter:
          filters.push(plugin);
          break;
        case PluginKind.Scorer: {
          // As the endpoint picker: a scorer's weight is part of the profile, so it must be stated there.
          if (weight === undefined) throw new SchedulingConfigError(`${refWhere}: field "weight" is required for a scorer`);
          if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
            throw new SchedulingConfigError(`${refWhere}: field "weight" must be a number ≥ 0, got ${show(weight)}`);
          scorers.push({ scorer: plugin, weight });
          break;
        }
        case PluginKind.Picker:
          pickers.push(plugin);
          break;
        case PluginKind.ProfileHandler:
          throw new SchedulingConfigError(`${refWhere}: a profile handler cannot be part of a profile`);
      }
    });
    if (pickers.length !== 1)
      throw new SchedulingConfigError(
        `${where}: needs exactly one picker, got ${pickers.length}${pickers.length ? ` (${pickers.map((p) => p.name).join(', ')})` : ''}`,
      );
    profiles.set(name, { name, filters, scorers, picker: pickers[0]! });
  });
  return profiles;
}
