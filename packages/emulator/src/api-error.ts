/** An error of the cognito-idp JSON API: `__type` (the exception name) and Cognito's message. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
