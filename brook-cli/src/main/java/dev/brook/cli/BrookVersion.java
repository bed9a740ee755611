package dev.brook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Brook's version, from {@code version.properties} (filtered by Maven from the project version). */
public final class BrookVersion {
  private static final String VERSION = load();

  private BrookVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BrookVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.startsWith("$")) return v;
      }
    } catch (IOException e) {
      // fall through to the manifest
    }
    String v = BrookVersion.class.getPackage().getImplementationVersion();
    return v != null ? v : "unknown";
  }

  /** For {@code brook --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Brook " + get()};
    }
  }
}
