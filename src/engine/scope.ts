/**
 * Which resources a rule looks at: its resource types, then the scope of the rule (a pack's scope is
 * copied onto its rules when they are created). Comma lists are kept as the API gives them.
 *
 * Regions: resources of the pseudo-region `global` (RAM, the account itself) are never filtered out
 * by a region scope, since they live in no region (inference; the real service treats RAM as global).
 */
import type { InventoryResource, Scope, TagPair } from '../store/index.js';

const commaList = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
export const GLOBAL_REGION = 'global';

const hasTag = (tags: Record<string, string>, key: string, value: string | undefined): boolean =>
  Object.hasOwn(tags, key) && (value === undefined || value === '' || tags[key] === value);
const anyPair = (tags: Record<string, string>, pairs: TagPair[]) => pairs.some((p) => hasTag(tags, p.tagKey, p.tagValue));

export function inScope(scope: Scope, r: InventoryResource): boolean {
  const regions = commaList(scope.regionIdsScope);
  if (regions.length > 0 && r.regionId !== GLOBAL_REGION && !regions.includes(r.regionId)) return false;
  const excludedRegions = commaList(scope.excludeRegionIdsScope);
  if (r.regionId !== GLOBAL_REGION && excludedRegions.includes(r.regionId)) return false;

  const groups = commaList(scope.resourceGroupIdsScope);
  if (groups.length > 0 && !groups.includes(r.resourceGroupId)) return false;
  if (commaList(scope.excludeResourceGroupIdsScope).includes(r.resourceGroupId) && r.resourceGroupId !== '') return false;

  const ids = commaList(scope.resourceIdsScope);
  if (ids.length > 0 && !ids.includes(r.resourceId)) return false;
  if (commaList(scope.excludeResourceIdsScope).includes(r.resourceId)) return false;

  if (scope.tagKeyScope && !hasTag(r.tags, scope.tagKeyScope, scope.tagValueScope)) return false;
  if (scope.excludeTagKeyScope && hasTag(r.tags, scope.excludeTagKeyScope, scope.excludeTagValueScope)) return false;
  if (scope.tagsScope && scope.tagsScope.length > 0 && !anyPair(r.tags, scope.tagsScope)) return false;
  if (scope.excludeTagsScope && scope.excludeTagsScope.length > 0 && anyPair(r.tags, scope.excludeTagsScope)) return false;
  return true;
}
