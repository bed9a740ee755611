package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data acknowledged before a stop is there after a restart of {@code brook server} on the same
 * directory: after a clean SIGTERM, and after kill -9 (the page cache survives a process kill, so
 * every acknowledged record must).
 */
class RestartIT {
  static final ApiKeys[] NEEDED = {ApiKeys.METADATA, ApiKeys.CREATE_TOPICS, ApiKeys.PRODUCE, ApiKeys.INIT_PRODUCER_ID,
      ApiKeys.FETCH, ApiKeys.LIST_OFFSETS};

  @TempDir Path data;

  @Test
  void everythingAcknowledgedBeforeSigtermIsReadableAfterRestart() throws Exception {
    roundTripAcrossRestart(false);
  }

  @Test
  void everythingAcknowledgedBeforeKill9IsReadableAfterRestart() throws Exception {
    roundTripAcrossRestart(true);
  }

  private void roundTripAcrossRestart(boolean kill9) throws Exception {
    String topic = kill9 ? "after-kill" : "after-stop";
    List<RecordMetadata> acked;
    try (BrookProcess brook = BrookProcess.server(data)) {
      String bootstrap = brook.bootstrap();
      ExternalTool.requireServes(bootstrap, NEEDED);
      Clients.createTopic(bootstrap, topic, 3);
      acked = Clients.produce(bootstrap, topic, 0, 3000);
      if (kill9) {
        assertThat(brook.kill9()).isEqualTo(137);
      } else {
        assertThat(brook.terminate()).isZero();
      }
    }
    try (BrookProcess brook = BrookProcess.server(data)) {
      String bootstrap = brook.bootstrap();
      List<ConsumerRecord<String, String>> read = Clients.readAll(bootstrap, topic, acked.size());
      assertThat(read).hasSize(acked.size());
      Map<String, String> byOffset = read.stream().collect(Collectors.toMap(
          r -> r.partition() + "@" + r.offset(), r -> r.key() + "=" + r.value()));
      for (int i = 0; i < acked.size(); i++) {
        RecordMetadata md = acked.get(i);
        assertThat(byOffset.get(md.partition() + "@" + md.offset())).isEqualTo("key-" + i + "=value-" + i);
      }
      // The restarted broker keeps appending after what it recovered.
      List<RecordMetadata> more = Clients.produce(bootstrap, topic, acked.size(), 10);
      assertThat(more).allSatisfy(md -> assertThat(md.offset()).isPositive());
      assertThat(brook.terminate()).isZero();
    }
  }
}
