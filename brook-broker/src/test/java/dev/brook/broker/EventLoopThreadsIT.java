package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.network.RawClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real broker serves its connections on one event loop per core the JVM sees. */
class EventLoopThreadsIT {
  @TempDir Path dir;

  @Test
  void connectionsSpreadOverOneEventLoopPerCore() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    Set<String> before = netThreads();
    try (Broker broker = Broker.start(BrokerConfig.of(Map.of(
        "log.dirs", dir.toString(), "listeners", "PLAINTEXT://127.0.0.1:0")))) {
      List<RawClient> clients = new ArrayList<>();
      try {
        // Netty hands connections to its loops in turn; each loop's thread starts with its first.
        for (int i = 0; i < 3 * cores; i++) {
          RawClient c = new RawClient("127.0.0.1", broker.port());
          clients.add(c);
          ApiVersionsRequest req = new ApiVersionsRequest(new ApiVersionsRequestData()
              .setClientSoftwareName("raw-client").setClientSoftwareVersion("1"), (short) 3);
          int id = c.send(req);
          assertThat(c.receive(ApiKeys.API_VERSIONS, (short) 3, id).errorCounts()).containsOnlyKeys(
              org.apache.kafka.common.protocol.Errors.NONE);
        }
        Set<String> mine = netThreads();
        mine.removeAll(before);
        assertThat(mine).hasSize(cores);
      } finally {
        for (RawClient c : clients) c.close();
      }
    }
  }

  private static Set<String> netThreads() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("brook-net-")) names.add(t.getName());
    }
    return names;
  }
}
