import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Where a snapshot's files go: a directory locally, the stack's bucket in AWS. A file is either absent, its previous
 * version, or whole: never a partial one, whatever happens to the writer.
 */
export interface SnapshotSink {
  /** For the summary and messages: a directory, or `s3://bucket/`. */
  readonly location: string;
  /** Writes one file at `path` (a snapshotPaths key, `/`-separated) in one step as readers see it. */
  put(path: string, bytes: Uint8Array): Promise<void>;
}

/** Bytes written per write call, so that a large file is not one call (and a kill mid-file is a kill mid-write). */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

/** A writer's temporary file: hidden, not `*.parquet` (what readers glob), named for its process so a later writer can sweep it. */
const TEMP_PATTERN = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Files under a local directory: each written to a temporary file in its own directory, flushed to disk, then renamed
 * over the target (rename is atomic within a file system), so a reader sees the old file or the new one, never part of
 * one — even if the process is killed. A write that fails removes its temporary file; one a killed process left behind
 * is removed by the next write into the same directory.
 */
export class DirectorySink implements SnapshotSink {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  async put(path: string, bytes: Uint8Array): Promise<void> {
    const target = join(this.root, ...path.split('/'));
    const directory = dirname(target);
    await mkdir(directory, { recursive: true });
    await sweepAbandoned(directory);
    const temp = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const file = await open(temp, 'wx');
    try {
      try {
        for (let offset = 0; offset < bytes.byteLength; offset += WRITE_CHUNK_BYTES) {
          await file.write(bytes, offset, Math.min(WRITE_CHUNK_BYTES, bytes.byteLength - offset));
        }
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
}

/** Removes the temporary files of writers that are gone (a killed export); another live process's are left alone. */
async function sweepAbandoned(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    const pid = Number(TEMP_PATTERN.exec(name)?.[2]);
    if (pid && pid !== process.pid && !isAlive(pid)) await unlink(join(directory, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Objects in an S3 bucket, one PutObject each: S3 makes an object visible only once it is whole, and a PUT replaces
 * the previous version atomically. Encryption is the bucket's default (the stack sets it).
 */
export class S3Sink implements SnapshotSink {
  constructor(private readonly client: S3Client, readonly bucket: string) {}

  get location(): string {
    return `s3://${this.bucket}/`;
  }

  async put(path: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: path, Body: bytes, ContentType: 'application/vnd.apache.parquet' }));
  }
}

/** The S3 sink of a bucket, with the SDK's own configuration (credentials, `AWS_ENDPOINT_URL_S3`). */
export function s3Sink(bucket: string, region: string): S3Sink {
  return new S3Sink(new S3Client({ region, maxAttempts: 8, retryMode: 'standard' }), bucket);
}

/** Temporary files a directory holds (for tests and checks): what `DirectorySink` writes before it renames. */
export function isTemporaryFile(name: string): boolean {
  return TEMP_PATTERN.test(name);
}
