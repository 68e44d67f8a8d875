// Edits of the api source, shared by PUT /v1/desired and the classic POST /: one at a time under a
// mutex, so checking If-Match and replacing the source are atomic with respect to other edits.
import type { Result } from '../core/diagnostic.js';
import type { Route } from '../core/route.js';
import { isReconcilerError } from '../errors.js';
import type { ReconcilerHandle, PlanView } from '../runtime/handle.js';
import { computeEtag, matchesIfMatch } from './etag.js';
import { HttpError, rejectDocument } from './http-error.js';
import type { Mutex } from './mutex.js';

export interface ApiEdit {
  /** If-Match header value, when the client sent one. */
  readonly ifMatch?: string;
  /** Compute the plan without storing anything. */
  readonly dryRun: boolean;
  /** The new api source given the stored one; `undefined` when the edit changes nothing. */
  readonly next: (current: readonly Route[]) => readonly Route[] | undefined;
}

export interface ApiEditResult {
  readonly view: PlanView;
  /** The ETag of the api source after the edit (unchanged for a dry run). */
  readonly etag: string;
  /** False for a dry run and for an edit that changes nothing (the same routes again). */
  readonly stored: boolean;
}

/** Apply `edit` to the api source: 412 on a stale If-Match, 409/422 when the backend rejects it. */
export function editApiSource(
  backend: ReconcilerHandle,
  lock: Mutex,
  edit: ApiEdit,
): Promise<ApiEditResult> {
  return lock.run(async () => {
    const current = backend.getApiRoutes();
    // A shared store (etcd) has its own ETag, its revision; a local source derives it from content.
    const storeEtag = backend.getApiEtag?.();
    const etag = storeEtag ?? computeEtag(current);
    if (edit.ifMatch !== undefined && !matchesIfMatch(edit.ifMatch, etag)) {
      throw new HttpError(
        412,
        'E_PRECONDITION_FAILED',
        `if-match ${edit.ifMatch} does not match the api source ${etag}`,
        undefined,
        {
          etag,
        },
      );
    }
    const next = edit.next(current);
    // Hashing and merging 100k routes are separate stages: let /healthz answer in between.
    await turn();
    // The same routes again (a controller re-sending its state): nothing to store or re-plan.
    if (next === undefined || (storeEtag === undefined && computeEtag(next) === etag))
      return { view: backend.getPlan(), etag, stored: false };
    if (edit.dryRun) {
      const preview = backend.previewApiRoutes(next);
      if (!preview.ok) throw rejectDocument(preview.diagnostics);
      return { view: preview.value, etag, stored: false };
    }
    const replaced = await replaceInStore(backend, next, storeEtag);
    if (!replaced.ok) throw rejectDocument(replaced.diagnostics);
    return {
      view: replaced.value,
      etag: backend.getApiEtag?.() ?? computeEtag(next),
      stored: true,
    };
  });
}

/** One turn of the event loop (setImmediate) between stages of a large edit. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Replace the api source. In a shared store every edit is a compare-and-swap on the revision this
 * speaker read (the If-Match check above ran against it, and a classic edit was computed from it):
 * if another speaker stored a newer document meanwhile, the edit is refused with 412, never
 * applied on top of a state it did not see. Without If-Match that is rare (this speaker lags the
 * store by one watch event at most) and a retry succeeds.
 */
async function replaceInStore(
  backend: ReconcilerHandle,
  next: readonly Route[],
  storeEtag: string | undefined,
): Promise<Result<PlanView>> {
  try {
    return await backend.replaceApiRoutes(
      next,
      storeEtag === undefined ? {} : { expectEtag: storeEtag },
    );
  } catch (err) {
    if (!isReconcilerError(err)) throw err;
    if (err.code === 'E_PRECONDITION_FAILED')
      throw new HttpError(412, 'E_PRECONDITION_FAILED', err.message);
    if (err.code === 'E_STORE_UNAVAILABLE')
      throw new HttpError(503, 'E_STORE_UNAVAILABLE', err.message);
    throw err;
  }
}
