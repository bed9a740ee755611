package dev.brook.broker.replica;

import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Incremental fetch sessions (KIP-227). A full fetch with session epoch 0 may open a session that
 * remembers the partitions and their fetch parameters; later fetches with the session's id and next
 * epoch send only what changed (added/updated partitions, forgotten topics) and are answered with
 * only the partitions that have news (records, a new high watermark, last stable or log start
 * offset, or an error). Epoch -1 closes a session (the fetch itself is then sessionless).
 *
 * <p>At most {@code max.incremental.fetch.session.cache.slots} sessions are kept. When full, a new
 * session evicts the least recently used one idle for more than {@link #EVICTION_MS}, otherwise the
 * smallest session if it has fewer partitions than the new one, otherwise no session is opened
 * (session id 0: the client keeps making full fetches).
 *
 * <p>Thread-safe: the cache is guarded by itself; one session's partitions by the session (one
 * client uses a session sequentially, epochs enforce it).
 */
public final class FetchSessionCache {
  public static final int INVALID_SESSION_ID = 0;
  public static final int INITIAL_EPOCH = 0;
  public static final int FINAL_EPOCH = -1;
  /** Kafka's min.incremental.fetch.session.eviction.ms. */
  static final long EVICTION_MS = 120_000;

  /**
   * A partition of a fetch: by topic id (v13+, {@code topic} null) or by name (older versions,
   * {@code topicId} null).
   */
  public record PartitionKey(Uuid topicId, String topic, int partition) {}

  /** Resolves a topic id to the name this broker knows for it (null if unknown). */
  @FunctionalInterface
  public interface TopicNames {
    String nameOf(Uuid topicId);
  }

  /**
   * One partition's fetch parameters and, inside a session, what it was last answered with (to send
   * only changes). Mutated only by the session's current request.
   */
  public static final class FetchPartition {
    private final PartitionKey key;
    /** Null while the topic id is unknown here; resolved again on each request of the session. */
    private String topicName;
    long fetchOffset;
    int maxBytes;
    int currentLeaderEpoch;
    int lastFetchedEpoch;
    private long sentHighWatermark = -1;
    private long sentLastStableOffset = -1;
    private long sentLogStartOffset = -1;

    FetchPartition(PartitionKey key, String topicName, FetchRequestData.FetchPartition p) {
      this.key = key;
      this.topicName = topicName;
      update(p);
    }

    void update(FetchRequestData.FetchPartition p) {
      fetchOffset = p.fetchOffset();
      maxBytes = p.partitionMaxBytes();
      currentLeaderEpoch = p.currentLeaderEpoch();
      lastFetchedEpoch = p.lastFetchedEpoch();
    }

    public PartitionKey key() {
      return key;
    }

    /** The topic name, or null for a topic id this broker does not know. */
    public String topicName() {
      return topicName;
    }

    public long fetchOffset() {
      return fetchOffset;
    }

    public int maxBytes() {
      return maxBytes;
    }

    public int currentLeaderEpoch() {
      return currentLeaderEpoch;
    }

    public int lastFetchedEpoch() {
      return lastFetchedEpoch;
    }

    /**
     * Remembers what is being sent; true if an incremental response must include this partition.
     */
    public boolean recordSent(Errors error, long hw, long lso, long logStart, int recordBytes, boolean diverging) {
      boolean changed = hw != sentHighWatermark || lso != sentLastStableOffset || logStart != sentLogStartOffset;
      sentHighWatermark = hw;
      sentLastStableOffset = lso;
      sentLogStartOffset = logStart;
      return changed || recordBytes > 0 || error != Errors.NONE || diverging;
    }
  }

  /** A cached session. */
  public static final class Session {
    private final int id;
    private final boolean usesTopicIds;
    private final LinkedHashMap<PartitionKey, FetchPartition> partitions;
    private int nextEpoch = 1;
    private long lastUsedMs;
    /** What {@link #topicDecisions} holds decisions for; null before the first. */
    private Object decisionKey;
    private final Map<String, Boolean> decisions = new HashMap<>();

    Session(int id, boolean usesTopicIds, LinkedHashMap<PartitionKey, FetchPartition> partitions, long now) {
      this.id = id;
      this.usesTopicIds = usesTopicIds;
      this.partitions = partitions;
      this.lastUsedMs = now;
    }

    public int id() {
      return id;
    }

    public synchronized int size() {
      return partitions.size();
    }

    public synchronized int nextEpoch() {
      return nextEpoch;
    }

    /**
     * Per-topic decisions about this session's topics (the authorization rule's: may its
     * requester read the topic), valid while {@code key} stays equal; emptied when it changes (an
     * ACL changed, or another principal uses the session). The caller holds the session's lock.
     */
    public Map<String, Boolean> topicDecisions(Object key) {
      if (!key.equals(decisionKey)) {
        decisions.clear();
        decisionKey = key;
      }
      return decisions;
    }

    /** Moves a partition that returned records to the end, so every partition gets its turn. */
    public synchronized void moveToEnd(PartitionKey key) {
      FetchPartition p = partitions.remove(key);
      if (p != null) partitions.put(key, p);
    }
  }

  /**
   * How one fetch request relates to sessions: the partitions to read, in order; the session id to
   * answer with; whether to answer only changes; or a top-level error.
   */
  public record FetchContext(
      Errors error, int responseSessionId, boolean incremental, Session session, List<FetchPartition> partitions) {
    static FetchContext error(Errors e) {
      return new FetchContext(e, INVALID_SESSION_ID, false, null, List.of());
    }
  }

  private final int maxSlots;
  private final Clock clock;
  private final IntSupplier newSessionIds;
  private final Map<Integer, Session> sessions = new HashMap<>();

  public FetchSessionCache(int maxSlots, Clock clock, IntSupplier newSessionIds) {
    this.maxSlots = maxSlots;
    this.clock = clock;
    this.newSessionIds = newSessionIds;
  }

  /** Resolves {@code request} (of {@code version}) against the cache. */
  public FetchContext newContext(short version, FetchRequestData request, TopicNames names) {
    boolean byId = version >= 13;
    int sessionId = request.sessionId();
    int epoch = request.sessionEpoch();
    if (epoch == FINAL_EPOCH || epoch == INITIAL_EPOCH) {
      if (sessionId != INVALID_SESSION_ID) remove(sessionId);
      LinkedHashMap<PartitionKey, FetchPartition> parts = new LinkedHashMap<>();
      addAll(parts, request, byId, names);
      if (epoch == FINAL_EPOCH) {
        return new FetchContext(Errors.NONE, INVALID_SESSION_ID, false, null, new ArrayList<>(parts.values()));
      }
      Session s = maybeCreate(byId, parts);
      return new FetchContext(Errors.NONE, s == null ? INVALID_SESSION_ID : s.id, false, s, new ArrayList<>(parts.values()));
    }
    Session s;
    synchronized (this) {
      s = sessions.get(sessionId);
    }
    if (s == null) return FetchContext.error(Errors.FETCH_SESSION_ID_NOT_FOUND);
    synchronized (s) {
      if (s.nextEpoch != epoch) return FetchContext.error(Errors.INVALID_FETCH_SESSION_EPOCH);
      if (s.usesTopicIds != byId) return FetchContext.error(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
      addAll(s.partitions, request, byId, names);
      // A topic id unknown when the session began (a broker still opening its partitions after a
      // restart, or a follower just becoming leader) is looked up again, as Kafka does, instead of
      // answering UNKNOWN_TOPIC_ID for the session's whole life.
      for (FetchPartition fp : s.partitions.values()) {
        if (fp.topicName == null && fp.key.topicId() != null) fp.topicName = names.nameOf(fp.key.topicId());
      }
      for (FetchRequestData.ForgottenTopic f : request.forgottenTopicsData()) {
        for (int p : f.partitions()) {
          s.partitions.remove(byId ? new PartitionKey(f.topicId(), null, p) : new PartitionKey(null, f.topic(), p));
        }
      }
      s.nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
      s.lastUsedMs = clock.milliseconds();
      return new FetchContext(Errors.NONE, s.id, true, s, new ArrayList<>(s.partitions.values()));
    }
  }

  private static void addAll(
      Map<PartitionKey, FetchPartition> into, FetchRequestData request, boolean byId, TopicNames names) {
    for (FetchRequestData.FetchTopic t : request.topics()) {
      String name = byId ? names.nameOf(t.topicId()) : t.topic();
      for (FetchRequestData.FetchPartition p : t.partitions()) {
        PartitionKey key = byId ? new PartitionKey(t.topicId(), null, p.partition()) : new PartitionKey(null, t.topic(), p.partition());
        FetchPartition existing = into.get(key);
        if (existing != null) {
          existing.update(p);
        } else {
          into.put(key, new FetchPartition(key, name, p));
        }
      }
    }
  }

  private synchronized Session maybeCreate(boolean byId, LinkedHashMap<PartitionKey, FetchPartition> parts) {
    if (maxSlots <= 0) return null;
    long now = clock.milliseconds();
    if (sessions.size() >= maxSlots && !evictOne(now, parts.size())) return null;
    int id;
    do {
      id = newSessionIds.getAsInt();
    } while (id == INVALID_SESSION_ID || sessions.containsKey(id));
    Session s = new Session(id, byId, parts, now);
    sessions.put(id, s);
    return s;
  }

  private boolean evictOne(long now, int newSize) {
    Session stalest = null;
    Session smallest = null;
    for (Session s : sessions.values()) {
      if (stalest == null || s.lastUsedMs < stalest.lastUsedMs) stalest = s;
      if (smallest == null || s.size() < smallest.size()) smallest = s;
    }
    if (stalest != null && now - stalest.lastUsedMs > EVICTION_MS) {
      sessions.remove(stalest.id);
      return true;
    }
    if (smallest != null && smallest.size() < newSize) {
      sessions.remove(smallest.id);
      return true;
    }
    return false;
  }

  public synchronized void remove(int sessionId) {
    sessions.remove(sessionId);
  }

  public synchronized int size() {
    return sessions.size();
  }

  public synchronized boolean contains(int sessionId) {
    return sessions.containsKey(sessionId);
  }
}
