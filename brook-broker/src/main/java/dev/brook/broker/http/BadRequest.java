package dev.brook.broker.http;

/** Input the HTTP side refuses: answered with {@link #status} and a JSON error, never a stack trace ({@link Denied}: a refused permission). */
class BadRequest extends RuntimeException {
  final int status;

  BadRequest(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  BadRequest(String message) {
    this(400, message);
  }
}
