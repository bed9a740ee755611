package dev.brook.broker.http;

/** The one piece of JSON writing the HTTP side needs without a library: a quoted, escaped string. Stateless. */
final class Json {
  private Json() {}

  /** A value read by {@link JsonIn} (Map, List, String, Number, Boolean, null) written back as JSON. */
  static String write(Object v) {
    StringBuilder b = new StringBuilder();
    write(b, v);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v) {
    switch (v) {
      case null -> b.append("null");
      case String s -> b.append(quote(s));
      case Number n -> b.append(n);
      case Boolean x -> b.append(x);
      case java.util.Map<?, ?> m -> {
        b.append('{');
        boolean first = true;
        for (var e : m.entrySet()) {
          if (!first) b.append(',');
          first = false;
          b.append(quote(String.valueOf(e.getKey()))).append(':');
          write(b, e.getValue());
        }
        b.append('}');
      }
      case java.util.List<?> l -> {
        b.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) b.append(',');
          write(b, l.get(i));
        }
        b.append(']');
      }
      default -> b.append(quote(v.toString()));
    }
  }

  static String quote(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }
}
