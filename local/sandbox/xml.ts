/**
 * Small XML writers for AWS's query protocols. A structure is written from a field table that
 * maps each SDK member name to its wire element name, so the mapping sits in one readable place.
 * A page of 1,000 instances is ~4 MB of XML in ~200,000 pieces: writers append to an XmlOut that
 * joins every few hundred pieces into one chunk, so the pieces die young instead of piling up
 * (and being promoted) until the page is done.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const NEEDS_ESCAPE = /[&<>"']/;

export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char) : text;
}

export class XmlOut {
  private pieces: string[] = [];
  private readonly chunks: string[] = [];

  push(piece: string): void {
    this.pieces.push(piece);
    if (this.pieces.length >= 512) this.flush();
  }

  private flush(): void {
    this.chunks.push(this.pieces.join(''));
    this.pieces = [];
  }

  text(): string {
    this.flush();
    return this.chunks.join('');
  }
}

/** Appends one member as `<name>…</name>` to `out`; nothing when the value is absent. */
export type Writer = (out: XmlOut, name: string, value: unknown) => void;

function text(value: unknown): string {
  switch (typeof value) {
    case 'string': return escapeXml(value);
    case 'number': case 'boolean': return String(value);
    default: return value instanceof Date ? value.toISOString() : escapeXml(String(value));
  }
}

export const scalar: Writer = (out, name, value) => {
  if (value === undefined || value === null) return;
  const content = text(value);
  out.push(content === '' ? `<${name}/>` : `<${name}>${content}</${name}>`);
};

/** One row of a field table: SDK member, wire element, and how to write it (a scalar by default). */
export type Field = readonly [member: string, element: string, write?: Writer];

/** A field with its tags made once, when the table is built. */
interface CompiledField {
  member: string;
  element: string;
  open: string;
  close: string;
  empty: string;
  write?: Writer;
}

export function structure(fields: readonly Field[]): Writer {
  const compiled: CompiledField[] = fields.map(([member, element, write]) => ({
    member, element, open: `<${element}>`, close: `</${element}>`, empty: `<${element}/>`, ...(write ? { write } : {}),
  }));
  return (out, name, value) => {
    if (value === undefined || value === null) return;
    const record = value as Record<string, unknown>;
    out.push(`<${name}>`);
    for (const field of compiled) {
      const member = record[field.member];
      if (member === undefined || member === null) continue;
      if (field.write) {
        field.write(out, field.element, member);
        continue;
      }
      const content = text(member);
      if (content === '') out.push(field.empty);
      else {
        out.push(field.open);
        out.push(content);
        out.push(field.close);
      }
    }
    out.push(`</${name}>`);
  };
}

/** A list as AWS's query protocols write it: each member in an `<item>` element. */
export function listOf(write: Writer, itemName = 'item'): Writer {
  return (out, name, value) => {
    if (value === undefined || value === null) return;
    const items = value as readonly unknown[];
    if (items.length === 0) {
      out.push(`<${name}/>`);
      return;
    }
    out.push(`<${name}>`);
    for (const item of items) write(out, itemName, item);
    out.push(`</${name}>`);
  };
}

/** Runs writers into one string. */
export function xml(write: (out: XmlOut) => void): string {
  const out = new XmlOut();
  write(out);
  return out.text();
}
