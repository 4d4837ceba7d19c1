/**
 * What DynamoDB charges for, computed as its documentation defines it ("Item sizes and formats", "Read/write
 * capacity units"): an item's size is the UTF-8 bytes of its attribute names and values; a write costs one
 * write request unit per KB of the item (the larger of its old and new image), and each global index whose
 * entry the write changes costs as much again for that entry (the indexes project ALL attributes); a read costs
 * one read request unit per 4 KB read strongly consistently, half of it eventually consistently.
 */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A number's size: 1 byte per two significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(value: AttributeValue): number {
  const [type, inner] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S': return utf8(inner as string);
    case 'N': return numberSize(inner as string);
    case 'B': return Buffer.from(inner as string, 'base64').length;
    case 'BOOL':
    case 'NULL': return 1;
    case 'SS': return (inner as string[]).reduce((sum, s) => sum + utf8(s), 0);
    case 'NS': return (inner as string[]).reduce((sum, n) => sum + numberSize(n), 0);
    case 'BS': return (inner as string[]).reduce((sum, b) => sum + Buffer.from(b, 'base64').length, 0);
    // A list or map: 3 bytes, plus 1 byte per element, plus the elements (a map's with their names).
    case 'L': return 3 + (inner as AttributeValue[]).reduce((sum, element) => sum + 1 + valueSize(element), 0);
    case 'M': return 3 + Object.entries(inner as Item).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element), 0);
    default: throw new Error(`not a DynamoDB attribute value: ${JSON.stringify(value)}`);
  }
}

export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write request units of one item image: 1 per KB, rounded up, at least 1. */
export function writeUnits(item: Item | undefined): number {
  return Math.max(1, Math.ceil((item ? itemSize(item) : 0) / 1024));
}

/** Read request units for `bytes` read in one request (a GetItem's item, a Query's items together). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}
