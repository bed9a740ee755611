package dev.brook.broker.mirror;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.FetcherWakeup;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaClient;
import dev.brook.storage.RecordBatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.IsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the mirror partitions whose source partitions one source broker leads, over one
 * connection, and appends what comes back verbatim to the mirror partitions this broker leads
 * ({@link Partition#appendAsMirror}). It fetches as a consumer would (replica id -1,
 * read_uncommitted): the source answers up to its high watermark, so only records committed on the
 * source are mirrored, with aborted transactions' batches and every control batch, which is what
 * makes a read_committed consumer of the mirror see exactly what it sees on the source.
 *
 * <p>Each partition is fetched at its own log end, which is therefore the mirror's position: a
 * restart resumes where the log ends, with nothing kept elsewhere. OFFSET_OUT_OF_RANGE asks the
 * source for its log start and end: a mirror behind the source's start restarts its log there (the
 * source deleted those records); a mirror past the source's end (the source lost records, an unclean
 * election) is truncated to it.
 *
 * <p>Threading: the fetcher thread alone does I/O and appends. The {@link MirrorManager}'s thread adds
 * and removes partitions; {@link #remove} returns only when no append to that partition is under way
 * (the {@code applying} lock, never held across network I/O). A partition the source no longer leads
 * here is marked {@link Mirrored#lost} for the manager to move.
 */
final class MirrorFetcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MirrorFetcher.class);
  private static final short FETCH_VERSION = 12; // topic names; Kafka 4.x and Brook both serve it
  private static final short LIST_OFFSETS_VERSION = 4;

  /** How the fetcher fetches: the link's fetch settings. */
  record Settings(int maxWaitMs, int maxBytes, int partitionMaxBytes, int requestTimeoutMs, long backoffMs,
      BrokerConnector connector) {
    static Settings of(MirrorLink link) {
      return new Settings(link.intConfig("fetch.max.wait.ms", 500), link.intConfig("fetch.max.bytes", 50 * 1024 * 1024),
          link.intConfig("max.partition.fetch.bytes", 1024 * 1024), link.intConfig("request.timeout.ms", 30_000), 500,
          link.connector());
    }
  }

  /** One mirror partition this fetcher fills: the target partition (led here) and its source partition. */
  static final class Mirrored {
    final Partition partition;
    final TopicPartition source;
    /** The source's high watermark in its last answer, -1 before one. */
    volatile long sourceHighWatermark = -1;
    /** When the source last answered for this partition (System.nanoTime), 0 before. */
    volatile long answeredAtNanos;
    /** The source does not lead it on this fetcher's broker (any more), or does not know it. */
    volatile boolean lost;
    volatile long delayedUntilNanos;
    /** The source (or its token endpoint) refused the link's credentials at the last connection; cleared by an answer. */
    volatile boolean authenticationFailed;

    Mirrored(Partition partition, TopicPartition source) {
      this.partition = partition;
      this.source = source;
    }
  }

  private final String linkName;
  private final BrokerEndpoint sourceBroker;
  private final Settings settings;
  private final String clientId;
  private final Map<TopicPartition, Mirrored> partitions = new ConcurrentHashMap<>(); // by target partition
  private final ReentrantLock applying = new ReentrantLock();
  private final FetcherWakeup wakeup = new FetcherWakeup();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile ReplicaClient client; // opened and used by the fetcher thread; close() may close it

  MirrorFetcher(String linkName, BrokerEndpoint sourceBroker, Settings settings, String clientId) {
    this.linkName = linkName;
    this.sourceBroker = sourceBroker;
    this.settings = settings;
    this.clientId = clientId;
    this.thread = Thread.ofPlatform().name("brook-mirror-fetcher-" + linkName + "-" + sourceBroker.id()).daemon()
        .unstarted(this::run);
    thread.start();
  }

  BrokerEndpoint sourceBroker() {
    return sourceBroker;
  }

  void add(Mirrored m) {
    applying.lock();
    try {
      partitions.put(m.partition.topicPartition(), m);
    } finally {
      applying.unlock();
    }
    signal();
  }

  /** Stops filling {@code tp}; once this returns the fetcher no longer appends to it. */
  void remove(TopicPartition tp) {
    applying.lock();
    try {
      partitions.remove(tp);
    } finally {
      applying.unlock();
    }
  }

  Map<TopicPartition, Mirrored> partitions() {
    return Map.copyOf(partitions);
  }

  boolean isEmpty() {
    return partitions.isEmpty();
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
        if (client == null) {
          client = new ReplicaClient(sourceBroker, clientId, settings.requestTimeoutMs(),
              settings.requestTimeoutMs() + settings.maxWaitMs(), settings.connector());
        }
        if (!fetch()) pause(Math.min(100, settings.backoffMs()));
      } catch (IOException | RuntimeException e) {
        boolean refused = e instanceof dev.brook.broker.security.AuthenticationFailedException;
        for (Mirrored m : partitions.values()) m.authenticationFailed = refused;
        if (running) {
          log.warn("mirror fetcher of link {} <- source broker {} ({}:{}): {}; reconnecting", linkName, sourceBroker.id(),
              sourceBroker.host(), sourceBroker.port(), e.toString());
          closeClient();
          pause(settings.backoffMs());
        }
      }
    }
    closeClient();
  }

  private void closeClient() {
    ReplicaClient c = client;
    client = null;
    if (c == null) return;
    try {
      c.close();
    } catch (IOException e) {
      log.debug("closing the connection to source broker {}", sourceBroker.id(), e);
    }
  }

  /** One Fetch for every partition not lost or backing off; false if there was none to fetch. */
  private boolean fetch() throws IOException {
    long now = System.nanoTime();
    FetchRequestData req = new FetchRequestData()
        .setReplicaId(-1)
        .setMaxWaitMs(settings.maxWaitMs())
        .setMinBytes(1)
        .setMaxBytes(settings.maxBytes())
        .setIsolationLevel(IsolationLevel.READ_UNCOMMITTED.id())
        .setSessionId(0)
        .setSessionEpoch(-1);
    Map<TopicPartition, Mirrored> asked = new LinkedHashMap<>(); // by source partition
    Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
    for (Mirrored m : partitions.values()) {
      if (m.lost || m.delayedUntilNanos - now > 0) continue;
      topics.computeIfAbsent(m.source.topic(), n -> new FetchRequestData.FetchTopic().setTopic(n)).partitions().add(
          new FetchRequestData.FetchPartition()
              .setPartition(m.source.partition())
              .setCurrentLeaderEpoch(-1)
              .setFetchOffset(m.partition.logEndOffset())
              .setLastFetchedEpoch(-1)
              .setLogStartOffset(-1)
              .setPartitionMaxBytes(settings.partitionMaxBytes()));
      asked.put(m.source, m);
    }
    if (asked.isEmpty()) return false;
    req.setTopics(new ArrayList<>(topics.values()));
    FetchResponse resp = (FetchResponse) client.call(new FetchRequest(req, FETCH_VERSION));
    if (resp.error() != Errors.NONE) {
      for (Mirrored m : asked.values()) delay(m, resp.error());
      return true;
    }
    List<Mirrored> outOfRange = new ArrayList<>();
    for (FetchResponseData.FetchableTopicResponse t : resp.data().responses()) {
      for (FetchResponseData.PartitionData pd : t.partitions()) {
        Mirrored m = asked.get(new TopicPartition(t.topic(), pd.partitionIndex()));
        if (m == null) continue;
        Errors error = Errors.forCode(pd.errorCode());
        switch (error) {
          case NONE -> apply(m, pd);
          case OFFSET_OUT_OF_RANGE -> outOfRange.add(m);
          case NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
              REPLICA_NOT_AVAILABLE, LEADER_NOT_AVAILABLE -> {
            log.debug("link {}: {} from source broker {}: {}", linkName, m.source, sourceBroker.id(), error);
            m.lost = true;
          }
          default -> delay(m, error);
        }
      }
    }
    for (Mirrored m : outOfRange) handleOutOfRange(m);
    return true;
  }

  private void delay(Mirrored m, Errors error) {
    log.warn("link {}: fetching {} from source broker {}: {}; backing off", linkName, m.source, sourceBroker.id(), error);
    m.delayedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.backoffMs());
  }

  /** Appends one partition's fetched batches at the source's offsets. */
  private void apply(Mirrored m, FetchResponseData.PartitionData pd) throws IOException {
    applying.lock();
    try {
      if (partitions.get(m.partition.topicPartition()) != m) return;
      Partition p = m.partition;
      // Leadership moved (a cluster): nothing more is appended here; the manager takes the partition
      // away on its next tick, and the new leader fetches from its own log end.
      if (!p.isLeader()) return;
      if (pd.records() instanceof MemoryRecords records && records.sizeInBytes() > 0) {
        ByteBuffer whole = fromLogEnd(wholeBatches(records.buffer()), p);
        if (whole != null && whole.hasRemaining()) {
          // The bytes come from another cluster and go to disk verbatim: a batch whose CRC does not
          // match is never appended (as Kafka checks follower batches); nothing of the response is.
          int bad = firstCorruptBatch(whole);
          if (bad >= 0) {
            log.error("link {}: {} answered a batch with a bad CRC at offset {}; nothing appended, retrying",
                linkName, m.source, RecordBatchHeader.baseOffset(whole, bad));
            delay(m, Errors.CORRUPT_MESSAGE);
            return;
          }
          p.appendAsMirror(whole);
        }
      }
      m.sourceHighWatermark = pd.highWatermark();
      m.answeredAtNanos = System.nanoTime();
      m.authenticationFailed = false;
    } finally {
      applying.unlock();
    }
  }

  /**
   * The batches of {@code b} at or after {@code p}'s log end. The source answers with the whole batch
   * holding the fetch offset, which starts below it only when the mirror's log starts inside a source
   * batch (it was restarted at a source log start moved by DeleteRecords): an empty log then restarts
   * at that batch's base offset; null means nothing can be appended (logged).
   */
  private ByteBuffer fromLogEnd(ByteBuffer b, Partition p) throws IOException {
    int at = b.position();
    long end = p.logEndOffset();
    while (at + RecordBatchHeader.LOG_OVERHEAD <= b.limit()) {
      int size = b.getInt(at + RecordBatchHeader.LENGTH) + RecordBatchHeader.LOG_OVERHEAD;
      long base = RecordBatchHeader.baseOffset(b, at);
      long last = base + RecordBatchHeader.lastOffsetDelta(b, at);
      if (last >= end) {
        if (base < end) {
          if (p.logEndOffset() != p.logStartOffset()) {
            log.warn("link {}: {} ends at {} inside source batch {}..{}; skipping the partition's data", linkName,
                p.topicPartition(), end, base, last);
            return null;
          }
          p.truncateFullyAndStartAt(base);
        }
        return b.duplicate().position(at).limit(b.limit()).slice();
      }
      at += size;
    }
    return null;
  }

  /** The position of the first batch of {@code b} whose CRC does not match, or -1. */
  static int firstCorruptBatch(ByteBuffer b) {
    for (int at = b.position(); at < b.limit(); at += RecordBatchHeader.sizeInBytes(b, at)) {
      if (!RecordBatchHeader.isCrcValid(b, at)) return at;
    }
    return -1;
  }

  /** The leading whole batches of {@code b} (a broker may cut the last one short). */
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

  /** The mirror's log end is outside the source's log: restart at its start or truncate to its end. */
  private void handleOutOfRange(Mirrored m) throws IOException {
    long sourceEnd = listOffset(m, ListOffsetsRequest.LATEST_TIMESTAMP);
    long sourceStart = sourceEnd < 0 ? -1 : listOffset(m, ListOffsetsRequest.EARLIEST_TIMESTAMP);
    if (sourceStart < 0) return;
    applying.lock();
    try {
      if (partitions.get(m.partition.topicPartition()) != m) return;
      Partition p = m.partition;
      if (!p.isLeader()) return; // a follower's log is the leader's to change
      if (sourceEnd < p.logEndOffset()) {
        log.warn("link {}: source {} ends at {}, below mirror {}'s end {}: truncating the mirror (the source lost records)",
            linkName, m.source, sourceEnd, p.topicPartition(), p.logEndOffset());
        p.truncateTo(sourceEnd);
      } else if (p.logEndOffset() < sourceStart) {
        log.info("link {}: source {} starts at {}, past mirror {}'s end {}: restarting the mirror's log there", linkName,
            m.source, sourceStart, p.topicPartition(), p.logEndOffset());
        p.truncateFullyAndStartAt(sourceStart);
      }
    } finally {
      applying.unlock();
    }
  }

  private long listOffset(Mirrored m, long timestamp) throws IOException {
    List<ListOffsetsRequestData.ListOffsetsTopic> topics = new ArrayList<>();
    topics.add(new ListOffsetsRequestData.ListOffsetsTopic().setName(m.source.topic()).setPartitions(new ArrayList<>(List.of(
        new ListOffsetsRequestData.ListOffsetsPartition()
            .setPartitionIndex(m.source.partition())
            .setCurrentLeaderEpoch(-1)
            .setTimestamp(timestamp)))));
    ListOffsetsRequest req = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
        .setTargetTimes(topics)
        .build(LIST_OFFSETS_VERSION);
    ListOffsetsResponse resp = (ListOffsetsResponse) client.call(req);
    for (ListOffsetsResponseData.ListOffsetsTopicResponse t : resp.data().topics()) {
      for (ListOffsetsResponseData.ListOffsetsPartitionResponse r : t.partitions()) {
        Errors e = Errors.forCode(r.errorCode());
        if (e != Errors.NONE) {
          delay(m, e);
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
        c.close(); // unblocks a read waiting on the source's long poll
      } catch (IOException e) {
        log.debug("closing the connection to source broker {}", sourceBroker.id(), e);
      }
    }
    try {
      thread.join(settings.requestTimeoutMs() + settings.maxWaitMs() + 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
