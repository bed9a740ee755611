package dev.brook.broker.api;

import dev.brook.broker.metrics.BrokerTopicMetrics;
import dev.brook.broker.network.SliceRecords;
import dev.brook.broker.replica.DelayedFetch;
import dev.brook.broker.replica.FetchIsolation;
import dev.brook.broker.replica.FetchSessionCache;
import dev.brook.broker.replica.FetchSessionCache.FetchContext;
import dev.brook.broker.replica.FetchSessionCache.FetchPartition;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.EpochEndOffset;
import dev.brook.storage.FileSlice;
import dev.brook.storage.LogReadResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetch, every version (v13+ by topic id): resolves the request against the fetch sessions, reads
 * each partition from its log within the partition and response byte limits (the first partition
 * with data always gets at least one whole batch), and answers with record bytes that stay in the
 * segment files ({@link SliceRecords}: zero-copy). When fewer than {@code min.bytes} are available
 * and nothing is wrong, the fetch waits ({@link DelayedFetch}) until appends satisfy it or {@code
 * max.wait.ms} passes.
 *
 * <p>Threads: a fetch runs on its connection's event loop, except a <em>cold</em> one. A fetch is
 * cold when one of its partitions is read below its recent tail ({@link
 * dev.brook.storage.PartitionLog#tailStartOffset}: the segments holding the last {@code
 * hotTailBytes}, the active one always included) from pages not all in the page cache ({@link
 * dev.brook.storage.PartitionLog#resident}, which asks the kernel without touching them): sendfile
 * on the event loop would wait for the disk, holding up every connection of the loop. A cold fetch
 * reads its partitions and then every cold byte range once on the background executor (reading
 * pages it into the page cache); the response is then sent, still zero-copy, from the event loop.
 * Recent data was written moments ago and is still cached, so a consumer keeping up never leaves
 * its loop; nor does one reading older data the page cache still holds (a consumer catching up on
 * what was written minutes ago, a benchmark's consume from offset 0), which costs no copy and no
 * thread hand-off.
 *
 * <p>With an authorizer, a consumer's fetch reads only the partitions whose topic the {@link
 * TopicGate} (READ, from {@link TopicRules#fetch}) allows, among all those the fetch covers: the
 * request's and, in an incremental fetch, the rest of its session. Kafka authorizes each of them on
 * every fetch, so a READ removed stops a session at its next fetch even with no new data; the
 * others answer TOPIC_AUTHORIZATION_FAILED, which an incremental answer always carries. The
 * decisions are cached in the session, per topic, until the ACLs change: a steady fetch asks the
 * authorizer nothing.
 */
public final class FetchHandler implements GatedHandler<FetchRequestData> {
  private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);

  /**
   * The recent tail of a partition read on the event loop: 64 MiB. Written within the last seconds
   * to minutes at the rates one partition takes (1–100 MB/s), so still in the page cache of any
   * broker whose memory holds 64 MiB per actively written partition; a consumer or follower that
   * keeps up reads only there. Anything older may have been evicted.
   */
  public static final long HOT_TAIL_BYTES = 64L << 20;

  /** Reused by each background thread to page cold ranges in; never escapes the thread. */
  private static final ThreadLocal<java.nio.ByteBuffer> PAGE_IN_BUFFER =
      ThreadLocal.withInitial(() -> java.nio.ByteBuffer.allocateDirect(256 << 10));

  private final LocalReplicaManager replicas;
  private final FetchSessionCache sessions;
  private final int nodeId;
  private final java.util.concurrent.Executor background;
  private final long hotTailBytes;
  private final BrokerTopicMetrics metrics;
  private final PageCache pageCache;

  /** Whether a partition's read below its recent tail is in the page cache; tests inject answers. */
  @FunctionalInterface
  public interface PageCache {
    /** The kernel's answer ({@link dev.brook.storage.PartitionLog#resident}). */
    PageCache KERNEL = dev.brook.storage.PartitionLog::resident;

    boolean resident(dev.brook.storage.PartitionLog log, long offset, int maxBytes);
  }

  /** A handler that reads everything on the calling thread (tools, tests of other concerns). */
  public FetchHandler(LocalReplicaManager replicas, FetchSessionCache sessions, int nodeId) {
    this(replicas, sessions, nodeId, null, Long.MAX_VALUE, BrokerTopicMetrics.disabled());
  }

  /** Counting consumers' fetches (bytes out) in Kafka's BrokerTopicMetrics. */
  public FetchHandler(LocalReplicaManager replicas, FetchSessionCache sessions, int nodeId, BrokerTopicMetrics metrics) {
    this(replicas, sessions, nodeId, null, Long.MAX_VALUE, metrics);
  }

  /**
   * @param background where cold fetches are read (the broker's {@code background.threads})
   * @param hotTailBytes how much of each partition's tail counts as recent ({@link #HOT_TAIL_BYTES})
   */
  public FetchHandler(LocalReplicaManager replicas, FetchSessionCache sessions, int nodeId,
      java.util.concurrent.Executor background, long hotTailBytes) {
    this(replicas, sessions, nodeId, background, hotTailBytes, BrokerTopicMetrics.disabled());
  }

  /** Cold fetches read on {@code background}, consumers' fetches counted in {@code metrics}. */
  public FetchHandler(LocalReplicaManager replicas, FetchSessionCache sessions, int nodeId,
      java.util.concurrent.Executor background, long hotTailBytes, BrokerTopicMetrics metrics) {
    this(replicas, sessions, nodeId, background, hotTailBytes, metrics, PageCache.KERNEL);
  }

  /** Below the recent tail, reads that {@code pageCache} says are resident stay on the calling thread. */
  public FetchHandler(LocalReplicaManager replicas, FetchSessionCache sessions, int nodeId,
      java.util.concurrent.Executor background, long hotTailBytes, BrokerTopicMetrics metrics, PageCache pageCache) {
    this.pageCache = pageCache;
    this.replicas = replicas;
    this.sessions = sessions;
    this.nodeId = nodeId;
    this.background = background;
    this.hotTailBytes = hotTailBytes;
    this.metrics = metrics;
  }

  /** One partition's read. */
  private record Read(
      FetchPartition request, Partition partition, Errors error, FileSlice records, long hw, long lso, long logStart,
      EpochEndOffset diverging) {}

  /** One attempt at reading every partition of the fetch. */
  private record Attempt(List<Read> reads, long bytes, boolean hasError) {}

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, FetchRequestData request, TopicGate gate) {
    short version = ctx.apiVersion();
    FetchContext fc = sessions.newContext(version, request, id -> replicas.topicName(id).orElse(null));
    if (fc.error() != Errors.NONE) {
      return CompletableFuture.completedFuture(
          new FetchResponseData().setErrorCode(fc.error().code()).setSessionId(FetchSessionCache.INVALID_SESSION_ID));
    }
    int replicaId = version >= 15 ? request.replicaState().replicaId() : request.replicaId();
    FetchIsolation isolation = FetchIsolation.of(replicaId, IsolationLevel.forId(request.isolationLevel()));
    int maxBytes = request.maxBytes();
    List<FetchPartition> plan = fc.partitions();
    boolean[] refused = gate == TopicGate.OPEN ? null : refused(fc, gate);
    if (background != null && anyCold(plan, refused)) {
      return CompletableFuture.supplyAsync(() -> pageIn(readAll(plan, refused, maxBytes, isolation, replicaId)), background)
          .thenCompose(first -> answer(version, request, fc, isolation, plan, refused, replicaId, first));
    }
    return answer(version, request, fc, isolation, plan, refused, replicaId,
        readAll(plan, refused, maxBytes, isolation, replicaId));
  }

  /**
   * Which partitions of the plan the gate refuses (null: none), asking it once per topic and, in
   * a session, only for topics whose decision the session does not hold for the gate's key.
   */
  private static boolean[] refused(FetchContext fc, TopicGate gate) {
    if (fc.session() == null) return refused(fc.partitions(), gate, null);
    synchronized (fc.session()) {
      return refused(fc.partitions(), gate, fc.session().topicDecisions(gate.decisionKey()));
    }
  }

  private static boolean[] refused(List<FetchPartition> plan, TopicGate gate, Map<String, Boolean> decisions) {
    boolean[] refused = null;
    String topic = null;
    boolean allowed = true;
    for (int i = 0; i < plan.size(); i++) {
      String name = plan.get(i).topicName();
      if (name == null) continue; // an unknown topic id answers UNKNOWN_TOPIC_ID, authorized or not (Kafka too)
      if (!name.equals(topic)) { // a session's partitions come mostly grouped by topic
        topic = name;
        Boolean d = decisions == null ? null : decisions.get(name);
        if (d == null) {
          d = gate.allows(name);
          if (decisions != null) decisions.put(name, d);
        }
        allowed = d;
      }
      if (!allowed) {
        if (refused == null) refused = new boolean[plan.size()];
        refused[i] = true;
      }
    }
    return refused;
  }

  /** Answers with the first attempt's reads, or parks the fetch until min.bytes are there. */
  private CompletableFuture<ApiMessage> answer(short version, FetchRequestData request, FetchContext fc,
      FetchIsolation isolation, List<FetchPartition> plan, boolean[] refused, int replicaId, Attempt first) {
    int maxBytes = request.maxBytes();
    // A fetch of no partitions has nothing to wait for: above all the one a consumer sends from
    // close() to end its fetch session (epoch -1, no partitions), which would otherwise hold up the
    // close by fetch.max.wait.ms. Kafka answers it at once too.
    if (request.maxWaitMs() <= 0 || plan.isEmpty() || first.bytes >= request.minBytes() || first.hasError) {
      return CompletableFuture.completedFuture(respond(version, fc, isolation, first));
    }
    Map<Partition, FetchPartition> watched = new LinkedHashMap<>();
    for (Read r : first.reads) {
      if (r.partition != null) watched.putIfAbsent(r.partition, r.request);
    }
    // Every partition refused: nothing to wait for (Kafka answers at once when none is readable).
    if (watched.isEmpty()) return CompletableFuture.completedFuture(respond(version, fc, isolation, first));
    return DelayedFetch.park(
        replicas,
        List.copyOf(watched.keySet()),
        request.maxWaitMs(),
        p -> available(p, watched.get(p), isolation),
        request.minBytes(),
        () -> respond(version, fc, isolation, readAll(plan, refused, maxBytes, isolation, replicaId)));
  }

  /** Whether a partition of the plan is read below its recent tail from pages not all cached. */
  private boolean anyCold(List<FetchPartition> plan, boolean[] refused) {
    for (int i = 0; i < plan.size(); i++) {
      if ((refused == null || !refused[i]) && coldPartition(plan.get(i)) != null) return true;
    }
    return false;
  }

  /**
   * The partition {@code fp} reads below its recent tail from pages not all in the page cache, or
   * null. The partition's own limit bounds its read whatever the response's budget leaves it.
   */
  private Partition coldPartition(FetchPartition fp) {
    if (fp.topicName() == null) return null;
    Partition p = replicas.partition(new TopicPartition(fp.topicName(), fp.key().partition())).orElse(null);
    if (p == null || p.isOffline()) return null;
    long offset = fp.fetchOffset();
    boolean cold = offset < p.log().tailStartOffset(hotTailBytes) && !pageCache.resident(p.log(), offset, fp.maxBytes());
    return cold ? p : null;
  }

  /**
   * On the background executor: reads every cold range of {@code attempt} once into a reused
   * buffer, so the event loop's sendfile finds it in the page cache.
   */
  private Attempt pageIn(Attempt attempt) {
    java.nio.ByteBuffer buf = PAGE_IN_BUFFER.get();
    for (Read r : attempt.reads) {
      FileSlice s = r.records;
      if (s.isEmpty() || coldPartition(r.request) == null) continue;
      long pos = s.position();
      long end = pos + s.length();
      try {
        while (pos < end) {
          buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
          int n = s.channel().read(buf, pos);
          if (n < 0) break;
          pos += n;
        }
      } catch (IOException e) {
        // Only a hint to the page cache: the send reads the same range and reports what fails.
        log.debug("paging in {} bytes of {} failed", s.length(), r.partition.topicPartition(), e);
      }
    }
    return attempt;
  }

  /** Bytes a parked fetch could read from {@code p} now, or DelayedFetch.ERROR to answer at once. */
  private static long available(Partition p, FetchPartition fp, FetchIsolation isolation) {
    if (p.checkLeadership(fp.currentLeaderEpoch()) != Errors.NONE) return DelayedFetch.ERROR;
    try {
      LogReadResult r = p.read(fp.fetchOffset(), Math.max(0, fp.maxBytes()), isolation, true);
      return r.outOfRange() ? DelayedFetch.ERROR : r.records().length();
    } catch (IOException | RuntimeException e) {
      return DelayedFetch.ERROR;
    }
  }

  private Attempt readAll(
      List<FetchPartition> plan, boolean[] refused, int maxResponseBytes, FetchIsolation isolation, int replicaId) {
    List<Read> reads = new ArrayList<>(plan.size());
    long budget = maxResponseBytes;
    boolean minOneBatch = true;
    long total = 0;
    boolean hasError = false;
    for (int i = 0; i < plan.size(); i++) {
      FetchPartition fp = plan.get(i);
      if (refused != null && refused[i]) {
        // Not read, not watched; it does not cut a long poll short either (Kafka's fetch waits
        // for the partitions it may read).
        reads.add(error(fp, null, Errors.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      Read r = readOne(fp, (int) Math.max(0, Math.min(fp.maxBytes(), budget)), isolation, minOneBatch, replicaId);
      int n = r.records.length();
      if (n > 0) {
        minOneBatch = false;
        budget -= n;
        total += n;
      }
      hasError |= r.error != Errors.NONE || r.diverging != null;
      reads.add(r);
    }
    return new Attempt(reads, total, hasError);
  }

  private Read readOne(FetchPartition fp, int maxBytes, FetchIsolation isolation, boolean minOneBatch, int replicaId) {
    Optional<Partition> found = fp.topicName() == null
        ? Optional.empty()
        : replicas.partition(new TopicPartition(fp.topicName(), fp.key().partition()));
    if (found.isEmpty()) {
      Errors e = fp.key().topicId() != null && fp.topicName() == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
      return error(fp, null, e);
    }
    Partition p = found.get();
    if (p.isOffline()) return error(fp, p, Errors.KAFKA_STORAGE_ERROR); // its log directory failed
    Errors epochError = p.checkLeadership(fp.currentLeaderEpoch());
    if (epochError != Errors.NONE) return error(fp, p, epochError);
    if (fp.lastFetchedEpoch() >= 0) {
      EpochEndOffset end = p.endOffsetForEpoch(fp.lastFetchedEpoch());
      if (end.leaderEpoch() < fp.lastFetchedEpoch() || end.endOffset() < fp.fetchOffset()) {
        return new Read(fp, p, Errors.NONE, FileSlice.EMPTY, p.highWatermark(), p.lastStableOffset(), p.logStartOffset(), end);
      }
    }
    if (replicaId >= 0) {
      // A follower's fetch at fetchOffset says it holds everything below: ISR and HW may move.
      Errors e = p.recordFollowerFetch(replicaId, fp.fetchOffset(), replicas.clock().milliseconds());
      if (e != Errors.NONE) return error(fp, p, e);
    }
    long hw = p.highWatermark();
    long lso = p.lastStableOffset();
    try {
      LogReadResult r = p.read(fp.fetchOffset(), maxBytes, isolation, minOneBatch);
      if (r.outOfRange()) return error(fp, p, Errors.OFFSET_OUT_OF_RANGE);
      return new Read(fp, p, Errors.NONE, r.records(), hw, lso, r.logStartOffset(), null);
    } catch (IOException | RuntimeException e) {
      if (replicas.partition(p.topicPartition()).isEmpty()) return error(fp, null, Errors.UNKNOWN_TOPIC_OR_PARTITION);
      log.warn("fetch from {} at {} failed", p.topicPartition(), fp.fetchOffset(), e);
      return error(fp, p, Errors.KAFKA_STORAGE_ERROR);
    }
  }

  private static Read error(FetchPartition fp, Partition p, Errors e) {
    return new Read(fp, p, e, FileSlice.EMPTY, -1, -1, -1, null);
  }

  private FetchResponseData respond(short version, FetchContext fc, FetchIsolation isolation, Attempt attempt) {
    FetchResponseData resp = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(fc.responseSessionId());
    FetchableTopicResponse topic = null;
    for (Read r : attempt.reads) {
      FetchPartition fp = r.request;
      if (fc.session() != null) {
        boolean mustRespond;
        synchronized (fc.session()) {
          mustRespond = fp.recordSent(r.error, r.hw, r.lso, r.logStart, r.records.length(), r.diverging != null);
        }
        if (fc.incremental() && !mustRespond) continue;
        if (fc.incremental() && r.records.length() > 0) fc.session().moveToEnd(fp.key());
      }
      if (topic == null || !sameTopic(topic, fp, version)) {
        topic = new FetchableTopicResponse();
        if (version >= 13) {
          topic.setTopicId(fp.key().topicId());
        } else {
          topic.setTopic(fp.key().topic());
        }
        resp.responses().add(topic);
      }
      topic.partitions().add(partitionData(resp, r, isolation, version));
      if (isolation != FetchIsolation.LOG_END && fp.topicName() != null) {
        metrics.fetched(fp.topicName(), r.error == Errors.NONE ? r.records.length() : -1);
      }
    }
    return resp;
  }

  /** KIP-951 (v16+): the endpoint of a leader named in currentLeader, once per response. */
  private void addEndpoint(FetchResponseData resp, int leader, Partition p) {
    if (resp.nodeEndpoints().find(leader) != null) return;
    replicas.leaderEndpoint(p).ifPresent(ep -> resp.nodeEndpoints().add(new FetchResponseData.NodeEndpoint()
        .setNodeId(leader).setHost(ep.host()).setPort(ep.port()).setRack(ep.rack())));
  }

  /** The aborted transactions overlapping the records returned (txn area). */
  private static List<FetchResponseData.AbortedTransaction> abortedTransactions(Read r) {
    List<FetchResponseData.AbortedTransaction> out = new ArrayList<>();
    if (r.partition == null || r.records.isEmpty()) return out;
    for (dev.brook.storage.TxnIndex.AbortedTxn a : r.partition.abortedTransactions(r.request.fetchOffset(), Math.max(r.lso, r.partition.lastStableOffset()))) {
      out.add(new FetchResponseData.AbortedTransaction().setProducerId(a.producerId()).setFirstOffset(a.firstOffset()));
    }
    return out;
  }

  private static boolean sameTopic(FetchableTopicResponse t, FetchPartition fp, short version) {
    return version >= 13 ? t.topicId().equals(fp.key().topicId()) : t.topic().equals(fp.key().topic());
  }

  private PartitionData partitionData(FetchResponseData resp, Read r, FetchIsolation isolation, short version) {
    PartitionData pd = new PartitionData()
        .setPartitionIndex(r.request.key().partition())
        .setErrorCode(r.error.code())
        .setHighWatermark(r.hw)
        .setLastStableOffset(r.lso)
        .setLogStartOffset(r.logStart)
        .setPreferredReadReplica(-1)
        .setAbortedTransactions(isolation == FetchIsolation.TXN_COMMITTED && r.error == Errors.NONE ? abortedTransactions(r) : null)
        .setRecords(r.records.isEmpty() ? MemoryRecords.EMPTY : new SliceRecords(r.records));
    if (r.diverging != null) {
      pd.divergingEpoch().setEpoch(r.diverging.leaderEpoch()).setEndOffset(r.diverging.endOffset());
    }
    if (version >= 12 && (r.error == Errors.FENCED_LEADER_EPOCH || r.error == Errors.NOT_LEADER_OR_FOLLOWER) && r.partition != null) {
      int leader = r.partition.leaderId() >= 0 ? r.partition.leaderId() : nodeId;
      if (r.partition.isLeader() || leader != nodeId) {
        pd.currentLeader().setLeaderId(leader).setLeaderEpoch(r.partition.leaderEpoch());
        if (version >= 16) addEndpoint(resp, leader, r.partition);
      }
    }
    return pd;
  }
}
