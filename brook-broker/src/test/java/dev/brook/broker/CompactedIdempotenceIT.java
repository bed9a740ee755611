package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.createPartition;
import static dev.brook.broker.PartitionTestSupport.produce;
import static dev.brook.broker.PartitionTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.RecordBatchHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idempotent producer on a compacted topic whose records are all superseded by another
 * producer's: the cleaner keeps its last batch (emptied), so its sequence survives compaction and
 * a restart that rebuilds the producer state from the log.
 */
class CompactedIdempotenceIT {
  static final long A = 1000;
  static final long B = 2000;
  static final short EPOCH = 0;

  @TempDir Path dir;
  final Uuid topicId = Uuid.randomUuid();
  Broker broker;
  RawClient client;
  Partition partition;

  private void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of("log.cleaner.backoff.ms", "50"));
    partition = createPartition(broker, "c", 0, topicId, Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.01"));
    client = new RawClient("127.0.0.1", broker.port());
  }

  /** A clean stop that, like a crash, leaves no producer-state snapshot: the state comes from the log. */
  private void restartWithoutSnapshot() throws Exception {
    client.close();
    broker.close();
    try (var files = Files.list(dir.resolve("c-0"))) {
      for (var f : files.filter(f -> f.getFileName().toString().endsWith(dev.brook.storage.ProducerSnapshots.SUFFIX)).toList()) {
        Files.delete(f);
      }
    }
    start();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) client.close();
    if (broker != null) broker.close();
  }

  private Errors send(long pid, int seq, String... values) throws Exception {
    PartitionProduceResponse r = produce(client, "c", 0, records(CompressionType.NONE, pid, EPOCH, seq, values));
    return Errors.forCode(r.errorCode());
  }

  /** Records of producer {@code pid} still in the log. */
  private int recordsOf(long pid) throws Exception {
    AtomicInteger n = new AtomicInteger();
    partition.log().scanBatches(0, b -> {
      if (RecordBatchHeader.producerId(b, b.position()) == pid) n.addAndGet(RecordBatchHeader.recordCount(b, b.position()));
    });
    return n.get();
  }

  /** B overwrites {@code values}' keys in a segment of its own; waits until A's records are cleaned away. */
  private void supersedeAndCompact(int bSeq, String... values) throws Exception {
    partition.log().roll();
    assertThat(send(B, bSeq, values)).isEqualTo(Errors.NONE);
    partition.log().roll();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> recordsOf(A) == 0);
  }

  @Test
  void idempotentProducerWhoseRecordsWereAllCompactedKeepsProducing() throws Exception {
    start();
    assertThat(send(A, 0, "a", "b")).isEqualTo(Errors.NONE);
    assertThat(send(A, 2, "a")).isEqualTo(Errors.NONE);
    supersedeAndCompact(0, "a", "b");

    assertThat(send(A, 3, "c")).isEqualTo(Errors.NONE); // after compaction
    supersedeAndCompact(2, "c");

    restartWithoutSnapshot();
    assertThat(partition.producerEntry(A)).isNotNull();
    assertThat(send(A, 4, "d")).isEqualTo(Errors.NONE); // after a restart
    assertThat(send(A, 4, "d")).isEqualTo(Errors.NONE); // a retry is still a duplicate, not an error
    assertThat(send(A, 6, "gap")).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(send(B, 3, "e")).isEqualTo(Errors.NONE);
  }
}
