package dev.brook.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses repeated {@code --flag key=value} options. */
final class KeyValues {
  private KeyValues() {}

  static Map<String, String> parse(String flag, List<String> pairs) {
    Map<String, String> out = new LinkedHashMap<>();
    if (pairs == null) return out;
    for (String p : pairs) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new UserError(flag + ": expected key=value, got '" + p + "'", Main.EXIT_USAGE);
      }
      out.put(p.substring(0, eq).trim(), p.substring(eq + 1));
    }
    return out;
  }
}
