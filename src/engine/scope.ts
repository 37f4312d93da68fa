/**
 * Which resources a rule looks at: its resource types, then the scope of the rule (a pack's scope is
 * copied onto its rules when they are created). Comma lists are kept as the API gives them.
 *
 * Regions: resources of the pseudo-region `global` (RAM, the account itself) are never filtered out
 * by a region scope, since they live in no region (inference; the real service treats RAM as global).
 */
import type { InventoryResource, RuleScope, TagPair } from '../store/index.js';

const commaList = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
/** A comma list as a set, or undefined when it names nothing (no condition). */
const commaSet = (v: string | undefined): Set<string> | undefined => {
  if (!v) return undefined;
  const list = commaList(v);
  return list.length > 0 ? new Set(list) : undefined;
};
export const GLOBAL_REGION = 'global';

const hasTag = (tags: Record<string, string>, key: string, value: string | undefined): boolean =>
  Object.hasOwn(tags, key) && (value === undefined || value === '' || tags[key] === value);
const anyPair = (tags: Record<string, string>, pairs: TagPair[]) => pairs.some((p) => hasTag(tags, p.tagKey, p.tagValue));
const everyPair = (tags: Record<string, string>, pairs: TagPair[]) => pairs.every((p) => hasTag(tags, p.tagKey, p.tagValue));

/**
 * Which member accounts a rule looks at (`AccountIdsScope` / `ExcludeAccountIdsScope`, comma lists),
 * or undefined when it names none (all of them).
 */
export function accountFilter(scope: RuleScope): ((accountId: number) => boolean) | undefined {
  const accounts = commaSet(scope.accountIdsScope);
  const excluded = commaSet(scope.excludeAccountIdsScope);
  if (accounts === undefined && excluded === undefined) return undefined;
  return (accountId) => (accounts === undefined || accounts.has(String(accountId))) && (excluded === undefined || !excluded.has(String(accountId)));
}

/**
 * Compiles a scope (a pack's, or a rule's with its name and tag-logic fields) into a test of a
 * resource, read once per run. Member accounts are accountFilter's.
 * - `ResourceNameScope`: resource names, exact, comma list (inference: "the names of the resource");
 * - `TagKeyLogicScope` AND: every `TagsScope` pair must match (default OR: any pair); the same for
 *   the keys of a comma-separated `TagKeyScope` (inference), each with `TagValueScope`;
 * - `FolderIdsScope` / `ExcludeFolderIdsScope` are kept but not applied: the emulator has no
 *   resource-directory folders (docs/fidelity.md).
 */
export function scopeFilter(scope: RuleScope): (r: InventoryResource) => boolean {
  const regions = commaSet(scope.regionIdsScope);
  const excludedRegions = commaSet(scope.excludeRegionIdsScope);
  const groups = commaSet(scope.resourceGroupIdsScope);
  const excludedGroups = commaSet(scope.excludeResourceGroupIdsScope);
  const ids = commaSet(scope.resourceIdsScope);
  const excludedIds = commaSet(scope.excludeResourceIdsScope);
  const names = commaSet(scope.resourceNameScope);
  const tagsScope = scope.tagsScope && scope.tagsScope.length > 0 ? scope.tagsScope : undefined;
  const tagsMatch = scope.tagKeyLogicScope?.toUpperCase() === 'AND' ? everyPair : anyPair;
  const tagKeys = commaList(scope.tagKeyScope).map((tagKey): TagPair => ({ tagKey, tagValue: scope.tagValueScope ?? '' }));
  const excludedTags = scope.excludeTagsScope && scope.excludeTagsScope.length > 0 ? scope.excludeTagsScope : undefined;
  return (r) => {
    if (r.regionId !== GLOBAL_REGION) {
      if (regions !== undefined && !regions.has(r.regionId)) return false;
      if (excludedRegions !== undefined && excludedRegions.has(r.regionId)) return false;
    }
    if (groups !== undefined && !groups.has(r.resourceGroupId)) return false;
    if (excludedGroups !== undefined && r.resourceGroupId !== '' && excludedGroups.has(r.resourceGroupId)) return false;
    if (ids !== undefined && !ids.has(r.resourceId)) return false;
    if (excludedIds !== undefined && excludedIds.has(r.resourceId)) return false;
    if (names !== undefined && !names.has(r.resourceName)) return false;
    if (tagKeys.length > 0 && !tagsMatch(r.tags, tagKeys)) return false;
    if (scope.excludeTagKeyScope && hasTag(r.tags, scope.excludeTagKeyScope, scope.excludeTagValueScope)) return false;
    if (tagsScope !== undefined && !tagsMatch(r.tags, tagsScope)) return false;
    if (excludedTags !== undefined && anyPair(r.tags, excludedTags)) return false;
    return true;
  };
}

/** One resource against a scope (tests; a run compiles the scope once with scopeFilter). */
export function inScope(scope: RuleScope, r: InventoryResource): boolean {
  const accounts = accountFilter(scope);
  return (accounts === undefined || accounts(r.accountId)) && scopeFilter(scope)(r);
}
