package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.FetchSessionCache.FetchContext;
import dev.brook.storage.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class FetchSessionCacheTest {
  private final AtomicLong now = new AtomicLong(1000);
  private final Clock clock = new Clock() {
    @Override
    public long milliseconds() {
      return now.get();
    }

    @Override
    public long nanoseconds() {
      return now.get() * 1_000_000;
    }
  };
  private static final Uuid T = Uuid.randomUuid();
  private static final FetchSessionCache.TopicNames NAMES = id -> id.equals(T) ? "t" : null;

  private static FetchRequestData request(int sessionId, int epoch, int... partitions) {
    FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("t").setTopicId(T);
    for (int p : partitions) {
      topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(p * 10L).setPartitionMaxBytes(1000));
    }
    FetchRequestData r = new FetchRequestData().setSessionId(sessionId).setSessionEpoch(epoch);
    if (partitions.length > 0) r.topics().add(topic);
    return r;
  }

  private static List<Integer> partitions(FetchContext c) {
    return c.partitions().stream().map(p -> p.key().partition()).toList();
  }

  @Test
  void sessionlessFullFetchOpensNoSession() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    FetchContext c = cache.newContext((short) 12, request(0, -1, 0, 1), NAMES);
    assertThat(c.responseSessionId()).isZero();
    assertThat(c.incremental()).isFalse();
    assertThat(partitions(c)).containsExactly(0, 1);
    assertThat(cache.size()).isZero();
  }

  @Test
  void fullFetchOpensSessionAndIncrementalFetchesUseIt() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    FetchContext full = cache.newContext((short) 12, request(0, 0, 0, 1), NAMES);
    int id = full.responseSessionId();
    assertThat(id).isNotZero();
    FetchContext inc = cache.newContext((short) 12, request(id, 1), NAMES);
    assertThat(inc.error()).isEqualTo(Errors.NONE);
    assertThat(inc.incremental()).isTrue();
    assertThat(partitions(inc)).containsExactly(0, 1);
    // add partition 2, update 0, forget 1
    FetchRequestData next = request(id, 2, 0, 2);
    next.topics().get(0).partitions().get(0).setFetchOffset(77);
    next.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic("t").setPartitions(List.of(1)));
    FetchContext inc2 = cache.newContext((short) 12, next, NAMES);
    assertThat(partitions(inc2)).containsExactly(0, 2);
    assertThat(inc2.partitions().get(0).fetchOffset()).isEqualTo(77);
  }

  @Test
  void topicIdsAreResolvedFromV13() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    FetchRequestData r = request(0, 0, 0);
    r.topics().add(new FetchRequestData.FetchTopic().setTopicId(Uuid.randomUuid())
        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0))));
    FetchContext c = cache.newContext((short) 13, r, NAMES);
    assertThat(c.partitions()).extracting(FetchSessionCache.FetchPartition::topicName).containsExactly("t", null);
  }

  @Test
  void topicIdUnknownWhenTheSessionBeganIsResolvedOnLaterRequests() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    java.util.concurrent.atomic.AtomicBoolean known = new java.util.concurrent.atomic.AtomicBoolean();
    FetchSessionCache.TopicNames names = id -> known.get() && id.equals(T) ? "t" : null;
    FetchContext full = cache.newContext((short) 13, request(0, 0, 0), names);
    assertThat(full.partitions()).extracting(FetchSessionCache.FetchPartition::topicName).containsOnlyNulls();
    known.set(true); // the broker opened the partition meanwhile
    FetchContext inc = cache.newContext((short) 13, request(full.responseSessionId(), 1), names);
    assertThat(inc.partitions()).extracting(FetchSessionCache.FetchPartition::topicName).containsExactly("t");
  }

  @Test
  void unknownSessionIsFetchSessionIdNotFound() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    assertThat(cache.newContext((short) 12, request(1234, 1), NAMES).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
  }

  @Test
  void wrongEpochIsInvalidFetchSessionEpoch() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    int id = cache.newContext((short) 12, request(0, 0, 0), NAMES).responseSessionId();
    assertThat(cache.newContext((short) 12, request(id, 2), NAMES).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
    assertThat(cache.newContext((short) 12, request(id, 1), NAMES).error()).isEqualTo(Errors.NONE);
    // a replayed epoch is refused too
    assertThat(cache.newContext((short) 12, request(id, 1), NAMES).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
  }

  @Test
  void finalEpochClosesSession() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    int id = cache.newContext((short) 12, request(0, 0, 0), NAMES).responseSessionId();
    FetchContext c = cache.newContext((short) 12, request(id, -1, 0), NAMES);
    assertThat(c.responseSessionId()).isZero();
    assertThat(cache.contains(id)).isFalse();
  }

  @Test
  void noSlotsMeansNoSessions() {
    FetchSessionCache cache = new FetchSessionCache(0, clock, new Random(1)::nextInt);
    assertThat(cache.newContext((short) 12, request(0, 0, 0), NAMES).responseSessionId()).isZero();
  }

  @Test
  void fullCacheEvictsStaleSessionThenSmallerOnesOnly() {
    FetchSessionCache cache = new FetchSessionCache(2, clock, new Random(1)::nextInt);
    int a = cache.newContext((short) 12, request(0, 0, 0, 1, 2), NAMES).responseSessionId();
    now.addAndGet(10);
    int b = cache.newContext((short) 12, request(0, 0, 0, 1, 2), NAMES).responseSessionId();
    // same size, nothing stale: refused
    assertThat(cache.newContext((short) 12, request(0, 0, 0, 1, 2), NAMES).responseSessionId()).isZero();
    // bigger session evicts a smaller one
    int c = cache.newContext((short) 12, request(0, 0, 0, 1, 2, 3), NAMES).responseSessionId();
    assertThat(c).isNotZero();
    assertThat(cache.size()).isEqualTo(2);
    // after the eviction time, the least recently used goes
    now.addAndGet(FetchSessionCache.EVICTION_MS + 1);
    cache.newContext((short) 12, request(c, 1), NAMES); // c used now
    int d = cache.newContext((short) 12, request(0, 0, 0), NAMES).responseSessionId();
    assertThat(d).isNotZero();
    assertThat(cache.contains(c)).isTrue();
    assertThat(cache.contains(a) || cache.contains(b)).isFalse();
  }

  @Test
  void incrementalResponseIncludesOnlyChangedPartitions() {
    FetchSessionCache cache = new FetchSessionCache(10, clock, new Random(1)::nextInt);
    FetchContext full = cache.newContext((short) 12, request(0, 0, 0), NAMES);
    FetchSessionCache.FetchPartition p = full.partitions().get(0);
    assertThat(p.recordSent(Errors.NONE, 5, 5, 0, 0, false)).isTrue();
    assertThat(p.recordSent(Errors.NONE, 5, 5, 0, 0, false)).isFalse();
    assertThat(p.recordSent(Errors.NONE, 5, 5, 0, 10, false)).isTrue();
    assertThat(p.recordSent(Errors.NONE, 6, 6, 0, 0, false)).isTrue();
    assertThat(p.recordSent(Errors.OFFSET_OUT_OF_RANGE, 6, 6, 0, 0, false)).isTrue();
  }
}
