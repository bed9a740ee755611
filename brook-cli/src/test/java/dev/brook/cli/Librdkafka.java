package dev.brook.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which librdkafka kcat and confluent-kafka-python load for a SCRAM login. Before 2.6.1 librdkafka
 * repeats the client nonce in its final SCRAM message; Kafka 4.x compares that nonce exactly (RFC
 * 5802, CVE-2024-56128) and refuses the login as "invalid credentials", as Brook does. So a SCRAM
 * test runs them with the machine's librdkafka when it is 2.6.1 or later, else with the one {@code
 * bin/librdkafka} builds (built here when it is not yet: a missing library fails the test, it
 * never skips it), through {@code LD_LIBRARY_PATH}. Not thread-safe; tests call it from their own
 * thread.
 */
final class Librdkafka {
  private static final Pattern VERSION = Pattern.compile("librdkafka (\\d+)\\.(\\d+)\\.(\\d+)");
  private static Map<String, String> forScram;

  private Librdkafka() {}

  /** The librdkafka version kcat loads with {@code env} added to the environment (from {@code kcat -V}). */
  static String kcatVersion(Map<String, String> env) throws Exception {
    ExternalTool.Result r = ExternalTool.run(List.of(ExternalTool.kcat(), "-V"), env, null, 60);
    Matcher m = VERSION.matcher(r.stdout() + r.stderr());
    if (r.exitCode() != 0 || !m.find()) throw new AssertionError("kcat -V names no librdkafka version: " + r);
    return m.group(1) + "." + m.group(2) + "." + m.group(3);
  }

  /** Whether librdkafka {@code version} (x.y.z) sends the final SCRAM nonce as RFC 5802 says: 2.6.1 or later. */
  static boolean logsInWithScram(String version) {
    Matcher m = VERSION.matcher("librdkafka " + version);
    if (!m.matches()) throw new IllegalArgumentException(version);
    int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    int[] fixed = {2, 6, 1};
    for (int i = 0; i < 3; i++) if (v[i] != fixed[i]) return v[i] > fixed[i];
    return true;
  }

  /** The environment to add for kcat and python3 to load a librdkafka that logs in with SCRAM. */
  static synchronized Map<String, String> forScram() throws Exception {
    if (forScram != null) return forScram;
    if (logsInWithScram(kcatVersion(Map.of()))) return forScram = Map.of();
    Path script = Path.of("").toAbsolutePath().getParent().resolve("bin").resolve("librdkafka"); // Failsafe runs in brook-cli/
    ExternalTool.Result built = ExternalTool.run(List.of(script.toString()), null, 900);
    if (built.exitCode() != 0 || built.lines().isEmpty()) throw new AssertionError(script + " failed: " + built);
    Map<String, String> env = Map.of("LD_LIBRARY_PATH", built.lines().get(built.lines().size() - 1));
    String loaded = kcatVersion(env);
    if (!logsInWithScram(loaded)) throw new AssertionError("kcat still loads librdkafka " + loaded + " with " + env);
    return forScram = env;
  }
}
