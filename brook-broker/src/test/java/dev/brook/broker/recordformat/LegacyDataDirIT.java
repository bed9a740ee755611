package dev.brook.broker.recordformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.RestartableBroker;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupRecord;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecordCodec;
import dev.brook.broker.txn.TxnRecordCodec;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log directory written by the Brook of commit f73d531 (its own value layouts in the coordinator
 * topics; made by {@link CoordinatorRecordCapture} against {@code bin/brook server}, stopped with
 * SIGTERM): this version finds its groups' offsets and its transactions, marks the legacy
 * boundary once, and writes Kafka's schemas from then on, across restarts.
 */
class LegacyDataDirIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CLASSIC = CoordinatorRecordCapture.CLASSIC_GROUP;
  private static final String TXN_GROUP = CoordinatorRecordCapture.TXN_GROUP;
  private static final TopicPartition G0 = new TopicPartition("golden", 0);
  private static final TopicPartition G1 = new TopicPartition("golden", 1);
  private static final TopicPartition G2 = new TopicPartition("golden", 2);
  /** The partitions of the fixture's groups and transactional ids (of 50). */
  private static final int CLASSIC_PARTITION = 34;
  private static final int TXN_PARTITION = 14;

  @TempDir Path dir;
  RestartableBroker brook;

  @BeforeEach
  void unpack() throws Exception {
    Path tar = dir.resolve("fixture.tar.gz");
    try (InputStream in = getClass().getResourceAsStream("/coordinator-records/brook-f73d531-data-dir.tar.gz")) {
      Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    Path data = Files.createDirectory(dir.resolve("data"));
    Process tarProcess = new ProcessBuilder("tar", "xzf", tar.toString(), "-C", data.toString()).inheritIO().start();
    assertThat(tarProcess.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(tarProcess.exitValue()).isZero();
    brook = new RestartableBroker(data, Map.of("group.initial.rebalance.delay.ms", "0"));
  }

  @AfterEach
  void stop() {
    brook.close();
  }

  private Path data() {
    return dir.resolve("data");
  }

  private Admin admin() {
    return brook.register(Admin.create(Map.of("bootstrap.servers", brook.bootstrap())));
  }

  @Test
  void olderBrooksOffsetsAndTransactionsLoadAndNewWritesAreKafkas() throws Exception {
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(data())).isTrue();
    brook.start();
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(data())).isFalse();
    long offsetsBoundary = LegacyRecordBoundary.of(data().resolve("__consumer_offsets-" + CLASSIC_PARTITION));
    long txnBoundary = LegacyRecordBoundary.of(data().resolve("__transaction_state-" + TXN_PARTITION));
    assertThat(offsetsBoundary).isPositive();
    assertThat(txnBoundary).isPositive();
    assertThat(LegacyRecordBoundary.of(data().resolve("golden-0"))).isZero();

    Admin admin = admin();
    assertLegacyOffsets(admin, new OffsetAndMetadata(5, "meta-0"));
    assertTransactions(admin, TransactionState.COMPLETE_COMMIT);

    // New writes: an offset commit and a transaction, in Kafka's schemas above the boundary.
    admin.alterConsumerGroupOffsets(CLASSIC, Map.of(G0, new OffsetAndMetadata(9, "after"))).all()
        .get(60, TimeUnit.SECONDS);
    runTransaction();
    List<ConsumerRecord<byte[], byte[]>> offsets = readRaw("__consumer_offsets", CLASSIC_PARTITION);
    List<ConsumerRecord<byte[], byte[]>> states = readRaw("__transaction_state", TXN_PARTITION);
    for (ConsumerRecord<byte[], byte[]> r : offsets) {
      if (r.offset() >= offsetsBoundary && r.value() != null) {
        GroupRecord g = GroupRecordCodec.decode(ByteBuffer.wrap(r.key()), ByteBuffer.wrap(r.value()));
        if (g instanceof OffsetRecord o) {
          assertThat(r.value()[1]).as("OffsetCommitValue version").isEqualTo((byte) 4);
          assertThat(o.offset()).isEqualTo(withoutTimes(o.offset(), 9, "after"));
        }
      }
    }
    assertThat(offsets).anySatisfy(r -> assertThat(r.offset()).isGreaterThanOrEqualTo(offsetsBoundary));
    assertThat(states).filteredOn(r -> r.offset() >= txnBoundary).isNotEmpty().allSatisfy(r -> {
      assertThat(r.value()[1]).as("TransactionLogValue version").isEqualTo((byte) 1);
      TxnRecordCodec.decodeValue(TxnRecordCodec.decodeKey(ByteBuffer.wrap(r.key())), ByteBuffer.wrap(r.value()));
    });

    // Restart: legacy records below the boundary, Kafka's above it, both read.
    brook.stop();
    brook.start();
    assertThat(LegacyRecordBoundary.of(data().resolve("__consumer_offsets-" + CLASSIC_PARTITION)))
        .isEqualTo(offsetsBoundary);
    Admin again = admin();
    assertLegacyOffsets(again, new OffsetAndMetadata(9, "after"));
    assertTransactions(again, TransactionState.COMPLETE_COMMIT);
  }

  private static CommittedOffset withoutTimes(CommittedOffset o, long offset, String metadata) {
    return new CommittedOffset(offset, o.leaderEpoch(), metadata, o.commitTimestamp(), -1);
  }

  private static void assertLegacyOffsets(Admin admin, OffsetAndMetadata g0) {
    await().atMost(WAIT).untilAsserted(() -> {
      Map<TopicPartition, OffsetAndMetadata> classic =
          admin.listConsumerGroupOffsets(CLASSIC).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      assertThat(classic.get(G0).offset()).isEqualTo(g0.offset());
      assertThat(classic.get(G0).metadata()).isEqualTo(g0.metadata());
      assertThat(classic.get(G1)).isEqualTo(new OffsetAndMetadata(7, classic.get(G1).leaderEpoch(), "métadonnée"));
      assertThat(classic.get(G2).offset()).isEqualTo(3);
      Map<TopicPartition, OffsetAndMetadata> txn =
          admin.listConsumerGroupOffsets(TXN_GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      assertThat(txn.get(G1).offset()).isEqualTo(11);
      assertThat(txn.get(G1).metadata()).isEqualTo("in-txn");
    });
  }

  private static void assertTransactions(Admin admin, TransactionState done) {
    await().atMost(WAIT).untilAsserted(() -> {
      Map<String, TransactionDescription> d = admin.describeTransactions(
          List.of(CoordinatorRecordCapture.TXN_DONE, CoordinatorRecordCapture.TXN_OPEN)).all().get(30, TimeUnit.SECONDS);
      assertThat(d.get(CoordinatorRecordCapture.TXN_DONE).state()).isEqualTo(done);
      assertThat(d.get(CoordinatorRecordCapture.TXN_DONE).producerId()).isNotNegative();
      assertThat(d.get(CoordinatorRecordCapture.TXN_OPEN).state()).isEqualTo(TransactionState.COMPLETE_ABORT);
    });
  }

  private void runTransaction() throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", brook.bootstrap());
    p.put("transactional.id", CoordinatorRecordCapture.TXN_DONE);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("max.block.ms", "60000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("golden", 0, "k", "v")).get(60, TimeUnit.SECONDS);
      producer.commitTransaction();
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, int partition) {
    Properties p = new Properties();
    p.put("bootstrap.servers", brook.bootstrap());
    p.put("exclude.internal.topics", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      TopicPartition tp = new TopicPartition(topic, partition);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), WAIT).get(tp);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.position(tp, WAIT) < end && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
