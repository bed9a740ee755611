package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log directory written by the previous release (main at 5671d32, before {@code
 * brook.format.version}: format version 1) opens in this one. The fixture was made with that commit's
 * {@code brook.jar}: {@code server} with default settings, {@code topics create --topic upgrade
 * --partitions 3}, 30 records {@code key-i/value-i} from {@code produce}, all of them read by {@code
 * consume --group upgrade-group}, then SIGTERM.
 */
class UpgradeFromPreviousReleaseIT {
  private static final String FIXTURE = "/upgrade/brook-5671d32-data-dir.tar.gz";

  @TempDir Path dir;

  @Test
  void previousReleasesDataOpensWithItsRecordsAndGroupOffsetsAndIsStampedWithTheFormatVersion() throws Exception {
    Path data = unpack();
    Path meta = data.resolve("meta.properties");
    assertThat(Files.readString(meta)).doesNotContain("brook.format.version");
    // The fixture's own settings (50 partitions of __consumer_offsets): BrookProcess.server would change them.
    try (BrookProcess brook = BrookProcess.start(null, "server", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
        "--override", "log.dirs=" + data, "--override", "group.initial.rebalance.delay.ms=0")) {
      String bootstrap = "127.0.0.1:" + brook.awaitReady().group(2);
      assertThat(Files.readString(meta)).contains("brook.format.version=2", "brook.coordinator.record.format=kafka");

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets("upgrade-group").partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
        assertThat(committed).containsOnlyKeys(tp(0), tp(1), tp(2));
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(30);
      }
      List<String> values = Clients.readAll(bootstrap, "upgrade", 30).stream().map(ConsumerRecord::value).toList();
      assertThat(values).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 30).mapToObj(i -> "value-" + i).toList());

      // The group carries on from its committed offsets: it reads only what is new.
      Clients.produce(bootstrap, "upgrade", 30, 3);
      assertThat(readInGroup(bootstrap, 3)).containsExactlyInAnyOrder("value-30", "value-31", "value-32");
      assertThat(brook.terminate()).as("exit code after SIGTERM; stderr:\n%s", brook.stderr()).isZero();
    }
  }

  private static TopicPartition tp(int p) {
    return new TopicPartition("upgrade", p);
  }

  private static List<String> readInGroup(String bootstrap, int expected) {
    Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "group.id", "upgrade-group",
        "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
        "enable.auto.commit", "false");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props)) {
      c.subscribe(List.of("upgrade"));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
      c.poll(Duration.ofMillis(300)).forEach(r -> out.add(r.value())); // nothing older may follow
    }
    return out;
  }

  private Path unpack() throws Exception {
    Path tar = dir.resolve("fixture.tar.gz");
    try (InputStream in = getClass().getResourceAsStream(FIXTURE)) {
      assertThat(in).as(FIXTURE).isNotNull();
      Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    Path data = Files.createDirectory(dir.resolve("data"));
    Process p = new ProcessBuilder("tar", "xzf", tar.toString(), "-C", data.toString()).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return data;
  }
}
