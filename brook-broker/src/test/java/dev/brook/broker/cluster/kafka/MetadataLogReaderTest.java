package dev.brook.broker.cluster.kafka;

import static dev.brook.broker.cluster.kafka.MetadataRecordTest.CONFIG;
import static dev.brook.broker.cluster.kafka.MetadataRecordTest.ORDERS;
import static dev.brook.broker.cluster.kafka.MetadataRecordTest.PARTITION;
import static dev.brook.broker.cluster.kafka.MetadataRecordTest.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataLogReaderTest {
  /** The metadata log of a Kafka 4.1.1 with topics orders (3), compacted (2), txn (2) and the internal topics. */
  static final String REAL_LOG = "/kafka-4.1.1-logdir/metadata-00000000000000000000.log";
  static final String REMOVE_ORDERS = "010900" + TOPIC.substring(TOPIC.length() - 34, TOPIC.length() - 2) + "00";
  static final String BEGIN = MetadataRecordTest.BEGIN;
  static final String END = MetadataRecordTest.END;
  static final String ABORT = "01190000";

  @TempDir Path dir;

  @Test
  void readsTheTopicsOfARealKafkaMetadataLog() throws Exception {
    copyRealLog(dir);
    KafkaMetadataImage image = new KafkaMetadataImage();
    MetadataLogReader.Position position = new MetadataLogReader(dir).read(image::apply);
    Map<String, KafkaMetadataImage.Topic> topics = image.topics();
    assertThat(topics.keySet()).containsExactly("__consumer_offsets", "__transaction_state", "compacted", "orders", "txn");
    assertThat(topics.get("orders").id()).isEqualTo(ORDERS);
    assertThat(topics.get("orders").partitions()).isEqualTo(3);
    assertThat(topics.get("orders").configs()).containsExactly(Map.entry("retention.ms", "86400000"));
    assertThat(topics.get("compacted").configs()).containsExactly(Map.entry("cleanup.policy", "compact"));
    assertThat(topics.get("txn").partitions()).isEqualTo(2);
    assertThat(topics.get("__consumer_offsets").partitions()).isEqualTo(50);
    assertThat(image.otherConfigs()).containsExactly(Map.entry("cluster: min.insync.replicas", "1"));
    assertThat(image.nextProducerId()).isEqualTo(1000); // one block of ids went to the broker
    assertThat(image.endsInsideTransaction()).isFalse();
    assertThat(position.snapshotEndOffset()).isEqualTo(-1);
    assertThat(position.nextOffset()).isGreaterThan(100);
  }

  /**
   * A snapshot Kafka 4.1.1 wrote (metadata.log.max.snapshot.interval.ms=3000): header and footer
   * control batches around topic "snapped" (2 partitions, retention.ms=123456); topic "after" was
   * created at offsets 49-50 of the log, after the snapshot's end (46).
   */
  @Test
  void aRealKafkaSnapshotThenTheLogAfterIt() throws Exception {
    copy("/kafka-4.1.1-snapshot/00000000000000000046-0000000001.checkpoint", dir);
    copy("/kafka-4.1.1-snapshot/00000000000000000000.log", dir);
    KafkaMetadataImage image = new KafkaMetadataImage();
    MetadataLogReader.Position position = new MetadataLogReader(dir).read(image::apply);
    assertThat(position.snapshotEndOffset()).isEqualTo(46);
    assertThat(image.topics().keySet()).containsExactly("after", "snapped");
    assertThat(image.topics().get("snapped").partitions()).isEqualTo(2);
    assertThat(image.topics().get("snapped").configs()).containsExactly(Map.entry("retention.ms", "123456"));
    assertThat(image.topics().get("after").partitions()).isEqualTo(1);
  }

  @Test
  void aRealKafkaSnapshotAloneHoldsTheStateUpToItsEnd() throws Exception {
    copy("/kafka-4.1.1-snapshot/00000000000000000046-0000000001.checkpoint", dir);
    KafkaMetadataImage image = new KafkaMetadataImage();
    assertThat(new MetadataLogReader(dir).read(image::apply)).isEqualTo(new MetadataLogReader.Position(46, 46));
    assertThat(image.topics().keySet()).containsExactly("snapped");
    assertThat(image.topics().get("snapped").id()).isEqualTo(org.apache.kafka.common.Uuid.fromString("NYS2EDn7R0KlOtvZEkk7mA"));
  }

  @Test
  void theNewestSnapshotThenTheLogFromItsEndOffset() throws Exception {
    // Snapshot ending at 3: orders with partitions 0..2 (offsets 0..2). An older snapshot is ignored.
    write(dir.resolve("00000000000000000003-0000000001.checkpoint"), 0, TOPIC, PARTITION.replace("0103020000000226", "0103020000000026"),
        PARTITION.replace("0103020000000226", "0103020000000126"));
    write(dir.resolve("00000000000000000001-0000000001.checkpoint"), 0, REMOVE_ORDERS);
    // The log still holds offsets 1..4: 1..2 are in the snapshot (not applied twice), 3 partition 2, 4 its config.
    write(dir.resolve("00000000000000000001.log"), 1, TOPIC, TOPIC, PARTITION, CONFIG);
    KafkaMetadataImage image = new KafkaMetadataImage();
    MetadataLogReader.Position position = new MetadataLogReader(dir).read(image::apply);
    assertThat(position).isEqualTo(new MetadataLogReader.Position(3, 5));
    assertThat(image.topics().get("orders").partitions()).isEqualTo(3);
    assertThat(image.topics().get("orders").configs()).containsKey("retention.ms");
  }

  @Test
  void aRemovedTopicAndItsConfigsAreGone() throws Exception {
    write(dir.resolve("00000000000000000000.log"), 0, TOPIC, PARTITION.replace("0103020000000226", "0103020000000026"),
        CONFIG, REMOVE_ORDERS);
    KafkaMetadataImage image = new KafkaMetadataImage();
    new MetadataLogReader(dir).read(image::apply);
    assertThat(image.topics()).isEmpty();
  }

  @Test
  void anAbortedOrUnfinishedMetadataTransactionIsDropped() throws Exception {
    write(dir.resolve("00000000000000000000.log"), 0, BEGIN, TOPIC, ABORT, BEGIN, TOPIC, END, BEGIN, CONFIG);
    KafkaMetadataImage image = new KafkaMetadataImage();
    List<MetadataRecord> seen = new ArrayList<>();
    new MetadataLogReader(dir).read(r -> {
      seen.add(r);
      image.apply(r);
    });
    assertThat(seen).hasSize(8);
    assertThat(image.droppedTransactions()).isEqualTo(1);
    assertThat(image.endsInsideTransaction()).isTrue();
    // orders exists once (the committed transaction) but has no partition record: refused, named.
    assertThatThrownBy(image::topics).hasMessageContaining("topic orders has partitions []");
  }

  @Test
  void aclAndQuotaRecordsAreCountedForTheReport() throws Exception {
    // AccessControlEntryRecord and ClientQuotaRecord: only the frame is read (api keys 18, 14).
    write(dir.resolve("00000000000000000000.log"), 0, "01120000", "01120000", "010e0000");
    KafkaMetadataImage image = new KafkaMetadataImage();
    new MetadataLogReader(dir).read(image::apply);
    assertThat(image.securityAndQuotaRecords()).isEqualTo(Map.of("ACL", 2, "client quota", 1));
  }

  @Test
  void aLogThatStartsAfterTheSnapshotIsAGap() throws Exception {
    write(dir.resolve("00000000000000000005.log"), 5, TOPIC);
    assertThatThrownBy(() -> new MetadataLogReader(dir).read(r -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("00000000000000000005.log")
        .hasMessageContaining("offsets 0 to 4 are missing");
  }

  @Test
  void aTornTailIsAnErrorNamingTheFile() throws Exception {
    Path log = copyRealLog(dir);
    byte[] all = Files.readAllBytes(log);
    Files.write(log, java.util.Arrays.copyOf(all, all.length - 10));
    assertThatThrownBy(() -> new MetadataLogReader(dir).read(r -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(log.toString())
        .hasMessageContaining("truncated or torn at position");
  }

  @Test
  void aFlippedByteFailsTheCrc() throws Exception {
    Path log = copyRealLog(dir);
    byte[] all = Files.readAllBytes(log);
    all[all.length / 2] ^= 0x10;
    Files.write(log, all);
    assertThatThrownBy(() -> new MetadataLogReader(dir).read(r -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(log.toString());
  }

  @Test
  void aRecordThatDoesNotDecodeIsAnErrorNamingItsOffset() throws Exception {
    write(dir.resolve("00000000000000000000.log"), 0, TOPIC, "02" + TOPIC.substring(2));
    assertThatThrownBy(() -> new MetadataLogReader(dir).read(r -> {}))
        .hasMessageContaining("record at offset 1 does not decode: unknown frame version 2");
  }

  private static void copy(String resource, Path toDir) throws IOException {
    try (InputStream in = MetadataLogReaderTest.class.getResourceAsStream(resource)) {
      Files.copy(in, toDir.resolve(resource.substring(resource.lastIndexOf('/') + 1)));
    }
  }

  static Path copyRealLog(Path metadataDir) throws IOException {
    Path log = metadataDir.resolve("00000000000000000000.log");
    try (InputStream in = MetadataLogReaderTest.class.getResourceAsStream(REAL_LOG)) {
      Files.copy(in, log);
    }
    return log;
  }

  /** One batch per record (as the controller often writes them), offsets from {@code first}. */
  static void write(Path file, long first, String... hexValues) throws IOException {
    try (var out = Files.newOutputStream(file)) {
      for (int i = 0; i < hexValues.length; i++) {
        MemoryRecords batch = MemoryRecords.withRecords(first + i, Compression.NONE,
            new SimpleRecord(null, HexFormat.of().parseHex(hexValues[i])));
        ByteBuffer b = batch.buffer();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        out.write(bytes);
      }
    }
  }
}
