import { describe, expect, it } from '@jest/globals';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { fromAttributeMap, toAttributeMap, type AttributeMap } from '../../src/store/attribute-values';

class Tagged {
  constructor(readonly key: string, readonly value: string) {}
}

// What the stores write: records, events and history entries, with the shapes EC2's and CloudTrail's data take.
const item = {
  pk: '111111111111#us-east-1#EC2.Instance', sk: 'i-0abc', count: 3, ratio: 0.25, negative: -7, big: 2 ** 40,
  name: null, enabled: true, disabled: false, empty: '', skipped: undefined,
  tags: { Name: 'web', 'aws:cloudformation:stack-name': 'app' },
  data: {
    blockDevices: [{ deviceName: '/dev/xvda', ebs: { volumeId: 'vol-1', deleteOnTermination: true } }, undefined, null],
    nested: { deeper: { list: [[1, 2], ['a'], []], map: {} } },
    tagged: new Tagged('k', 'v'),
  },
  dataGzip: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
  names: new Set(['a', 'b']), sizes: new Set([1, 2.5]),
  lookup: new Map([['x', 1]]),
};

describe('items on the wire', () => {
  it('marshals as the SDK\'s document client does (removeUndefinedValues, convertClassInstanceToMap)', () => {
    const sdk = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
    // Binary as the wire carries it: the SDK's serializer base64-encodes what its document client leaves as bytes.
    expect(toAttributeMap(item)).toEqual({ ...sdk, dataGzip: { B: item.dataGzip.toString('base64') } });
  });

  it('reads back what it wrote, as the SDK\'s document client reads it', () => {
    const wire = JSON.parse(JSON.stringify(toAttributeMap(item))) as AttributeMap;
    const read = fromAttributeMap(wire);
    // On the wire binary is base64; the SDK decodes it before its document client sees it.
    const { dataGzip: _binary, ...rest } = unmarshall(wire as never) as Record<string, unknown>;
    expect({ ...read, dataGzip: undefined }).toEqual({ ...rest, dataGzip: undefined });
    expect(Buffer.from(read.dataGzip as Uint8Array)).toEqual(item.dataGzip);
    expect(read.data).toEqual({ ...item.data, blockDevices: [item.data.blockDevices[0], null], tagged: { key: 'k', value: 'v' } });
  });

  it('names the attribute DynamoDB could not hold, and writes nothing', () => {
    expect(() => toAttributeMap({ data: { ports: [22, NaN] } })).toThrow('attribute data.ports[1]: NaN is not a number DynamoDB can store (numbers must be finite)');
    expect(() => toAttributeMap({ seen: new Date(0) })).toThrow('attribute seen: a Date cannot be stored as it is; store its ISO string (toISOString())');
    expect(() => toAttributeMap({ ids: new Set() })).toThrow('attribute ids: an empty set cannot be stored in DynamoDB; leave the attribute out');
    expect(() => toAttributeMap({ f: () => 1 })).toThrow('attribute f: a function cannot be stored in DynamoDB');
  });

  it('refuses a number a JavaScript number would round, rather than change it', () => {
    expect(() => fromAttributeMap({ id: { N: '12345678901234567890' } })).toThrow('DynamoDB returned the number 12345678901234567890, which a JavaScript number cannot hold exactly');
    expect(fromAttributeMap({ n: { N: '1.5e3' } })).toEqual({ n: 1500 });
  });
});
