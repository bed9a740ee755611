package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.broker.replica.TransactionVerifier;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import dev.brook.storage.SegmentedLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** flush.messages: the fsync runs on the background executor, and the answer waits for it. */
class ProduceHandlerFlushTest {
  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  ExecutorService pool;
  final List<String> backgroundTasks = new CopyOnWriteArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
    pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-background"));
  }

  @AfterEach
  void close() throws Exception {
    release.countDown();
    pool.shutdownNow();
    replicas.close();
    logs.close();
  }

  private ProduceHandler handler() {
    // Every task waits for the test's go, so the test sees the answer held back until the fsync ran.
    return new ProduceHandler(replicas, Clock.SYSTEM, TransactionVerifier.NONE, task -> pool.execute(() -> {
      backgroundTasks.add(Thread.currentThread().getName());
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      task.run();
    }));
  }

  private static CompletableFuture<ApiMessage> produce(ProduceHandler h, String topic) {
    MemoryRecords r = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1L, "k".getBytes(), "v".getBytes()));
    ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
    d.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
        new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(r))));
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.PRODUCE, (short) 9, "test", 1), 1, null, "PLAINTEXT");
    return h.handle(ctx, d);
  }

  @Test
  void flushMessagesIsForcedOnTheBackgroundExecutorBeforeTheAnswer() throws Exception {
    Partition p = replicas.createPartition(new TopicPartition("durable", 0), Uuid.randomUuid(),
        LogConfig.defaults().withFlush(1, Long.MAX_VALUE), Map.of());
    CompletableFuture<ApiMessage> answer = produce(handler(), "durable");
    assertThat(p.log().logEndOffset()).as("appended on the calling thread").isEqualTo(1);
    assertThat(answer).as("not acknowledged before the fsync").isNotDone();
    assertThat(((SegmentedLog) p.log()).recoveryPoint()).isZero();
    release.countDown();
    ProduceResponseData r = (ProduceResponseData) answer.get(10, TimeUnit.SECONDS);
    assertThat(r.responses().iterator().next().partitionResponses().get(0).errorCode()).isZero();
    assertThat(((SegmentedLog) p.log()).recoveryPoint()).isEqualTo(1);
    assertThat(backgroundTasks).containsExactly("test-background");
  }

  @Test
  void withoutFlushMessagesNothingLeavesTheCallingThread() throws Exception {
    replicas.createPartition(new TopicPartition("plain", 0), Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    ProduceResponseData r = (ProduceResponseData) produce(handler(), "plain").get(10, TimeUnit.SECONDS);
    assertThat(r.responses().iterator().next().partitionResponses().get(0).errorCode()).isZero();
    assertThat(backgroundTasks).isEmpty();
  }
}
