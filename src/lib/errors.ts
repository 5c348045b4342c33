import type { Message } from './i18n.ts';

/** Messages by field of a form; `_form` is the form as a whole. */
export type FormErrors = Record<string, Message>;

type PageStatus = 401 | 403 | 404 | 409 | 413 | 415 | 429;

/**
 * The one way a request is refused, raised where the reason arises (a schema, a service, a
 * route). A refusal of a form's input (400) carries its messages by field, and the page shows
 * them beside the fields; any other refusal is an error page with its status. The refusal
 * decides which, not the handler that catches it; the error handler renders what no handler
 * caught.
 */
export class Refusal extends Error {
  readonly status: 400 | PageStatus;
  readonly errors: FormErrors;

  private constructor(status: 400 | PageStatus, errors: FormErrors) {
    super(`refused (${status})`);
    this.status = status;
    this.errors = errors;
  }

  /** Input that cannot be taken: the messages go beside their fields (`_form`: above the form). */
  static form(errors: FormErrors): Refusal {
    return new Refusal(400, errors);
  }

  /** The object is not there, or not the caller's to see: both look the same. */
  static notFound(reason: Message = 'error.notFound'): Refusal {
    return new Refusal(404, { _form: reason });
  }

  /** A well-formed request that the object's state does not allow now. */
  static conflict(reason: Message): Refusal {
    return new Refusal(409, { _form: reason });
  }

  static page(status: PageStatus, reason: Message): Refusal {
    return new Refusal(status, { _form: reason });
  }

  get isForm(): boolean {
    return this.status === 400;
  }

  /** The message of an error page: the whole form's, else the first field's. */
  get reason(): Message {
    return this.errors._form ?? Object.values(this.errors)[0] ?? 'error.notFound';
  }
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; errors: FormErrors };

/**
 * Runs a service call for a form: a form refusal comes back as errors for the page to show
 * beside its fields; any other refusal (or failure) goes on to the error handler.
 */
export async function attempt<T>(work: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof Refusal && error.isForm) return { ok: false, errors: error.errors };
    throw error;
  }
}
