/**
 * The one error type the patch functions throw. `code` is the HTTP status the real apiserver
 * answers with; `toStatus()` builds the exact Status body it sends, which is not always the
 * friendliest: a failed JSON-patch op is reported as a bare 422 "the server rejected our request
 * due to an error in our request" (apiserver builds it with NewGenericServerResponse and drops
 * the cause). The underlying reason is kept in `detail` for logs.
 */
import type { Status } from '../../api/types.js';

export type PatchErrorCode = 400 | 415 | 422;

const REASONS: Record<PatchErrorCode, string> = {
  400: 'BadRequest',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
};

export class PatchError extends Error {
  override readonly name = 'PatchError';
  /** Status.reason for this failure, as kubectl prints it: "Error from server (BadRequest): …". */
  readonly reason: string;

  constructor(
    message: string,
    readonly code: PatchErrorCode,
    /** What actually went wrong when `message` is a generic one (422 from json patch). */
    readonly detail?: string,
  ) {
    super(message);
    this.reason = REASONS[code];
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.code === 422 ? { details: {} } : {}),
      code: this.code,
    };
  }
}

/** errors.NewGenericServerResponse(422, …) text; the server message is not passed on. */
export const GENERIC_422 = 'the server rejected our request due to an error in our request';

export function badRequest(message: string): PatchError {
  return new PatchError(message, 400);
}

export function unprocessable(detail: string): PatchError {
  return new PatchError(GENERIC_422, 422, detail);
}
