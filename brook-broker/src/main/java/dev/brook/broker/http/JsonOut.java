package dev.brook.broker.http;

/**
 * A small streaming JSON writer for the console's answers (objects, arrays, strings, numbers,
 * booleans); commas are placed for the caller. Not thread-safe: one per response.
 */
final class JsonOut {
  private final StringBuilder b = new StringBuilder(256);
  private boolean needComma;

  JsonOut obj() {
    sep();
    b.append('{');
    needComma = false;
    return this;
  }

  JsonOut end() {
    b.append('}');
    needComma = true;
    return this;
  }

  JsonOut arr() {
    sep();
    b.append('[');
    needComma = false;
    return this;
  }

  JsonOut endArr() {
    b.append(']');
    needComma = true;
    return this;
  }

  /** A member name inside an object; the value follows. */
  JsonOut key(String k) {
    sep();
    b.append(Json.quote(k)).append(':');
    needComma = false;
    return this;
  }

  JsonOut str(String v) {
    sep();
    b.append(Json.quote(v));
    needComma = true;
    return this;
  }

  JsonOut num(double v) {
    sep();
    if (Double.isNaN(v) || Double.isInfinite(v)) b.append("null");
    else if (v == Math.rint(v) && Math.abs(v) < 1e15) b.append((long) v);
    else b.append(v);
    needComma = true;
    return this;
  }

  JsonOut bool(boolean v) {
    sep();
    b.append(v);
    needComma = true;
    return this;
  }

  JsonOut field(String k, String v) {
    return key(k).str(v);
  }

  JsonOut field(String k, double v) {
    return key(k).num(v);
  }

  JsonOut field(String k, boolean v) {
    return key(k).bool(v);
  }

  private void sep() {
    if (needComma) b.append(',');
    needComma = false;
  }

  @Override
  public String toString() {
    return b.toString();
  }
}
