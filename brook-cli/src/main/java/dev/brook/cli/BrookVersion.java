package dev.brook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Brook's version, the commit it was built from and the build date, from {@code version.properties}
 * (filtered by Maven: the project version, {@code git rev-parse --short HEAD} and the build's
 * timestamp; "unknown" where the build had none, e.g. a source tree without git).
 */
public final class BrookVersion {
  private static final Properties BUILD = load();
  private static final String VERSION = value("version", BrookVersion.class.getPackage().getImplementationVersion());

  private BrookVersion() {}

  public static String get() {
    return VERSION;
  }

  /** The commit Brook was built from (abbreviated hash), or "unknown". */
  public static String commit() {
    return value("commit", null);
  }

  /** When Brook was built (UTC, ISO 8601), or "unknown". */
  public static String buildDate() {
    return value("build.date", null);
  }

  /** The line {@code brook --version} prints. */
  public static String line() {
    return "Brook " + get() + " (commit " + commit() + ", built " + buildDate() + ")";
  }

  private static String value(String key, String fallback) {
    String v = BUILD.getProperty(key);
    if (v != null && !v.isBlank() && !v.startsWith("$")) return v.strip();
    return fallback != null ? fallback : "unknown";
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BrookVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // no build information: every value reads "unknown" (the version falls back to the manifest)
    }
    return p;
  }

  /** For {@code brook --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {line()};
    }
  }
}
