/**
 * A resource listing as the API pages it: positions 0..size-1, some of them empty at a given
 * epoch (a terminated instance, a deleted volume). Lazy listings compute the resource at a
 * position on demand, so a page of 1,000 costs 1,000 resources, not the whole region.
 */
export interface Collection<T> {
  size: number;
  at(position: number): T | undefined;
  /** The position of the resource with this id, or undefined when no resource could have it. */
  positionOf(id: string): number | undefined;
}

export function arrayCollection<T>(items: readonly T[], idOf: (item: T) => string | undefined): Collection<T> {
  const positions = new Map<string, number>();
  items.forEach((item, position) => {
    const id = idOf(item);
    if (id !== undefined) positions.set(id, position);
  });
  return { size: items.length, at: (position) => items[position], positionOf: (id) => positions.get(id) };
}

/** Every resource of a collection, in order. */
export function* allOf<T>(collection: Collection<T>): Generator<T> {
  for (let position = 0; position < collection.size; position++) {
    const item = collection.at(position);
    if (item !== undefined) yield item;
  }
}
