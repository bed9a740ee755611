package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.SliceRecords;
import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.FetchSessionCache;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetchHandlerTest {
  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  FetchHandler handler;
  Partition partition;
  /** The cold-read tests' background executor, and the threads it ran a read on. */
  final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor(
      r -> new Thread(r, "test-background"));
  final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
    partition = replicas.createPartition(new TopicPartition("t", 0), Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    handler = new FetchHandler(replicas, new FetchSessionCache(10, Clock.SYSTEM, new Random(3)::nextInt), 1);
  }

  @AfterEach
  void close() throws Exception {
    pool.shutdownNow();
    replicas.close();
    logs.close();
  }

  private void append(String value) {
    MemoryRecords r = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(), "k".getBytes(), value.getBytes()));
    partition.appendRecordsAsLeader(r.buffer(), AppendOrigin.CLIENT, -1, System.currentTimeMillis());
  }

  private CompletableFuture<ApiMessage> fetch(long offset, int maxWaitMs, int minBytes) {
    FetchRequestData d = new FetchRequestData().setMaxWaitMs(maxWaitMs).setMinBytes(minBytes).setMaxBytes(1 << 20)
        .setSessionEpoch(-1).setReplicaId(-1);
    d.topics().add(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(1 << 20))));
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FETCH, (short) 12, "test", 1), 1, null, "PLAINTEXT");
    return handler.handle(ctx, d);
  }

  private static FetchResponseData.PartitionData only(ApiMessage m) {
    return ((FetchResponseData) m).responses().get(0).partitions().get(0);
  }

  @Test
  void recordsStayInTheSegmentFile() throws Exception {
    append("zero-copy");
    FetchResponseData.PartitionData p = only(fetch(0, 0, 0).get(5, TimeUnit.SECONDS));
    assertThat(p.records()).isInstanceOf(SliceRecords.class);
    SliceRecords s = (SliceRecords) p.records();
    assertThat(s.slice().channel()).isNotNull();
    assertThat(s.sizeInBytes()).isPositive();
  }

  @Test
  void parkedFetchIsCompletedByAnAppendNotByItsTimer() throws Exception {
    CompletableFuture<ApiMessage> parked = fetch(0, 600_000, 1);
    assertThat(parked).isNotDone();
    append("wake");
    FetchResponseData.PartitionData p = only(parked.get(5, TimeUnit.SECONDS));
    assertThat(p.records().sizeInBytes()).isPositive();
    assertThat(p.highWatermark()).isEqualTo(1);
  }

  @Test
  void minBytesKeepsTheFetchWaitingUntilEnoughArrived() throws Exception {
    append("a");
    int one = only(fetch(0, 0, 0).get(5, TimeUnit.SECONDS)).records().sizeInBytes();
    CompletableFuture<ApiMessage> parked = fetch(0, 600_000, 2 * one + 1);
    assertThat(parked).isNotDone();
    append("b");
    assertThat(parked).isNotDone();
    append("c");
    assertThat(only(parked.get(5, TimeUnit.SECONDS)).records().sizeInBytes()).isEqualTo(3 * one);
  }

  @Test
  void closingAFetchSessionIsAnsweredAtOnceNotAfterMaxWait() throws Exception {
    // A consumer's close() ends its session with a fetch of epoch -1 and no partitions, carrying
    // its fetch.max.wait.ms: nothing can satisfy its min.bytes, and Kafka answers it at once.
    FetchRequestData open = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
        .setSessionId(0).setSessionEpoch(0).setReplicaId(-1);
    open.topics().add(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FETCH, (short) 12, "test", 1), 1, null, "PLAINTEXT");
    int session = ((FetchResponseData) handler.handle(ctx, open).get(5, TimeUnit.SECONDS)).sessionId();
    assertThat(session).isNotZero();

    FetchRequestData close = new FetchRequestData().setMaxWaitMs(600_000).setMinBytes(1).setMaxBytes(1 << 20)
        .setSessionId(session).setSessionEpoch(-1).setReplicaId(-1);
    CompletableFuture<ApiMessage> answer = handler.handle(ctx, close);
    assertThat(answer).as("answered without waiting for max.wait.ms").isDone();
    assertThat(((FetchResponseData) answer.get()).errorCode()).isZero();
    assertThat(((FetchResponseData) answer.get()).responses()).isEmpty();
  }

  /** A gate deciding from a flag, counting the decisions it is asked for; its key is its version. */
  private static final class CountingGate implements TopicGate {
    volatile boolean allow = true;
    volatile int version;
    final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public boolean allows(String topic) {
      asked.incrementAndGet();
      return allow;
    }

    @Override
    public Object decisionKey() {
      return version;
    }
  }

  @Test
  void aSessionIsRefusedAtItsNextFetchOnceTheGateClosesAndAsksTheGateOncePerVersion() throws Exception {
    append("a");
    CountingGate gate = new CountingGate();
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FETCH, (short) 12, "test", 1), 1, null, "PLAINTEXT");
    FetchRequestData open = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
        .setSessionId(0).setSessionEpoch(0).setReplicaId(-1);
    open.topics().add(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1).setPartitionMaxBytes(1 << 20))));
    FetchResponseData first = (FetchResponseData) handler.handle(ctx, open, gate).get(5, TimeUnit.SECONDS);
    int session = first.sessionId();
    assertThat(session).isNotZero();
    assertThat(first.responses().get(0).partitions().get(0).errorCode()).isZero();
    // Incremental fetches naming nothing, with nothing new: answered empty, the gate asked no more.
    for (int epoch = 1; epoch <= 3; epoch++) {
      FetchResponseData r = (FetchResponseData) handler.handle(ctx, incremental(session, epoch, 0), gate).get(5, TimeUnit.SECONDS);
      assertThat(r.responses()).isEmpty();
    }
    assertThat(gate.asked).as("one decision for the topic while the ACLs stay").hasValue(1);

    gate.allow = false;
    gate.version = 1; // an ACL changed
    CompletableFuture<ApiMessage> refused = handler.handle(ctx, incremental(session, 4, 600_000), gate);
    assertThat(refused).as("nothing readable: answered at once, not after max.wait.ms").isDone();
    FetchResponseData.PartitionData p = only(refused.get());
    assertThat(p.errorCode()).isEqualTo(org.apache.kafka.common.protocol.Errors.TOPIC_AUTHORIZATION_FAILED.code());
    assertThat(p.records().sizeInBytes()).isZero();
    assertThat(gate.asked).hasValue(2);
    // Still refused at the next fetch (an error is always in an incremental answer), not asked again.
    assertThat(only(handler.handle(ctx, incremental(session, 5, 0), gate).get(5, TimeUnit.SECONDS)).errorCode())
        .isEqualTo(org.apache.kafka.common.protocol.Errors.TOPIC_AUTHORIZATION_FAILED.code());
    assertThat(gate.asked).hasValue(2);
  }

  private static FetchRequestData incremental(int session, int epoch, int maxWaitMs) {
    return new FetchRequestData().setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
        .setSessionId(session).setSessionEpoch(epoch).setReplicaId(-1);
  }

  @Test
  void timerAnswersAnUnsatisfiedFetch() throws Exception {
    FetchResponseData.PartitionData p = only(fetch(0, 30, 1).get(5, TimeUnit.SECONDS));
    assertThat(p.errorCode()).isZero();
    assertThat(p.records().sizeInBytes()).isZero();
  }

  /** A partition of 40 records in 1 KiB segments: offset 0 is far below a 2 KiB recent tail. */
  private Partition partitionWithOldSegments() throws Exception {
    Partition cold = replicas.createPartition(new TopicPartition("cold", 0), Uuid.randomUuid(),
        LogConfig.defaults().withSegmentBytes(1024), Map.of());
    for (int i = 0; i < 40; i++) {
      MemoryRecords r = MemoryRecords.withRecords(Compression.NONE,
          new SimpleRecord(System.currentTimeMillis(), "k".getBytes(), ("value-" + i + "-".repeat(80)).getBytes()));
      cold.appendRecordsAsLeader(r.buffer(), AppendOrigin.CLIENT, -1, System.currentTimeMillis());
    }
    assertThat(cold.log().tailStartOffset(2048)).as("several segments, the tail is the last ones").isGreaterThan(10);
    return cold;
  }

  /** A handler whose background executor ({@link #pool}) records in {@link #threads} the threads it ran on, with the page cache's answers injected. */
  private FetchHandler handler(FetchHandler.PageCache pageCache) {
    return new FetchHandler(replicas, new FetchSessionCache(10, Clock.SYSTEM, new Random(3)::nextInt), 1,
        task -> pool.execute(() -> {
          threads.add(Thread.currentThread().getName());
          task.run();
        }), 2048, dev.brook.broker.metrics.BrokerTopicMetrics.disabled(), pageCache);
  }

  @Test
  void coldFetchIsReadOnTheBackgroundExecutorAndTailFetchOnTheCallingThread() throws Exception {
    partitionWithOldSegments();
    List<Long> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    FetchHandler h = handler((log, offset, maxBytes) -> {
      asked.add(offset);
      return false;
    });
    FetchResponseData.PartitionData old = only(h.handle(ctx(), request("cold", 0)).get(5, TimeUnit.SECONDS));
    assertThat(threads).containsExactly("test-background");
    assertThat(((SliceRecords) old.records()).slice().length()).isPositive();
    assertThat(firstBaseOffset(old)).isZero();

    FetchResponseData.PartitionData recent = only(h.handle(ctx(), request("cold", 39)).get(5, TimeUnit.SECONDS));
    assertThat(threads).as("a fetch of the tail stays on the calling thread").hasSize(1);
    assertThat(firstBaseOffset(recent)).isEqualTo(39);
    assertThat(asked).as("the page cache is asked only below the tail").doesNotContain(39L).contains(0L);
  }

  @Test
  void fetchBelowTheTailFromResidentPagesIsAnsweredOnTheCallingThread() throws Exception {
    partitionWithOldSegments();
    FetchHandler h = handler((log, offset, maxBytes) -> offset != 5);
    String caller = Thread.currentThread().getName();
    CompletableFuture<ApiMessage> f = h.handle(ctx(), request("cold", 0));
    assertThat(f).as("resident pages: answered before handle returns, on the caller %s", caller).isDone();
    FetchResponseData.PartitionData old = only(f.get(5, TimeUnit.SECONDS));
    assertThat(threads).isEmpty();
    assertThat(firstBaseOffset(old)).isZero();
    assertThat(((SliceRecords) old.records()).slice().length()).isPositive();

    FetchResponseData.PartitionData notResident = only(h.handle(ctx(), request("cold", 5)).get(5, TimeUnit.SECONDS));
    assertThat(threads).as("a page not resident goes the cold way").containsExactly("test-background");
    assertThat(firstBaseOffset(notResident)).isEqualTo(5);
  }

  @Test
  void theBrokersPageCacheAnswerKeepsJustWrittenOldSegmentsOnTheCallingThread() throws Exception {
    partitionWithOldSegments();
    FetchHandler h = handler(FetchHandler.PageCache.KERNEL);
    FetchResponseData.PartitionData old = only(h.handle(ctx(), request("cold", 0)).get(5, TimeUnit.SECONDS));
    assertThat(threads).as("pages written moments ago are in the page cache").isEmpty();
    assertThat(firstBaseOffset(old)).isZero();
  }

  private static long firstBaseOffset(FetchResponseData.PartitionData p) throws java.io.IOException {
    dev.brook.storage.FileSlice s = ((SliceRecords) p.records()).slice();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
    s.channel().read(b, s.position());
    return b.getLong(0);
  }

  private static RequestContext ctx() {
    return new RequestContext(new RequestHeader(ApiKeys.FETCH, (short) 12, "test", 1), 1, null, "PLAINTEXT");
  }

  private static FetchRequestData request(String topic, long offset) {
    FetchRequestData d = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
        .setSessionEpoch(-1).setReplicaId(-1);
    d.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(1 << 20))));
    return d;
  }
}
