package dev.brook.broker.cluster;

import java.util.Properties;
import java.util.TreeMap;

/**
 * Properties in the {@code .properties} text format, as {@link Properties#load(java.io.Reader)}
 * reads them back, keys sorted, without the date line {@link Properties#store} adds. That date is
 * why this exists: formatting it looks up time-zone names through the JDK's locale service
 * providers, which search every jar on the class path (~20 ms of a first start, which writes two
 * such files).
 */
final class PropertiesText {
  private PropertiesText() {}

  static String format(String comment, Properties p) {
    StringBuilder out = new StringBuilder();
    out.append('#').append(comment.replace("\n", " ").replace("\r", " ")).append('\n');
    TreeMap<String, String> sorted = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> sorted.put(k, p.getProperty(k)));
    sorted.forEach((k, v) -> {
      escape(out, k, true);
      out.append('=');
      escape(out, v, false);
      out.append('\n');
    });
    return out.toString();
  }

  /** Properties' escapes: every space in a key and a value's leading one, separators, comment marks, controls. */
  private static void escape(StringBuilder out, String s, boolean key) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case ' ' -> out.append(key || i == 0 ? "\\ " : " ");
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\f' -> out.append("\\f");
        case '=', ':', '#', '!' -> out.append('\\').append(c);
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
  }
}
