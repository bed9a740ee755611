package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class FormatsTest {
  @Test
  void describeMatchesKafkaTopicsLayout() {
    Node n = new Node(1, "127.0.0.1", 9092);
    TopicDescription d = new TopicDescription("orders", false,
        List.of(new TopicPartitionInfo(0, n, List.of(n), List.of(n)), new TopicPartitionInfo(1, n, List.of(n), List.of(n))),
        java.util.Set.of(), new Uuid(1, 2));
    Config c = new Config(List.of(
        new ConfigEntry("segment.bytes", "1073741824"),
        configEntry("retention.ms", "1000", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG),
        configEntry("cleanup.policy", "compact", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)));
    String text = TopicsCommand.TopicDescriptionFormat.format(d, c);
    assertThat(text.split("\n")).containsExactly(
        "Topic: orders\tTopicId: " + new Uuid(1, 2) + "\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=1000",
        "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
        "\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ");
  }

  private static ConfigEntry configEntry(String name, String value, ConfigEntry.ConfigSource source) {
    return new ConfigEntry(name, value, source, false, false, List.of(), ConfigEntry.ConfigType.UNKNOWN, null);
  }

  @Test
  void recordFormatLikeConsoleConsumer() {
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("t", 2, 17, 1700000000000L, TimestampType.CREATE_TIME,
        1, 3, "k".getBytes(), "v-é".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty());
    assertThat(format(Map.of(), r)).isEqualTo("v-é\n");
    assertThat(format(Map.of("print.key", "true", "print.timestamp", "true"), r)).isEqualTo("CreateTime:1700000000000\tk\tv-é\n");
    assertThat(format(Map.of("print.partition", "true", "print.offset", "true", "key.separator", "|", "print.key", "true"), r))
        .isEqualTo("Partition:2|Offset:17|k|v-é\n");
    ConsumerRecord<byte[], byte[]> nullKey = new ConsumerRecord<>("t", 0, 0, null, null);
    assertThat(format(Map.of("print.key", "true"), nullKey)).isEqualTo("null\tnull\n");
  }

  private static String format(Map<String, String> props, ConsumerRecord<byte[], byte[]> r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    new ConsumeCommand.RecordFormat(props).write(r, ps);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void keyValuesRejectPairsWithoutEquals() {
    assertThat(KeyValues.parse("--config", List.of("a=1", "b==2", "c="))).containsExactly(
        Map.entry("a", "1"), Map.entry("b", "=2"), Map.entry("c", ""));
    assertThatThrownBy(() -> KeyValues.parse("--config", List.of("=1"))).hasMessage("--config: expected key=value, got '=1'");
  }
}
