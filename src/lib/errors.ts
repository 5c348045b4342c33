/** An error whose status and message are meant for the person who made the request. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = 'page') => new HttpError(404, `We could not find that ${what}.`);
