/**
 * A process that exports one large file through the directory sink and is killed while it writes
 * (test/sql/export-sink.test.ts): `node --import tsx export-killed-writer.ts <root> <bytes>`.
 */
import { DirectorySink } from '../../src/sql/snapshot-sink';

const [root, size] = process.argv.slice(2);
const bytes = new Uint8Array(Number(size)).fill(0x50);
process.stdout.write('writing\n');
await new DirectorySink(root!).put('latest/resources/data.parquet', bytes);
process.stdout.write('written\n');
