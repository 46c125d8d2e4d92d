import { type ObjectStore, Objm, StorageType } from "@nats-io/obj";
import type { NatsConnection } from "./connect.ts";
import { nanos } from "./jetstream.ts";

export interface UploadStoreOptions {
  /** The bucket (a JetStream object store) for this deployment prefix. */
  bucket: string;
  /** Everything the bucket may hold at once; a put past it fails and the request is refused. */
  maxBytes: number;
  /** A backstop: an upload whose owner died before removing it is gone after this long. */
  ttlMs: number;
}

/** A reader's options: the bucket is the gateways' to make; a reader only opens it. */
export interface UploadReaderOptions {
  bucket: string;
}

/**
 * A run's binary uploads, held in a JetStream object store while the run lasts: the gateway
 * that parsed the form puts them and removes them when the run ends, however it ends; a
 * run's components get `{name, content_type, size, sha256, ref}` and read the bytes by `ref`,
 * bounded. The bucket is created on first use, on disk, with a TTL and a size limit.
 */
export interface UploadStore {
  put(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes of one upload, or undefined when it is gone (or larger than `maxBytes`). */
  read(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
  remove(name: string): Promise<void>;
  /** The uploads held now (for tests and operators). */
  names(): Promise<string[]>;
}

export function createUploadStore(nats: NatsConnection, options: UploadStoreOptions | UploadReaderOptions): UploadStore {
  let opened: Promise<ObjectStore> | undefined;
  const store = () => {
    const manager = new Objm(nats);
    opened ??= (
      "maxBytes" in options
        ? manager.create(options.bucket, {
            storage: StorageType.File,
            max_bytes: options.maxBytes,
            ttl: nanos(options.ttlMs),
            description: "Switchyard: the binary uploads of runs in progress",
          })
        : manager.open(options.bucket)
    ).catch((error: unknown) => {
      // The next use tries again (JetStream may have been briefly away).
      opened = undefined;
      throw error;
    });
    return opened;
  };
  return {
    async put(name, bytes) {
      await (await store()).putBlob({ name }, bytes);
    },
    async read(name, maxBytes) {
      const bucket = await store();
      const info = await bucket.info(name);
      if (!info || info.deleted || info.size > maxBytes) return undefined;
      return (await bucket.getBlob(name)) ?? undefined;
    },
    async remove(name) {
      await (await store()).delete(name);
    },
    async names() {
      return (await (await store()).list()).filter((info) => !info.deleted).map((info) => info.name);
    },
  };
}
