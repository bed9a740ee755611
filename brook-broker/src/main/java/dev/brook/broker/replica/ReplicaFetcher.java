package dev.brook.broker.replica;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.storage.EpochEndOffset;
import dev.brook.storage.RecordBatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower side of replication for the partitions this broker follows from one leader broker
 * that hash to one fetcher id ({@code num.replica.fetchers} of these per leader, see {@link
 * #fetcherId}): one thread with one connection, a loop of (1) reconciling newly followed partitions with the
 * leader by OffsetForLeaderEpoch and truncating (KIP-101/279), (2) a Fetch with this broker's
 * replica id at each partition's log end with its last fetched epoch (the leader answers a
 * diverging epoch when the logs split: truncate again), appending what comes back and taking the
 * leader's high watermark; OFFSET_OUT_OF_RANGE asks the leader for its log end and start.
 *
 * <p>Threading: the fetcher thread alone does I/O. Partitions are added and removed by the replica
 * manager's thread; {@link #remove} waits until the fetcher is not applying a response to that
 * partition (the {@code applying} lock, never held across network I/O).
 */
final class ReplicaFetcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
  private static final short FETCH_VERSION = 12; // topic names, last fetched epoch, diverging epoch
  private static final short EPOCH_VERSION = 4;
  private static final short LIST_OFFSETS_VERSION = 4;

  /** Tuning from the broker config (replica.fetch.*, replica.socket.timeout.ms). */
  record Settings(int maxWaitMs, int minBytes, int partitionMaxBytes, int responseMaxBytes, long backoffMs, int socketTimeoutMs,
      BrokerConnector connector) {
    Settings(int maxWaitMs, int minBytes, int partitionMaxBytes, int responseMaxBytes, long backoffMs, int socketTimeoutMs) {
      this(maxWaitMs, minBytes, partitionMaxBytes, responseMaxBytes, backoffMs, socketTimeoutMs, BrokerConnector.PLAINTEXT);
    }

    Settings withConnector(BrokerConnector c) {
      return new Settings(maxWaitMs, minBytes, partitionMaxBytes, responseMaxBytes, backoffMs, socketTimeoutMs, c);
    }

    static Settings defaults() {
      return new Settings(500, 1, 1024 * 1024, 10 * 1024 * 1024, 1000, 30_000);
    }
  }

  /** One followed partition in one leader epoch. */
  static final class FetchState {
    final Partition partition;
    final int leaderEpoch;
    volatile boolean truncating;
    volatile long delayedUntilMs;

    FetchState(Partition partition, int leaderEpoch, boolean truncating) {
      this.partition = partition;
      this.leaderEpoch = leaderEpoch;
      this.truncating = truncating;
    }
  }

  private final int leaderId;
  private final int fetcherId;
  private final int localBrokerId;
  private final IntFunction<Optional<BrokerEndpoint>> endpoints;
  private final Settings settings;
  private final dev.brook.storage.Clock clock;
  private final Map<TopicPartition, FetchState> partitions = new ConcurrentHashMap<>();
  private final ReentrantLock applying = new ReentrantLock();
  private final FetcherWakeup wakeup = new FetcherWakeup();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile ReplicaClient client; // opened and used by the fetcher thread; close() may close it

  ReplicaFetcher(int leaderId, int fetcherId, int localBrokerId, IntFunction<Optional<BrokerEndpoint>> endpoints,
      Settings settings, dev.brook.storage.Clock clock) {
    this.leaderId = leaderId;
    this.fetcherId = fetcherId;
    this.localBrokerId = localBrokerId;
    this.endpoints = endpoints;
    this.settings = settings;
    this.clock = clock;
    this.thread = Thread.ofPlatform()
        .name("brook-replica-fetcher-" + localBrokerId + "-from-" + leaderId + "-" + fetcherId).daemon()
        .unstarted(this::run);
    thread.start();
  }

  int leaderId() {
    return leaderId;
  }

  /** Which of the leader's fetchers this is, in [0, num.replica.fetchers). */
  int fetcherId() {
    return fetcherId;
  }

  /**
   * The fetcher (of {@code fetchers} per leader) that follows {@code tp}: a hash of the topic and
   * partition, as Kafka spreads partitions over {@code num.replica.fetchers}, so a partition keeps its
   * fetcher (and its place in that fetcher's session) across leadership changes of other partitions.
   */
  static int fetcherId(TopicPartition tp, int fetchers) {
    return ((31 * tp.topic().hashCode() + tp.partition()) & 0x7fffffff) % fetchers;
  }

  /** Starts (or restarts, in a new epoch) following {@code p}; truncating first when asked. */
  void add(Partition p, int leaderEpoch, boolean truncate) {
    applying.lock();
    try {
      partitions.put(p.topicPartition(), new FetchState(p, leaderEpoch, truncate));
    } finally {
      applying.unlock();
    }
    signal();
  }

  /** Stops following {@code tp}; once this returns, the fetcher no longer writes to it. */
  void remove(TopicPartition tp) {
    applying.lock();
    try {
      partitions.remove(tp);
    } finally {
      applying.unlock();
    }
  }

  boolean isEmpty() {
    return partitions.isEmpty();
  }

  /** The partitions this fetcher follows now (a copy). */
  java.util.Set<TopicPartition> followed() {
    return java.util.Set.copyOf(partitions.keySet());
  }

  boolean follows(TopicPartition tp) {
    return partitions.containsKey(tp);
  }

  private void signal() {
    wakeup.signal();
  }

  private void pause(long ms) {
    wakeup.pause(ms, () -> running);
  }

  private void run() {
    while (running) {
      try {
        if (partitions.isEmpty()) {
          pause(settings.backoffMs());
          continue;
        }
        if (client == null) connect();
        if (client == null) {
          pause(settings.backoffMs());
          continue;
        }
        reconcile();
        if (!fetch()) pause(Math.min(100, settings.backoffMs()));
      } catch (IOException | RuntimeException e) {
        if (running) {
          log.warn("replica fetcher {} <- {}: {}; reconnecting", localBrokerId, leaderId, e.toString());
          closeClient();
          pause(settings.backoffMs());
        }
      }
    }
    closeClient();
  }

  private void connect() throws IOException {
    Optional<BrokerEndpoint> ep = endpoints.apply(leaderId);
    if (ep.isEmpty()) return;
    client = new ReplicaClient(ep.get(), "brook-replica-" + localBrokerId, settings.socketTimeoutMs(),
        settings.socketTimeoutMs() + settings.maxWaitMs(), settings.connector());
  }

  private void closeClient() {
    if (client == null) return;
    try {
      client.close();
    } catch (IOException e) {
      log.debug("closing the connection to {}", leaderId, e);
    }
    client = null;
  }

  /** Truncates every partition still to be reconciled with the leader, by OffsetForLeaderEpoch. */
  private void reconcile() throws IOException {
    List<FetchState> todo = new ArrayList<>();
    for (FetchState st : partitions.values()) {
      if (st.truncating && st.delayedUntilMs <= clock.milliseconds()) todo.add(st);
    }
    if (todo.isEmpty()) return;
    OffsetForLeaderEpochRequestData req = new OffsetForLeaderEpochRequestData().setReplicaId(localBrokerId);
    Map<TopicPartition, FetchState> asked = new LinkedHashMap<>();
    for (FetchState st : todo) {
      int epoch = st.partition.latestLogEpoch();
      if (epoch < 0) { // nothing to reconcile: an empty log (or one with no epochs) just fetches
        st.truncating = false;
        continue;
      }
      TopicPartition tp = st.partition.topicPartition();
      OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t = req.topics().find(tp.topic());
      if (t == null) {
        t = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(tp.topic());
        req.topics().add(t);
      }
      t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
          .setPartition(tp.partition()).setCurrentLeaderEpoch(st.leaderEpoch).setLeaderEpoch(epoch));
      asked.put(tp, st);
    }
    if (asked.isEmpty()) return;
    OffsetsForLeaderEpochResponse resp =
        (OffsetsForLeaderEpochResponse) client.call(new OffsetsForLeaderEpochRequest(req, EPOCH_VERSION));
    for (OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult t : resp.data().topics()) {
      for (OffsetForLeaderEpochResponseData.EpochEndOffset r : t.partitions()) {
        FetchState st = asked.get(new TopicPartition(t.topic(), r.partition()));
        if (st == null) continue;
        Errors error = Errors.forCode(r.errorCode());
        if (error != Errors.NONE) {
          delay(st, error);
          continue;
        }
        truncate(st, new EpochEndOffset(r.leaderEpoch(), r.endOffset()), true);
      }
    }
  }

  /** Truncates {@code st}'s log as the leader's epoch end says; under the applying lock. */
  private void truncate(FetchState st, EpochEndOffset leaderEnd, boolean clearsTruncating) throws IOException {
    applying.lock();
    try {
      if (partitions.get(st.partition.topicPartition()) != st) return;
      Partition p = st.partition;
      Truncation t = Truncation.decide(leaderEnd, p::endOffsetForEpoch, p.logEndOffset(), p.highWatermark());
      p.truncateTo(t.offset());
      if (clearsTruncating && t.complete()) st.truncating = false;
    } finally {
      applying.unlock();
    }
  }

  private void delay(FetchState st, Errors error) {
    log.debug("{} from leader {}: {}; backing off", st.partition.topicPartition(), leaderId, error);
    st.delayedUntilMs = clock.milliseconds() + settings.backoffMs();
  }

  /** One Fetch for the reconciled partitions; false if there was nothing to fetch. */
  private boolean fetch() throws IOException {
    long now = clock.milliseconds();
    FetchRequestData req = new FetchRequestData()
        .setReplicaId(localBrokerId)
        .setMaxWaitMs(settings.maxWaitMs())
        .setMinBytes(settings.minBytes())
        .setMaxBytes(settings.responseMaxBytes())
        .setIsolationLevel((byte) 0)
        .setSessionId(0)
        .setSessionEpoch(-1);
    Map<TopicPartition, FetchState> asked = new LinkedHashMap<>();
    Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
    for (FetchState st : partitions.values()) {
      if (st.truncating || st.delayedUntilMs > now) continue;
      Partition p = st.partition;
      TopicPartition tp = p.topicPartition();
      topics.computeIfAbsent(tp.topic(), n -> new FetchRequestData.FetchTopic().setTopic(n)).partitions().add(
          new FetchRequestData.FetchPartition()
              .setPartition(tp.partition())
              .setCurrentLeaderEpoch(st.leaderEpoch)
              .setFetchOffset(p.logEndOffset())
              .setLastFetchedEpoch(p.latestLogEpoch())
              .setLogStartOffset(p.logStartOffset())
              .setPartitionMaxBytes(settings.partitionMaxBytes()));
      asked.put(tp, st);
    }
    if (asked.isEmpty()) return false;
    req.setTopics(new ArrayList<>(topics.values()));
    FetchResponse resp = (FetchResponse) client.call(new FetchRequest(req, FETCH_VERSION));
    if (resp.error() != Errors.NONE) {
      for (FetchState st : asked.values()) delay(st, resp.error());
      return true;
    }
    List<FetchState> outOfRange = new ArrayList<>();
    for (FetchResponseData.FetchableTopicResponse t : resp.data().responses()) {
      for (FetchResponseData.PartitionData pd : t.partitions()) {
        FetchState st = asked.get(new TopicPartition(t.topic(), pd.partitionIndex()));
        if (st == null) continue;
        Errors error = Errors.forCode(pd.errorCode());
        if (error == Errors.OFFSET_OUT_OF_RANGE) {
          outOfRange.add(st);
        } else if (error != Errors.NONE) {
          delay(st, error);
        } else {
          apply(st, pd);
        }
      }
    }
    for (FetchState st : outOfRange) handleOutOfRange(st);
    return true;
  }

  /** Appends one partition's fetched records, or truncates on a diverging epoch. */
  private void apply(FetchState st, FetchResponseData.PartitionData pd) throws IOException {
    if (pd.divergingEpoch().epoch() >= 0 && pd.divergingEpoch().endOffset() >= 0) {
      truncate(st, new EpochEndOffset(pd.divergingEpoch().epoch(), pd.divergingEpoch().endOffset()), false);
      return;
    }
    applying.lock();
    try {
      if (partitions.get(st.partition.topicPartition()) != st) return;
      Partition p = st.partition;
      if (pd.records() instanceof MemoryRecords m && m.sizeInBytes() > 0) {
        ByteBuffer whole = wholeBatches(m.buffer());
        if (whole.hasRemaining()) {
          if (RecordBatchHeader.baseOffset(whole, whole.position()) < p.logEndOffset()) {
            // A response to a fetch from before a truncation or a concurrent append: refetch.
            return;
          }
          p.appendAsFollower(whole);
        }
      }
      p.updateFollowerHighWatermark(pd.highWatermark());
      // The leader's log start moved (DeleteRecords, retention): follow it up to the HW.
      long start = Math.min(pd.logStartOffset(), p.highWatermark());
      if (start > p.logStartOffset()) p.deleteRecordsBefore(start);
    } finally {
      applying.unlock();
    }
  }

  /** The leading whole batches of {@code b} (a leader may cut the last one short). */
  private static ByteBuffer wholeBatches(ByteBuffer b) {
    int start = b.position();
    int at = start;
    while (at + RecordBatchHeader.LOG_OVERHEAD <= b.limit()) {
      int size = b.getInt(at + RecordBatchHeader.LENGTH) + RecordBatchHeader.LOG_OVERHEAD;
      if (size < RecordBatchHeader.SIZE || at + size > b.limit()) break;
      at += size;
    }
    return b.duplicate().position(start).limit(at).slice();
  }

  /**
   * The follower's fetch offset is outside the leader's log: past its end (truncate to the leader's
   * end) or before its start (restart the log at the leader's start).
   */
  private void handleOutOfRange(FetchState st) throws IOException {
    long leaderEnd = listOffset(st, ListOffsetsRequest.LATEST_TIMESTAMP);
    if (leaderEnd < 0) return;
    Partition p = st.partition;
    if (leaderEnd < p.logEndOffset()) {
      applying.lock();
      try {
        if (partitions.get(p.topicPartition()) == st) p.truncateTo(leaderEnd);
      } finally {
        applying.unlock();
      }
      return;
    }
    long leaderStart = listOffset(st, ListOffsetsRequest.EARLIEST_TIMESTAMP);
    if (leaderStart < 0) return;
    applying.lock();
    try {
      if (partitions.get(p.topicPartition()) == st && p.logEndOffset() < leaderStart) p.truncateFullyAndStartAt(leaderStart);
    } finally {
      applying.unlock();
    }
  }

  private long listOffset(FetchState st, long timestamp) throws IOException {
    TopicPartition tp = st.partition.topicPartition();
    List<ListOffsetsRequestData.ListOffsetsTopic> topics = new ArrayList<>();
    topics.add(new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic()).setPartitions(new ArrayList<>(List.of(
        new ListOffsetsRequestData.ListOffsetsPartition()
            .setPartitionIndex(tp.partition())
            .setCurrentLeaderEpoch(st.leaderEpoch)
            .setTimestamp(timestamp)))));
    ListOffsetsRequest req = ListOffsetsRequest.Builder.forReplica(LIST_OFFSETS_VERSION, localBrokerId)
        .setTargetTimes(topics)
        .build(LIST_OFFSETS_VERSION);
    ListOffsetsResponse resp = (ListOffsetsResponse) client.call(req);
    for (ListOffsetsResponseData.ListOffsetsTopicResponse t : resp.data().topics()) {
      for (ListOffsetsResponseData.ListOffsetsPartitionResponse r : t.partitions()) {
        Errors e = Errors.forCode(r.errorCode());
        if (e != Errors.NONE) {
          delay(st, e);
          return -1;
        }
        return r.offset();
      }
    }
    return -1;
  }

  @Override
  public void close() {
    running = false;
    signal();
    ReplicaClient c = client;
    if (c != null) {
      try {
        c.close(); // unblocks a read waiting on the leader's long poll
      } catch (IOException e) {
        log.debug("closing the connection to {}", leaderId, e);
      }
    }
    try {
      thread.join(settings.socketTimeoutMs() + settings.maxWaitMs() + 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn("replica fetcher {} <- {} did not stop in time", localBrokerId, leaderId);
    }
  }
}
