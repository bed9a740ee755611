package dev.brook.broker.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one JSON document into Maps, Lists, Strings, Doubles/Longs, Booleans and null, for the REST
 * v3 request bodies. Malformed input is a {@link BadRequest} naming the position; nesting is bounded
 * (64) so a hostile body cannot exhaust the stack. Not thread-safe: one per body.
 */
final class JsonIn {
  private static final int MAX_DEPTH = 64;
  private final String s;
  private int i;

  private JsonIn(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    JsonIn p = new JsonIn(text);
    p.ws();
    Object v = p.value(0);
    p.ws();
    if (p.i != text.length()) throw p.error("unexpected text after the JSON value");
    return v;
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) throw error("nested too deeply");
    if (i >= s.length()) throw error("unexpected end");
    char c = s.charAt(i);
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> out = new LinkedHashMap<>();
    i++;
    ws();
    if (peek() == '}') {
      i++;
      return out;
    }
    while (true) {
      ws();
      if (peek() != '"') throw error("expected a member name");
      String k = string();
      ws();
      expect(':');
      ws();
      out.put(k, value(depth + 1));
      ws();
      if (peek() == ',') {
        i++;
      } else {
        expect('}');
        return out;
      }
    }
  }

  private List<Object> array(int depth) {
    List<Object> out = new ArrayList<>();
    i++;
    ws();
    if (peek() == ']') {
      i++;
      return out;
    }
    while (true) {
      ws();
      out.add(value(depth + 1));
      ws();
      if (peek() == ',') {
        i++;
      } else {
        expect(']');
        return out;
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) throw error("unterminated string");
      char c = s.charAt(i++);
      if (c == '"') return b.toString();
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (i >= s.length()) throw error("unterminated escape");
      char e = s.charAt(i++);
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) throw error("short \\u escape");
          try {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException x) {
            throw error("bad \\u escape");
          }
          i += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Object number() {
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
    String n = s.substring(start, i);
    if (n.isEmpty()) throw error("unexpected character '" + s.charAt(start) + "'");
    try {
      if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) return Long.parseLong(n);
      return Double.parseDouble(n);
    } catch (NumberFormatException e) {
      throw error("bad number " + n);
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) throw error("unexpected token");
    i += word.length();
    return v;
  }

  private char peek() {
    if (i >= s.length()) throw error("unexpected end");
    return s.charAt(i);
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) throw error("expected '" + c + "'");
    i++;
  }

  private void ws() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
  }

  private BadRequest error(String what) {
    return new BadRequest("malformed JSON at character " + i + ": " + what);
  }
}
