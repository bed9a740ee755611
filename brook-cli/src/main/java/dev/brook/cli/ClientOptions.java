package dev.brook.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Connection options shared by the client commands, with kafka-*.sh's names. */
final class ClientOptions {
  @Option(
      names = "--bootstrap-server",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:9092",
      description = "Broker(s) to connect to (default: ${DEFAULT-VALUE}).")
  String bootstrapServer;

  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      description = "Client properties file (security settings, timeouts, ...).")
  Path commandConfig;

  /**
   * Client properties: built-in defaults, then the file, then {@code extra} ("k=v" each), then the
   * bootstrap server.
   */
  Map<String, Object> clientProperties(Map<String, Object> defaults, List<String> extra) {
    Map<String, Object> props = new LinkedHashMap<>(defaults);
    if (commandConfig != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(commandConfig)) {
        p.load(r);
      } catch (IOException e) {
        throw new UserError("--command-config: cannot read " + commandConfig + ": " + e.getMessage(), Main.EXIT_USAGE);
      }
      p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
    }
    props.putAll(KeyValues.parse("--property", extra));
    props.put("bootstrap.servers", bootstrapServer);
    return props;
  }
}
