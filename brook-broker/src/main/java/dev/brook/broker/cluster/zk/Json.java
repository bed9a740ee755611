package dev.brook.broker.cluster.zk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON subset the ZooKeeper znodes use (objects, arrays, strings, integers, booleans,
 * null). Objects read as insertion-ordered maps, numbers as {@link Long}. Stateless; any thread.
 * Malformed input raises {@link IllegalArgumentException}.
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> quote(sb, s);
      case Number n -> sb.append(n.longValue());
      case Boolean b -> sb.append(b);
      case Map<?, ?> m -> {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) sb.append(',');
          first = false;
          quote(sb, String.valueOf(e.getKey()));
          sb.append(':');
          write(sb, e.getValue());
        }
        sb.append('}');
      }
      case Iterable<?> it -> {
        sb.append('[');
        boolean first = true;
        for (Object o : it) {
          if (!first) sb.append(',');
          first = false;
          write(sb, o);
        }
        sb.append(']');
      }
      default -> throw new IllegalArgumentException("not JSON: " + v.getClass());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  static Object parse(String text) {
    Parser p = new Parser(text);
    Object v = p.value();
    p.skipWs();
    if (p.pos != text.length()) throw p.error("trailing characters");
    return v;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) throw new IllegalArgumentException("not a JSON object: " + text);
    return (Map<String, Object>) v;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at " + pos + " in " + s);
    }

    void skipWs() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    Object value() {
      skipWs();
      if (pos >= s.length()) throw error("unexpected end");
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) throw error("bad literal");
      pos += word.length();
      return v;
    }

    Long number() {
      int start = pos;
      if (pos < s.length() && s.charAt(pos) == '-') pos++;
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
      if (start == pos || (pos == start + 1 && s.charAt(start) == '-')) throw error("bad number");
      try {
        return Long.parseLong(s.substring(start, pos));
      } catch (NumberFormatException e) {
        throw error("bad number");
      }
    }

    String string() {
      pos++; // opening quote
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) throw error("unterminated string");
        char c = s.charAt(pos++);
        if (c == '"') return sb.toString();
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) throw error("bad escape");
        char e = s.charAt(pos++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) throw error("bad escape");
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> sb.append(e);
        }
      }
    }

    List<Object> array() {
      pos++;
      List<Object> list = new ArrayList<>();
      skipWs();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(value());
        skipWs();
        if (pos >= s.length()) throw error("unterminated array");
        char c = s.charAt(pos++);
        if (c == ']') return list;
        if (c != ',') throw error("expected , or ]");
      }
    }

    Map<String, Object> object() {
      pos++;
      Map<String, Object> map = new LinkedHashMap<>();
      skipWs();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipWs();
        if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a key");
        String key = string();
        skipWs();
        if (pos >= s.length() || s.charAt(pos++) != ':') throw error("expected :");
        map.put(key, value());
        skipWs();
        if (pos >= s.length()) throw error("unterminated object");
        char c = s.charAt(pos++);
        if (c == '}') return map;
        if (c != ',') throw error("expected , or }");
      }
    }
  }
}
