/**
 * XML bodies written by the SDK's own `XmlShapeSerializer` from the operation's output schema: element names,
 * `xmlName`, `xmlFlattened`, list member names (`<member>`, `<DBInstance>`, S3's `<Bucket>`) and timestamp formats
 * are the ones the SDK's deserializer expects, because they come from the same schema.
 */
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import type { NormalizedSchema } from '@smithy/core/schema';
import { escapeXml } from '../xml';
import { forWire } from './schema';

/** Date-time timestamps unless a member's trait says otherwise, as in awsQuery and restXml. */
const DATE_TIME = 5;

/** The structure as `<Name xmlns=…>…</Name>` (Name from its xmlName trait or the shape's name). */
export function structureXml(ns: NormalizedSchema, value: unknown, xmlNamespace?: string): string {
  const serializer = new XmlShapeSerializer({
    timestampFormat: { useTrait: true, default: DATE_TIME },
    httpBindings: true,
    xmlNamespace: xmlNamespace ?? '',
    serviceNamespace: '',
  });
  serializer.write(ns, forWire(ns, value) ?? {});
  return String(serializer.flush());
}

/** What is inside the root element of `xml`: `<A x="1"><B/></A>` → `<B/>`. */
export function innerXml(xml: string): string {
  const open = /^<([^\s/>]+)[^>]*?(\/?)>/.exec(xml);
  if (!open || open[2] === '/') return '';
  return xml.slice(open[0].length, xml.length - `</${open[1]}>`.length);
}

export function element(name: string, text: string | undefined): string {
  return text === undefined ? '' : `<${name}>${escapeXml(text)}</${name}>`;
}
