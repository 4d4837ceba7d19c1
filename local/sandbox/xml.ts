/**
 * Small XML writers for AWS's query protocols. A structure is written from a field table that
 * maps each SDK member name to its wire element name, so the mapping sits in one readable place
 * and the output is plain string concatenation.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char) : text;
}

/** Writes one member as `<name>…</name>`; nothing when the value is absent. */
export type Writer = (name: string, value: unknown) => string;

export const scalar: Writer = (name, value) => {
  if (value === undefined || value === null) return '';
  const text = value instanceof Date ? value.toISOString() : escapeXml(String(value));
  return text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`;
};

/** One row of a field table: SDK member, wire element, and how to write it (a scalar by default). */
export type Field = readonly [member: string, element: string, write?: Writer];

export function writeFields(fields: readonly Field[], value: Record<string, unknown>): string {
  let xml = '';
  for (const [member, element, write] of fields) xml += (write ?? scalar)(element, value[member]);
  return xml;
}

export function structure(fields: readonly Field[]): Writer {
  return (name, value) => (value === undefined || value === null ? '' : `<${name}>${writeFields(fields, value as Record<string, unknown>)}</${name}>`);
}

/** A list as AWS's query protocols write it: each member in an `<item>` (or `<member>`) element. */
export function listOf(write: Writer, itemName = 'item'): Writer {
  return (name, value) => {
    if (value === undefined || value === null) return '';
    const items = value as readonly unknown[];
    if (items.length === 0) return `<${name}/>`;
    let xml = `<${name}>`;
    for (const item of items) xml += write(itemName, item);
    return `${xml}</${name}>`;
  };
}
