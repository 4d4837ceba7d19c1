import { describe, it, expect } from '@jest/globals';
import { PartitionIndex } from '../../src/collect/partition-index';
import { IdTable } from '../../src/util/id-table';
import { contentHash } from '../../src/store/canonical';

describe('the id table a region is held in', () => {
  it('numbers ids in the order added and finds each again, across many growths', () => {
    const table = new IdTable();
    const ids = Array.from({ length: 50_000 }, (_, i) => `vol-${(i * 7919).toString(16).padStart(17, '0')}`);
    expect(ids.filter((id, i) => table.add(id) !== i)).toEqual([]);
    expect(table.size).toBe(ids.length);
    expect(ids.filter((id, i) => table.slotOf(id) !== i || table.idAt(i) !== id)).toEqual([]);
    expect(table.add(ids[123] as string)).toBe(123);
    expect(table.size).toBe(ids.length);
  });

  it('tells apart ids that differ only past ASCII, by length or by one byte', () => {
    const table = new IdTable();
    const ids = ['région-1', 'region-1', 'region-10', 'region-1\u{1F600}', '', 'i-0a', 'i-0b'];
    for (const id of ids) table.add(id);
    expect(ids.map((id) => table.slotOf(id))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ids.map((_, i) => table.idAt(i))).toEqual(ids);
    expect(table.has('région-2')).toBe(false);
    expect(table.slotOf('i-0c')).toBe(-1);
  });
});

describe('the partition index: what the store holds, against what the listing returns', () => {
  const a = contentHash({ a: 1 });
  const b = contentHash({ a: 2 });

  it('says what each listed record needs: created, updated, restored or nothing', () => {
    const index = new PartitionIndex();
    index.addStored('i-same', a, false);
    index.addStored('i-changed', a, false);
    index.addStored('i-deleted', a, true);
    expect(index.observe('i-same', a)).toBe('unchanged');
    expect(index.observe('i-changed', b)).toBe('changed');
    expect(index.observe('i-deleted', a)).toBe('restored');
    expect(index.observe('i-new', a)).toBe('new');
  });

  it('a record listed twice counts once, stored or new', () => {
    const index = new PartitionIndex();
    index.addStored('i-stored', a, false);
    expect(index.observe('i-stored', a)).toBe('unchanged');
    expect(index.observe('i-stored', b)).toBe('repeat');
    expect(index.observe('i-new', a)).toBe('new');
    expect(index.observe('i-new', a)).toBe('repeat');
  });

  it('only stored records the listing did not return, and not those already deleted, are gone', () => {
    const index = new PartitionIndex();
    index.addStored('i-listed', a, false);
    index.addStored('i-gone', a, false);
    index.addStored('i-deleted-before', a, true);
    index.observe('i-listed', a);
    index.observe('i-new', a);
    expect([...index.unlisted()]).toEqual(['i-gone']);
  });

  it('a stored hash of another format is a change, never equal', () => {
    const lower = 'abcdef0123456789abcdef0123456789';
    const index = new PartitionIndex();
    index.addStored('i-longer', `${lower}${lower}`, false);
    index.addStored('i-upper', lower.toUpperCase(), false);
    expect(index.observe('i-longer', lower)).toBe('changed');
    expect(index.observe('i-upper', lower)).toBe('changed');
  });

  it('keeps every hash of a large partition apart', () => {
    const index = new PartitionIndex();
    const n = 20_000;
    for (let i = 0; i < n; i++) index.addStored(`eni-${i}`, contentHash(i), i % 10 === 0);
    const seen = { unchanged: 0, changed: 0, restored: 0 };
    for (let i = 0; i < n; i++) {
      const observation = index.observe(`eni-${i}`, contentHash(i % 3 === 0 ? `changed ${i}` : i));
      if (observation === 'unchanged' || observation === 'changed' || observation === 'restored') seen[observation]++;
    }
    const restored = n / 10;
    const changed = Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 !== 0 && i % 3 === 0).length;
    expect(seen).toEqual({ restored, changed, unchanged: n - restored - changed });
  });
});
