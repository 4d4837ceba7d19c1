/**
 * EC2 describe filters (`Filter.N.Name` / `Filter.N.Value.M`): each resource type declares which
 * filter names it knows and what values a resource has for them; values may use * and ?.
 */
import type { Tag } from '@aws-sdk/client-ec2';
import { SandboxApiError } from './api-errors';
import type { QueryFilter } from './query';

type FilterValue = string | number | boolean | undefined | null;

export interface FilterTable<T> {
  fields: Record<string, (item: T) => readonly FilterValue[]>;
  tags?: (item: T) => readonly Tag[] | undefined;
}

function globToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function valuesOf<T>(table: FilterTable<T>, name: string): ((item: T) => readonly FilterValue[]) | undefined {
  const field = table.fields[name];
  if (field) return field;
  const tags = table.tags;
  if (!tags) return undefined;
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (item) => (tags(item) ?? []).filter((tag) => tag.Key === key).map((tag) => tag.Value);
  }
  if (name === 'tag-key') return (item) => (tags(item) ?? []).map((tag) => tag.Key);
  if (name === 'tag-value') return (item) => (tags(item) ?? []).map((tag) => tag.Value);
  return undefined;
}

/** A predicate that holds when every filter has a value matching one of its patterns. */
export function compileFilters<T>(filters: readonly QueryFilter[], table: FilterTable<T>): (item: T) => boolean {
  const tests = filters.map((filter) => {
    const values = valuesOf(table, filter.name);
    if (!values) throw new SandboxApiError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    const patterns = filter.values.map(globToRegExp);
    return (item: T) => values(item).some((value) => value !== undefined && value !== null && patterns.some((pattern) => pattern.test(String(value))));
  });
  return (item) => tests.every((test) => test(item));
}

/** Values of an id filter that name exact ids (no wildcards): the resources can be looked up directly. */
export function exactValues(filters: readonly QueryFilter[], name: string): string[] | undefined {
  const filter = filters.find((candidate) => candidate.name === name);
  return filter && filter.values.every((value) => !/[*?]/.test(value)) ? filter.values : undefined;
}
