// The api document's layout in etcd, shared by every speaker of a fleet. The document (opaque
// JSON: `{format, routes}` today, flows later) is gzipped and cut into immutable blob shards under
// a fresh generation; one compare-and-swap transaction then points `head` at that generation.
// A reader reads `head`, then that generation's blobs, and checks the digest: it sees the old or
// the new document, never a mix. No request carries more than one shard, so the layout works under
// etcd's default 1.5 MiB request limit whatever the document's size.
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Etcd3 } from 'etcd3';
import { ReconcilerError } from '../errors.js';

/** Largest blob value (etcd's default request limit is 1.5 MiB; values stay well under it). */
export const SHARD_BYTES = 1024 * 1024;
/** Generations older than this, other than head's, are garbage (a writer died mid-PUT). */
const ORPHAN_AGE_MS = 10 * 60_000;

export interface ApiHead {
  readonly format: 1;
  readonly generation: string;
  readonly shards: number;
  /** sha256 (hex) of the gzipped document: checked by every reader. */
  readonly sha256: string;
  readonly bytes: number;
  readonly updatedAt: number;
  /** The speaker whose HTTP API stored it (for `fleet status` and logs). */
  readonly by: string;
  /**
   * The fleet-wide guard held this revision: no speaker applies it until `guard/confirm` names
   * it (absent: apply).
   */
  readonly hold?: FleetHold;
}

/** Why a revision is held on every speaker (the fleet guard's verdict when it was stored). */
export interface FleetHold {
  readonly reason: string;
  readonly withdrawCount: number;
  readonly announcedCount: number;
  readonly speakers: number;
}

export interface StoredDocument {
  /** etcd mod_revision of `head`: the api source's revision (0: never written). */
  readonly revision: number;
  /** The document, parsed JSON; null when never written; undefined: unchanged (read(known)). */
  readonly document: unknown;
  readonly head: ApiHead | null;
}

export interface WriteOptions {
  /** Compare-and-swap: store only if head's revision is still this (0: head must not exist). */
  readonly expectRevision?: number;
  /** Store the revision held by the fleet guard. */
  readonly hold?: FleetHold;
  readonly by: string;
  readonly now: number;
}

export class EtcdDocumentStore {
  readonly headKey: string;
  private readonly blobPrefix: string;

  constructor(
    private readonly client: Etcd3,
    prefix: string,
  ) {
    const base = `${prefix.replace(/\/+$/, '')}/desired/api`;
    this.headKey = `${base}/head`;
    this.blobPrefix = `${base}/blobs/`;
  }

  private blobKey(generation: string, i: number): string {
    return `${this.blobPrefix}${generation}/${i.toString().padStart(6, '0')}`;
  }

  /**
   * The document as of one head revision; retried when a writer collected its blobs meanwhile.
   * `known`: when head is still at that revision only head is read (`document` undefined): the
   * periodic read of a speaker then costs one small get, not the whole document.
   */
  async read(known?: number): Promise<StoredDocument> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.client.get(this.headKey).exec();
      const kv = res.kvs[0];
      if (kv === undefined) return { revision: 0, document: null, head: null };
      const revision = Number(kv.mod_revision);
      const head = parseHead(kv.value.toString('utf8'));
      if (revision === known) return { revision, document: undefined, head };
      // One shard per request: a range of several would pass gRPC's 4 MiB message limit.
      const parts = await Promise.all(
        Array.from({ length: head.shards }, (_, i) =>
          this.client.get(this.blobKey(head.generation, i)).buffer(),
        ),
      );
      const present = parts.filter((p): p is Buffer => p !== null);
      const gz = Buffer.concat(present);
      if (present.length === head.shards && sha256(gz) === head.sha256) {
        return { revision, document: decodeDocument(gunzipSync(gz)), head };
      }
      if (attempt >= 3)
        throw new ReconcilerError(
          'E_STORE',
          `etcd api document at revision ${revision} is incomplete (${present.length}/${head.shards} shards)`,
        );
    }
  }

  /**
   * Store `document` as the new head. Resolves with the new revision; throws E_PRECONDITION_FAILED
   * (nothing changed) when `expectRevision` no longer holds.
   */
  async write(document: unknown, options: WriteOptions): Promise<number> {
    const gz = gzipSync(Buffer.from(JSON.stringify(document), 'utf8'));
    const generation = `${options.now.toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
    const keys: string[] = [];
    for (let i = 0, off = 0; off < gz.length || i === 0; i++, off += SHARD_BYTES) {
      const key = this.blobKey(generation, i);
      await this.client.put(key).value(gz.subarray(off, off + SHARD_BYTES));
      keys.push(key);
    }
    const head: ApiHead = {
      format: 1,
      generation,
      shards: keys.length,
      sha256: sha256(gz),
      bytes: gz.length,
      updatedAt: options.now,
      by: options.by,
      ...(options.hold === undefined ? {} : { hold: options.hold }),
    };
    const previous = await this.client.get(this.headKey).string();
    // Every blob must still exist when head flips (a collector may not have taken them).
    const [first, ...rest] = keys;
    let txn =
      options.expectRevision === undefined
        ? this.client.if(first as string, 'Version', '>', 0)
        : this.client
            .if(this.headKey, 'Mod', '==', options.expectRevision)
            .and(first as string, 'Version', '>', 0);
    for (const key of rest) txn = txn.and(key, 'Version', '>', 0);
    const res = await txn.then(this.client.put(this.headKey).value(JSON.stringify(head))).commit();
    if (!res.succeeded) {
      await this.client.delete().prefix(`${this.blobPrefix}${generation}/`);
      throw new ReconcilerError(
        'E_PRECONDITION_FAILED',
        `the api source in etcd moved past revision ${options.expectRevision ?? '?'}`,
      );
    }
    await this.collect(previous, generation, options.now);
    return Number(res.header.revision);
  }

  /** Delete the previous head's blobs and orphans older than ORPHAN_AGE_MS. */
  private async collect(previous: string | null, keep: string, now: number): Promise<void> {
    const old = previous === null ? undefined : safeHead(previous)?.generation;
    const keys = await this.client.getAll().prefix(this.blobPrefix).keys();
    const generations = new Set(keys.map((k) => k.slice(this.blobPrefix.length).split('/')[0]));
    for (const g of generations) {
      if (g === undefined || g === keep) continue;
      const born = Number(g.split('-')[0]);
      if (g === old || now - born > ORPHAN_AGE_MS)
        await this.client.delete().prefix(`${this.blobPrefix}${g}/`);
    }
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function safeHead(text: string): ApiHead | undefined {
  try {
    return parseHead(text);
  } catch {
    return undefined;
  }
}

function parseHead(text: string): ApiHead {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ReconcilerError('E_STORE', 'etcd api head is not JSON', { cause: err });
  }
  const h = v as Partial<ApiHead> | null;
  if (
    h === null ||
    typeof h !== 'object' ||
    h.format !== 1 ||
    typeof h.generation !== 'string' ||
    !/^[0-9]+-[0-9a-f]+$/.test(h.generation) ||
    typeof h.shards !== 'number' ||
    typeof h.sha256 !== 'string'
  ) {
    throw new ReconcilerError('E_STORE', 'etcd api head has an unknown shape');
  }
  const hold = h.hold as Partial<FleetHold> | undefined;
  if (hold !== undefined && (hold === null || typeof hold !== 'object'))
    throw new ReconcilerError('E_STORE', 'etcd api head has an unknown shape (hold)');
  return h as ApiHead;
}

/** The hold of a head text, if any (for readers that only show it). */
export function holdOfHead(text: string): FleetHold | undefined {
  return safeHead(text)?.hold;
}

function decodeDocument(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch (err) {
    throw new ReconcilerError('E_STORE', 'etcd api document is not JSON', { cause: err });
  }
}
