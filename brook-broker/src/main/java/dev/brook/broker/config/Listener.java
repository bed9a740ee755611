package dev.brook.broker.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A listener {@code NAME://host:port}; port 0 asks for an ephemeral port. */
public record Listener(String name, String host, int port) {
  private static final Pattern FORM = Pattern.compile("([A-Za-z0-9_]+)://(\\[[^\\]]*\\]|[^:]*):(\\d+)");

  public static Listener parse(String key, String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(key, "expected NAME://host:port, got '" + text + "'");
    }
    int port = Integer.parseInt(m.group(3));
    if (port > 65535) {
      throw new ConfigException(key, "port out of range in '" + text + "'");
    }
    String host = m.group(2);
    if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
    return new Listener(m.group(1), host, port);
  }

  public Listener withPort(int p) {
    return new Listener(name, host, p);
  }

  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return name + "://" + h + ":" + port;
  }
}
