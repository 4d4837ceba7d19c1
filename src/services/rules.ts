import type { TapRule } from '../events/rule';
import { allServices } from './registry';

/** The Tap rules that evaluate a resource type. */
export function rulesFor(resourceType: string): TapRule[] {
  return allServices().flatMap((s) => s.rules).filter((r) => r.resourceType === resourceType);
}
