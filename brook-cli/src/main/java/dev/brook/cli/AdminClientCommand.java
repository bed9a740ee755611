package dev.brook.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Mixin;

/**
 * A client subcommand that does its work with one Kafka admin client: the connection options, the
 * client's timeouts, and closing it. {@code brook topics ...} and {@code brook groups ...} build on it.
 */
abstract class AdminClientCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  private final String clientId;

  AdminClientCommand(String clientId) {
    this.clientId = clientId;
  }

  @Override
  public final Integer call() throws Exception {
    Map<String, Object> defaults =
        Map.of(
            AdminClientConfig.CLIENT_ID_CONFIG, clientId,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(client.clientProperties(defaults, List.of()))) {
      return run(admin, System.out);
    }
  }

  abstract int run(Admin admin, PrintStream out) throws Exception;
}
