package dev.brook.broker.mirror;

import dev.brook.broker.admin.MirrorTopicRules;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.MetadataStore;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.TopicConfigs;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.LeadershipListener;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offset-preserving mirror topics (issue 19 part 4): this broker, as the leader of a mirror topic's
 * partitions, fetches them from the source cluster over the topic's cluster link and appends the
 * source's batches at the source's offsets ({@link MirrorFetcher}); copies the source groups'
 * committed offsets for mirrored partitions unchanged; makes each mirror topic's configs follow its
 * source topic's (every {@code topic.config.sync.ms}); and promotes a mirror topic (stops fetching
 * at a batch boundary, aborts the transactions the source left open in it, starts a leader epoch
 * above every mirrored batch's, makes the topic writable).
 *
 * <p>State and who changes it: links live in the {@link MirrorLinkStore}, mirror topics are topics
 * with {@code mirror.*} configs in the {@link MetadataStore}. The manager's own thread ({@code
 * brook-mirror}) owns the fetchers, the assignment of led mirror partitions to them, the source
 * metadata and the offset sync; leadership changes only mark the partitions. Link and promote
 * requests come on the topic admin's thread; a promote takes its partitions from the fetchers itself,
 * under the assignment lock, so it never waits for the manager's thread (which may be waiting on a
 * source that is gone).
 *
 * <p>In a ZooKeeper cluster every broker runs a manager: links are in ZooKeeper (every broker sees
 * them), each partition is fetched by its current leader only (a leader that resigns stops, and the
 * new leader resumes at its own log end, which replication made a prefix of the old leader's), and
 * followers replicate the mirror topic from the leader as any topic. A promote there is carried out
 * by the partitions' leaders: the broker that takes the request sets {@code mirror.state=promoting}
 * (cluster-wide, still read-only), each leader catches up, stops, starts a leader epoch above the
 * source's, aborts the source's open transactions and records its partition done on the {@link
 * PromotionBoard}; when every partition is, the request stores {@code promoted}. A leader copies its
 * partitions' group offsets to each group's coordinator, on this broker or sent to another
 * ({@link GroupOffsetCopier}, {@link CoordinatorCommits}); a promote's leaders raise the cluster's producer-id floor, so no
 * broker hands out a mirrored producer id afterwards; {@link #status} gathers each partition's
 * state from its leader ({@link MirrorStatusGatherer}).
 *
 * <p>A mirror topic whose source topic was deleted (or deleted and created again) is left out of
 * the fetchers from the metadata refresh that finds it ({@link SourceDeletedMirrors}).
 */
public final class MirrorManager implements MirrorTopicRules, LeadershipListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MirrorManager.class);
  private static final long TICK_MS = 200;
  /** How long a promote waits for the mirror to catch up with the source before it stops fetching. */
  static final long PROMOTE_CATCH_UP_MS = Long.getLong("brook.mirror.promote.catch.up.ms", 10_000L);

  /** What a promote needs from the rest of the broker (the controller's leader epochs, producer ids). */
  public interface Promotion {
    /** Starts a leader epoch of {@code tp} at least {@code atLeast}, led here; returns once the partition here is in it. */
    void newLeaderEpoch(TopicPartition tp, int atLeast) throws IOException;

    /** Makes every producer id up to {@code producerId} taken (the source's ids are now in this cluster's logs). */
    void reserveProducerIds(long producerId) throws IOException;
  }

  /** Grows a mirror topic to the source's partition count (asynchronously, on the topic admin's thread). */
  @FunctionalInterface
  public interface Growth {
    void growTo(String topic, int partitions);
  }

  /** Replaces a mirror topic's configs (asynchronously, on the topic admin's thread). */
  @FunctionalInterface
  public interface ConfigSync {
    void replaceConfigs(String topic, Map<String, String> configs);
  }

  /**
   * Source topic configs a mirror topic does not take: MirrorMaker 2's default {@code
   * config.properties.exclude} (replication throttles, timestamp type and difference,
   * unclean.leader.election.enable, min.insync.replicas: the target cluster's own business), and a
   * source mirror topic's {@code mirror.*} keys (a chain of links: this topic has its own).
   */
  static final Pattern CONFIGS_NOT_FOLLOWED = Pattern.compile("follower\\.replication\\.throttled\\.replicas"
      + "|leader\\.replication\\.throttled\\.replicas|message\\.timestamp\\.difference\\.max\\.ms"
      + "|message\\.timestamp\\.type|unclean\\.leader\\.election\\.enable|min\\.insync\\.replicas|mirror\\..*");

  /**
   * A cluster target's way to the other brokers: the cluster state (leaders, broker endpoints), how
   * to connect to their inter-broker listener, and which broker coordinates a group (empty: none
   * live now).
   */
  public record Peers(ClusterState state, BrokerConnector connector, Function<String, Optional<Integer>> groupCoordinator) {}

  /** Socket timeout of a request to another broker (a copied commit, a status question). */
  static final int PEER_TIMEOUT_MS = 10_000;

  /** One link's live state; owned by the manager's thread. */
  private static final class LinkState {
    final MirrorLink link;
    final SourceCluster source;
    final Map<Integer, MirrorFetcher> fetchers = new HashMap<>();
    final Map<TopicPartition, Node> leaders = new HashMap<>(); // source partition -> its leader
    long metadataAtNanos;
    boolean metadataStale = true;
    long metadataFailedAtNanos;
    /** When each growth ("topic:count") was last asked for: asked again only after 30 s (a failed one). */
    final Map<String, Long> growthAskedAtNanos = new HashMap<>();
    long configsSyncedAtNanos;
    /** When each config change ("topic" → wanted configs) was last asked for: asked again only after 30 s. */
    final Map<String, Map.Entry<Map<String, String>, Long>> configsAsked = new HashMap<>();
    /** Copies this link's group offsets; what it copied is forgotten with the link. */
    final GroupOffsetCopier offsets;

    LinkState(MirrorLink link, Function<SourceCluster, GroupOffsetCopier> offsetCopier) {
      this.link = link;
      this.source = new SourceCluster(link);
      this.offsets = offsetCopier.apply(source);
    }
  }

  private final MirrorLinkStore links;
  private final MetadataStore topics;
  private final LocalReplicaManager replicas;
  private final Promotion promotion;
  /** Cluster mode: where leaders record their part of a promote done; null on a single node. */
  private final PromotionBoard board;
  /** Manager thread, cluster mode: when this broker first saw each topic promoting (its leaders' catch-up starts then). */
  private final Map<String, Long> promotingSeenAt = new HashMap<>();
  /** Manager thread, cluster mode: the leader epoch each promoting partition was readied in here (not readied again in it). */
  private final Map<TopicPartition, Integer> readiedIn = new HashMap<>();
  private final Growth growth;
  private final ConfigSync configSync;
  private final Set<TopicPartition> led = ConcurrentHashMap.newKeySet();
  private final Set<String> promoting = ConcurrentHashMap.newKeySet();
  /** Mirror topics whose source topic is gone: not fetched again, their records kept. */
  private final SourceDeletedMirrors sourceDeleted;
  private final Map<String, LinkState> live = new HashMap<>(); // manager thread
  /** Guards changes of {@link #assigned} and {@link #fetcherOf}: the manager's thread assigns, a promote takes away. */
  private final Object assignment = new Object();
  private final Map<TopicPartition, MirrorFetcher.Mirrored> assigned = new ConcurrentHashMap<>();
  private final Map<TopicPartition, MirrorFetcher> fetcherOf = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread;
  private final ThrottledWarnings warnings = new ThrottledWarnings(log, System::nanoTime); // manager thread
  /** Where copied group offsets are committed (manager thread). */
  private final CoordinatorCommits commits;
  /** Cluster mode: gathers a topic's status from its partitions' leaders; null on a single node. */
  private final MirrorStatusGatherer statusGatherer;

  /**
   * @param offsetsTopicReady whether __consumer_offsets exists (it starts its creation when not, as a
   *     FindCoordinator would): copied group offsets go there
   */
  public MirrorManager(MirrorLinkStore links, MetadataStore topics, LocalReplicaManager replicas, GroupCoordinator groups,
      java.util.function.BooleanSupplier offsetsTopicReady, Promotion promotion, Growth growth) {
    this(links, topics, replicas, groups, offsetsTopicReady, promotion, growth, null, (topic, configs) -> {}, null);
  }

  /**
   * @param board cluster mode: where a promote's leaders record their partitions done; null on a single node
   * @param configSync how a mirror topic's configs are replaced when its source topic's change
   * @param peers cluster mode: the other brokers (group offsets sent to their coordinators, status
   *     gathered from their leaders); null on a single node
   */
  public MirrorManager(MirrorLinkStore links, MetadataStore topics, LocalReplicaManager replicas, GroupCoordinator groups,
      java.util.function.BooleanSupplier offsetsTopicReady, Promotion promotion, Growth growth, PromotionBoard board,
      ConfigSync configSync, Peers peers) {
    this.commits = new CoordinatorCommits(groups, offsetsTopicReady, peers, PEER_TIMEOUT_MS);
    this.statusGatherer = peers == null ? null
        : MirrorStatusGatherer.overInterBrokerListener(peers.state(), peers.connector(), PEER_TIMEOUT_MS);
    this.board = board;
    this.growth = growth;
    this.configSync = configSync;
    this.links = links;
    this.topics = topics;
    this.sourceDeleted = new SourceDeletedMirrors(name -> topics.topic(name).map(TopicMetadata::id));
    this.replicas = replicas;
    this.promotion = promotion;
    this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("brook-mirror").daemon().factory());
  }

  /** Starts the manager's thread. */
  public void start() {
    thread.scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
  }

  // ---- leadership (any thread)

  @Override
  public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
    led.add(tp);
  }

  @Override
  public void onResign(TopicPartition tp) {
    led.remove(tp);
  }

  // ---- the manager's thread

  private void tick() {
    try {
      Map<String, MirrorLink> now = links.links();
      for (String name : List.copyOf(live.keySet())) {
        MirrorLink l = now.get(name);
        if (l == null || !l.equals(live.get(name).link)) closeLink(name);
      }
      // A promote's topic stays out of the fetchers until its config says promoted (or it is gone).
      promoting.removeIf(t -> topics.topic(t).flatMap(MirrorTopic::of).map(m -> !m.active()).orElse(true));
      Map<TopicPartition, MirrorTopic> wanted = wanted();
      for (TopicPartition tp : List.copyOf(assigned.keySet())) {
        MirrorFetcher.Mirrored m = assigned.get(tp);
        MirrorTopic mt = wanted.get(tp);
        if (mt == null || m.lost || !live.containsKey(mt.link()) || m.partition != replicas.partition(tp).orElse(null)) {
          unassign(tp);
          if (m.lost && mt != null && live.containsKey(mt.link())) live.get(mt.link()).metadataStale = true;
        }
      }
      Map<String, List<TopicPartition>> toAssign = new TreeMap<>();
      wanted.forEach((tp, mt) -> {
        if (!assigned.containsKey(tp)) toAssign.computeIfAbsent(mt.link(), l -> new ArrayList<>()).add(tp);
      });
      for (Map.Entry<String, List<TopicPartition>> e : toAssign.entrySet()) assign(e.getKey(), e.getValue(), wanted);
      if (board != null) finishPromotions(wanted);
      for (LinkState ls : live.values()) {
        // Every metadata.max.age.ms even while all is assigned: partitions the source added.
        if (System.nanoTime() - ls.metadataAtNanos > TimeUnit.MILLISECONDS.toNanos(ls.link.intConfig("metadata.max.age.ms", 5_000))
            && (ls.metadataFailedAtNanos == 0 || System.nanoTime() - ls.metadataFailedAtNanos > TimeUnit.SECONDS.toNanos(1))) {
          refreshMetadata(ls, wanted);
        }
        ls.fetchers.values().removeIf(f -> {
          if (!f.isEmpty()) return false;
          f.close();
          return true;
        });
        ls.offsets.copyIfDue(wanted);
        followConfigsIfDue(ls, wanted);
      }
    } catch (RuntimeException e) {
      log.error("mirror manager: tick failed", e);
    }
  }

  /**
   * The mirror partitions this broker should be filling now: led here, active and not being promoted
   * on this broker; or, in a cluster's promote, still catching up with the source ({@link #catchingUp}).
   */
  private Map<TopicPartition, MirrorTopic> wanted() {
    Map<TopicPartition, MirrorTopic> out = new HashMap<>();
    promotingSeenAt.keySet().removeIf(t -> !topics.topic(t).flatMap(MirrorTopic::of).map(MirrorTopic::promoting).orElse(false));
    for (TopicPartition tp : led) {
      Optional<MirrorTopic> mt = topics.topic(tp.topic()).flatMap(MirrorTopic::of);
      if (mt.isEmpty() || promoting.contains(tp.topic()) || sourceDeleted.contains(tp.topic())) continue;
      if (!mt.get().active() && !(mt.get().promoting() && board != null && catchingUp(tp))) continue;
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty() || !p.get().isLeader() || p.get().isOffline()) continue;
      if (!links.links().containsKey(mt.get().link())) {
        warnings.warn("link:" + mt.get().link(), "mirror topic {} names link {}, which does not exist", tp.topic(), mt.get().link());
        continue;
      }
      out.put(tp, mt.get());
    }
    return out;
  }

  private LinkState linkState(String name) {
    return live.computeIfAbsent(name, n -> {
      MirrorLink link = links.links().get(n);
      return new LinkState(link, source -> new GroupOffsetCopier(link, source::groupOffsets, this::logEnd, commits, warnings, System::nanoTime));
    });
  }

  private OptionalLong logEnd(TopicPartition tp) {
    Optional<Partition> p = replicas.partition(tp);
    return p.isEmpty() ? OptionalLong.empty() : OptionalLong.of(p.get().logEndOffset());
  }

  private void assign(String linkName, List<TopicPartition> tps, Map<TopicPartition, MirrorTopic> wanted) {
    LinkState ls;
    MirrorFetcher.Settings settings;
    try {
      ls = linkState(linkName);
      settings = MirrorFetcher.Settings.of(ls.link); // loads the link's TLS stores
    } catch (ConfigException | org.apache.kafka.common.KafkaException e) {
      warnings.warn("link-config:" + linkName, "link {} cannot be used: {}", linkName, e.getMessage());
      return;
    }
    if (ls.metadataFailedAtNanos != 0 && System.nanoTime() - ls.metadataFailedAtNanos < TimeUnit.SECONDS.toNanos(1)) return;
    long age = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ls.metadataAtNanos);
    boolean missing = tps.stream().anyMatch(tp -> !ls.leaders.containsKey(source(tp, wanted.get(tp))));
    if (ls.metadataStale || missing && age > 1000 || age > ls.link.intConfig("metadata.max.age.ms", 5_000)) {
      if (!refreshMetadata(ls, wanted)) return;
    }
    for (TopicPartition tp : tps) {
      TopicPartition src = source(tp, wanted.get(tp));
      Node leader = ls.leaders.get(src);
      if (leader == null || leader.isEmpty()) continue;
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty()) continue;
      MirrorFetcher f = ls.fetchers.computeIfAbsent(leader.id(), id -> new MirrorFetcher(linkName,
          new BrokerEndpoint(leader.id(), leader.host(), leader.port(), leader.rack()), settings,
          ls.link.configs().getOrDefault("client.id", "brook-link-" + linkName)));
      MirrorFetcher.Mirrored m = new MirrorFetcher.Mirrored(p.get(), src);
      synchronized (assignment) {
        if (promoting.contains(tp.topic())) continue; // a promote began since wanted() was taken
        f.add(m);
        assigned.put(tp, m);
        fetcherOf.put(tp, f);
      }
    }
  }

  private static TopicPartition source(TopicPartition target, MirrorTopic mt) {
    return new TopicPartition(mt.sourceTopic(), target.partition());
  }

  /** Re-reads the source's leaders for every source topic this link mirrors; false if the source did not answer. */
  private boolean refreshMetadata(LinkState ls, Map<TopicPartition, MirrorTopic> wanted) {
    Set<String> sourceTopics = new java.util.TreeSet<>();
    wanted.values().forEach(mt -> {
      if (mt.link().equals(ls.link.name())) sourceTopics.add(mt.sourceTopic());
    });
    try {
      Map<String, TopicDescription> found = ls.source.describe(sourceTopics);
      ls.leaders.clear();
      for (TopicDescription d : found.values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          if (p.leader() != null) ls.leaders.put(new TopicPartition(d.name(), p.partition()), p.leader());
        }
      }
      growMirrors(ls, found);
      sourceDeleted.noticeIn(ls.link.name(), found, wanted.values());
      ls.metadataAtNanos = System.nanoTime();
      ls.metadataStale = false;
      ls.metadataFailedAtNanos = 0;
      return true;
    } catch (ExecutionException | TimeoutException e) {
      warnings.warn("metadata:" + ls.link.name(), "link {}: cannot read the source's metadata: {}", ls.link.name(), e.toString());
      ls.metadataFailedAtNanos = System.nanoTime();
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Partitions the source added: each active mirror topic of this link grows to its source's count. */
  private void growMirrors(LinkState ls, Map<String, TopicDescription> found) {
    for (TopicMetadata t : topics.topics()) {
      Optional<MirrorTopic> mt = MirrorTopic.of(t);
      if (mt.isEmpty() || !mt.get().active() || !mt.get().link().equals(ls.link.name())) continue;
      TopicDescription d = found.get(mt.get().sourceTopic());
      if (d != null && d.partitions().size() > t.partitions()) {
        Long asked = ls.growthAskedAtNanos.get(t.name() + ":" + d.partitions().size());
        if (asked != null && System.nanoTime() - asked < TimeUnit.SECONDS.toNanos(30)) continue;
        ls.growthAskedAtNanos.put(t.name() + ":" + d.partitions().size(), System.nanoTime());
        log.info("link {}: source topic {} has {} partitions, mirror {} has {}: adding them", ls.link.name(), d.name(),
            d.partitions().size(), t.name(), t.partitions());
        growth.growTo(t.name(), d.partitions().size());
      }
    }
  }

  /** Takes {@code tp} from its fetcher; once this returns nothing more is appended to it. Any thread. */
  private void unassign(TopicPartition tp) {
    synchronized (assignment) {
      MirrorFetcher f = fetcherOf.remove(tp);
      if (f != null) f.remove(tp);
      assigned.remove(tp);
    }
  }

  private void closeLink(String name) {
    LinkState ls = live.remove(name);
    if (ls == null) return;
    for (TopicPartition tp : List.copyOf(assigned.keySet())) {
      if (ls.fetchers.containsValue(fetcherOf.get(tp))) unassign(tp);
    }
    ls.fetchers.values().forEach(MirrorFetcher::close);
    ls.source.close();
  }

  // ---- topic configs

  /**
   * Makes the configs of this link's active mirror topics (those with a partition led here) those
   * set on their source topics, less {@link #CONFIGS_NOT_FOLLOWED} and keys this broker does not
   * know: a key set on the source is set here, a key the source no longer sets is removed here, and
   * the topic's {@code mirror.*} keys stay. A value this broker refuses is left out (warned once a
   * minute). A failure to read the source's configs does not touch fetching.
   */
  private void followConfigsIfDue(LinkState ls, Map<TopicPartition, MirrorTopic> wanted) {
    long now = System.nanoTime();
    if (ls.configsSyncedAtNanos != 0 && now - ls.configsSyncedAtNanos < TimeUnit.MILLISECONDS.toNanos(ls.link.topicConfigSyncMs())) return;
    ls.configsSyncedAtNanos = now;
    Map<String, String> sourceOf = new TreeMap<>(); // mirror topic -> source topic
    wanted.values().forEach(mt -> {
      if (mt.link().equals(ls.link.name())) sourceOf.put(mt.topic(), mt.sourceTopic());
    });
    if (sourceOf.isEmpty()) return;
    Map<String, Map<String, String>> source;
    try {
      source = ls.source.topicConfigs(new java.util.TreeSet<>(sourceOf.values()));
    } catch (ExecutionException | TimeoutException e) {
      warnings.warn("configs:" + ls.link.name(), "link {}: cannot read the source's topic configs: {}", ls.link.name(), e.toString());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (Map.Entry<String, String> e : sourceOf.entrySet()) {
      Map<String, String> from = source.get(e.getValue());
      Optional<TopicMetadata> t = topics.topic(e.getKey());
      if (from == null || t.isEmpty()) continue;
      Map<String, String> want = followed(e.getKey(), from);
      t.get().configs().forEach((k, v) -> {
        if (k.startsWith("mirror.")) want.put(k, v);
      });
      if (want.equals(t.get().configs())) continue;
      Map.Entry<Map<String, String>, Long> asked = ls.configsAsked.get(e.getKey());
      if (asked != null && asked.getKey().equals(want) && now - asked.getValue() < TimeUnit.SECONDS.toNanos(30)) continue;
      ls.configsAsked.put(e.getKey(), Map.entry(want, now));
      log.info("link {}: mirror topic {} takes the configs of source topic {}: {}", ls.link.name(), e.getKey(), e.getValue(), want);
      configSync.replaceConfigs(e.getKey(), want);
    }
  }

  /** The source configs a mirror topic takes (see {@link #followConfigsIfDue}). */
  private Map<String, String> followed(String topic, Map<String, String> source) {
    Map<String, String> out = new TreeMap<>();
    source.forEach((k, v) -> {
      if (CONFIGS_NOT_FOLLOWED.matcher(k).matches()) return;
      try {
        TopicConfigs.validate(Map.of(k, v));
        out.put(k, v);
      } catch (ConfigException ex) {
        warnings.warn("config:" + topic + ":" + k, "mirror topic {}: source config {}={} is not taken: {}", topic, k, v, ex.getMessage());
      }
    });
    return out;
  }

  // ---- topic admin's thread: creation, promote, links

  @Override
  public Prepared prepareCreate(String topic, int requestedPartitions, Map<String, String> configs) {
    String linkName = configs.getOrDefault("mirror.link", "");
    Optional<MirrorLink> link = links.link(linkName);
    if (link.isEmpty()) return Prepared.fail(Errors.INVALID_CONFIG, "Cluster link '" + linkName + "' does not exist.");
    String state = configs.getOrDefault("mirror.state", "active");
    if (!state.equals("active")) {
      return Prepared.fail(Errors.INVALID_CONFIG, "A mirror topic is created with mirror.state=active, not " + state + ".");
    }
    String sourceTopic = configs.getOrDefault("mirror.source.topic", "");
    if (sourceTopic.isEmpty()) sourceTopic = topic;
    int partitions;
    org.apache.kafka.common.Uuid sourceTopicId;
    try (SourceCluster source = new SourceCluster(link.get())) {
      TopicDescription d = source.describe(List.of(sourceTopic)).get(sourceTopic);
      if (d == null) {
        return Prepared.fail(Errors.INVALID_CONFIG, "The source cluster of link " + linkName + " has no topic '" + sourceTopic + "'.");
      }
      partitions = d.partitions().size();
      sourceTopicId = d.topicId();
    } catch (ExecutionException | TimeoutException e) {
      return Prepared.fail(Errors.INVALID_CONFIG, "Cannot reach the source cluster of link " + linkName + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Prepared.fail(Errors.REQUEST_TIMED_OUT, "interrupted");
    }
    if (requestedPartitions != -1 && requestedPartitions != partitions) {
      return Prepared.fail(Errors.INVALID_PARTITIONS, "A mirror topic has its source topic's partition count ("
          + partitions + "); leave the partition count unset.");
    }
    Map<String, String> full = new HashMap<>(configs);
    full.put("mirror.source.topic", sourceTopic);
    full.remove("mirror.source.topic.id"); // the source's, never a caller's
    if (sourceTopicId != null && !sourceTopicId.equals(org.apache.kafka.common.Uuid.ZERO_UUID)) {
      full.put("mirror.source.topic.id", sourceTopicId.toString());
    }
    full.put("mirror.state", "active");
    return new Prepared(Errors.NONE, null, partitions, full);
  }

  @Override
  public Optional<Refusal> change(TopicMetadata current, Map<String, String> next, boolean validateOnly) {
    Optional<MirrorTopic> was = MirrorTopic.of(current);
    Optional<MirrorTopic> will = MirrorTopic.of(current.withConfigs(next));
    if (was.isEmpty()) {
      return Optional.of(new Refusal(Errors.INVALID_CONFIG, "Topic " + current.name()
          + " is not a mirror topic; mirror.* configs are set only when a mirror topic is created."));
    }
    boolean promote = will.isPresent() && was.get().readOnly() && will.get().state().equals(MirrorTopic.PROMOTED)
        && will.get().link().equals(was.get().link()) && will.get().sourceTopic().equals(was.get().sourceTopic());
    if (!promote) {
      return Optional.of(new Refusal(Errors.INVALID_CONFIG, "The mirror.* configs of topic " + current.name()
          + " change only by a promote (mirror.state=promoted, brook mirror promote)."));
    }
    if (validateOnly) return Optional.empty();
    try {
      if (board != null) return promoteAcrossCluster(current, was.get());
      promote(current);
      return Optional.empty();
    } catch (IOException e) {
      log.error("promoting mirror topic {} failed", current.name(), e);
      return Optional.of(new Refusal(Errors.KAFKA_STORAGE_ERROR, "Promoting " + current.name() + " failed: " + e.getMessage()));
    }
  }

  /**
   * Stops the fetching of {@code topic} at a clean point and readies its partitions for writes.
   * First it lets the mirror catch up with the source for up to {@link #PROMOTE_CATCH_UP_MS} (a
   * fetch answered after the promote began, and the log end at that answer's high watermark); then
   * the partitions are taken from their fetchers (here, under the assignment lock), which returns
   * only between two appends, so the log ends at a source batch boundary; each partition then starts a leader epoch
   * above every mirrored batch's (own appends must carry a newer epoch than the source's), the
   * transactions the source left open are aborted with markers (their producers' commit or abort
   * will never come over, and an open transaction would hold read_committed consumers at it
   * forever), and the producer ids the source used are reserved here.
   */
  private void promote(TopicMetadata topic) throws IOException {
    long began = System.nanoTime();
    long deadline = began + TimeUnit.MILLISECONDS.toNanos(PROMOTE_CATCH_UP_MS);
    while (System.nanoTime() - deadline < 0 && !caughtUp(topic, began)) {
      sleep(20);
    }
    // Here, not on the manager's thread, which may be waiting on a source that is gone (a failover).
    synchronized (assignment) {
      promoting.add(topic.name());
      for (TopicPartition tp : List.copyOf(assigned.keySet())) {
        if (tp.topic().equals(topic.name())) unassign(tp);
      }
    }
    long maxProducerId = -1;
    int aborted = 0;
    for (int i = 0; i < topic.partitions(); i++) {
      TopicPartition tp = new TopicPartition(topic.name(), i);
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty()) continue;
      aborted += readyForWrites(tp, p.get());
      maxProducerId = Math.max(maxProducerId, p.get().maxProducerId());
    }
    if (maxProducerId >= 0) promotion.reserveProducerIds(maxProducerId);
    log.info("Mirror topic {} promoted: fetching stopped after {} ms, {} open source transaction(s) aborted; "
        + "the topic is writable", topic.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), aborted);
  }

  /**
   * Readies a mirror partition whose fetching stopped for writes, as its leader: a leader epoch above
   * every mirrored batch's, then an abort marker (in that epoch) for each transaction the source left
   * open. Returns how many were aborted.
   */
  private int readyForWrites(TopicPartition tp, Partition p) throws IOException {
    promotion.newLeaderEpoch(tp, Math.max(p.leaderEpoch(), p.latestLogEpoch()) + 1);
    int aborted = 0;
    for (Partition.OpenTransaction t : p.openTransactions()) {
      MemoryRecords marker = MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), t.producerId(),
          t.producerEpoch(), new EndTransactionMarker(ControlRecordType.ABORT, t.coordinatorEpoch()));
      AppendOutcome o = p.appendRecordsAsLeader(marker.buffer(), AppendOrigin.COORDINATOR, 1, System.currentTimeMillis());
      if (o.error() != Errors.NONE) {
        throw new IOException("cannot abort producer " + t.producerId() + "'s open transaction in " + tp + ": " + o.error());
      }
      aborted++;
    }
    return aborted;
  }

  // ---- a cluster's promote (manager thread: the leaders' part; topic admin's thread: the request)

  /**
   * Whether {@code tp}, of a topic promoting in the cluster, is still catching up with the source:
   * fetched here, and either not answered since this broker saw the promote or behind the source's
   * high watermark, for at most {@link #PROMOTE_CATCH_UP_MS} from then. A partition not fetched here
   * (this broker became its leader during the promote) does not start fetching.
   */
  private boolean catchingUp(TopicPartition tp) {
    long seen = promotingSeenAt.computeIfAbsent(tp.topic(), t -> System.nanoTime());
    if (System.nanoTime() - seen > TimeUnit.MILLISECONDS.toNanos(PROMOTE_CATCH_UP_MS)) return false;
    MirrorFetcher.Mirrored m = assigned.get(tp);
    return m != null && (m.answeredAtNanos - seen < 0 || m.partition.logEndOffset() < m.sourceHighWatermark);
  }

  /**
   * The leaders' part of a cluster's promote: each partition of a promoting topic led here that is
   * done catching up is taken from its fetcher (between two appends), readied for writes and
   * recorded done on the board. A failure is retried on the next tick.
   */
  private void finishPromotions(Map<TopicPartition, MirrorTopic> wanted) {
    readiedIn.keySet().removeIf(tp -> !topics.topic(tp.topic()).flatMap(MirrorTopic::of).map(MirrorTopic::promoting).orElse(false));
    Map<String, Set<Integer>> doneByTopic = new HashMap<>();
    for (TopicPartition tp : List.copyOf(led)) {
      if (wanted.containsKey(tp)) continue; // still catching up
      Optional<TopicMetadata> t = topics.topic(tp.topic());
      if (t.flatMap(MirrorTopic::of).map(m -> !m.promoting()).orElse(true)) continue;
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty() || !p.get().isLeader() || p.get().isOffline()) continue;
      // Readied here in this term: the request may have cleared the marks already (it is storing promoted).
      if (Integer.valueOf(p.get().leaderEpoch()).equals(readiedIn.get(tp))) continue;
      try {
        Set<Integer> done = doneByTopic.get(tp.topic());
        if (done == null) {
          done = board.donePartitions(t.get().id());
          doneByTopic.put(tp.topic(), done);
        }
        if (done.contains(tp.partition())) continue;
        unassign(tp);
        int aborted = readyForWrites(tp, p.get());
        long maxProducerId = p.get().maxProducerId();
        if (maxProducerId >= 0) promotion.reserveProducerIds(maxProducerId);
        board.partitionDone(t.get().id(), tp.partition());
        readiedIn.put(tp, p.get().leaderEpoch());
        log.info("Mirror partition {} ready for writes (leader epoch {}, {} open source transaction(s) aborted)", tp,
            p.get().leaderEpoch(), aborted);
      } catch (IOException | RuntimeException e) {
        warnings.warn("promote:" + tp, "mirror partition {}: readying it for writes failed, retrying: {}", tp, e.toString());
      }
    }
  }

  /** Extra time, past the catch-up, a cluster's promote gives the leaders to record their partitions done. */
  static final long PROMOTE_FINISH_MS = Long.getLong("brook.mirror.promote.finish.ms", 15_000L);

  /**
   * The request side of a cluster's promote (topic admin's thread): stores {@code promoting} (unless
   * a previous attempt did), waits for every partition's leader to record its part done, and returns
   * empty for the caller to store {@code promoted}; a refusal if the leaders did not finish in time
   * (the topic stays promoting, read-only, not fetched; the promote may be run again).
   */
  private Optional<Refusal> promoteAcrossCluster(TopicMetadata current, MirrorTopic mt) throws IOException {
    long began = System.nanoTime();
    if (mt.active()) {
      Map<String, String> configs = new HashMap<>(current.configs());
      configs.put("mirror.state", MirrorTopic.PROMOTING);
      topics.updateTopic(current.withConfigs(configs));
      log.info("Mirror topic {}: promote begun, waiting for the leaders of its {} partition(s)", current.name(), current.partitions());
    }
    long deadline = began + TimeUnit.MILLISECONDS.toNanos(PROMOTE_CATCH_UP_MS + PROMOTE_FINISH_MS);
    Set<Integer> done = board.donePartitions(current.id());
    while (done.size() < current.partitions()) {
      if (System.nanoTime() - deadline > 0) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < current.partitions(); i++) if (!done.contains(i)) missing.add(i);
        return Optional.of(new Refusal(Errors.REQUEST_TIMED_OUT, "Promoting " + current.name() + ": the leaders of partitions "
            + missing + " did not get them ready for writes within " + (PROMOTE_CATCH_UP_MS + PROMOTE_FINISH_MS)
            + " ms; the topic stays read-only (mirror.state=promoting, not fetched). Run the promote again."));
      }
      sleep(50);
      done = board.donePartitions(current.id());
    }
    board.clear(current.id());
    log.info("Mirror topic {} promoted across the cluster after {} ms; the topic is writable", current.name(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    return Optional.empty();
  }

  private boolean caughtUp(TopicMetadata topic, long sinceNanos) {
    for (int i = 0; i < topic.partitions(); i++) {
      MirrorFetcher.Mirrored m = assigned.get(new TopicPartition(topic.name(), i));
      if (m == null || m.answeredAtNanos - sinceNanos < 0 || m.partition.logEndOffset() < m.sourceHighWatermark) return false;
    }
    return true;
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public Optional<Refusal> alterLinks(List<LinkOp> ops, boolean validateOnly) {
    Map<String, Map<String, String>> changed = new TreeMap<>();
    for (LinkOp op : ops) {
      String rest = op.key().substring(LINK_PREFIX.length());
      int dot = rest.indexOf('.');
      if (dot <= 0 || dot == rest.length() - 1) {
        return Optional.of(new Refusal(Errors.INVALID_CONFIG, "'" + op.key() + "' is not cluster.link.<name>.<config>"));
      }
      String name = rest.substring(0, dot);
      Map<String, String> next = changed.computeIfAbsent(name,
          n -> new HashMap<>(links.link(n).map(MirrorLink::configs).orElse(Map.of())));
      if (op.value() == null) {
        next.remove(rest.substring(dot + 1));
      } else {
        next.put(rest.substring(dot + 1), op.value());
      }
    }
    List<MirrorLink> puts = new ArrayList<>();
    List<String> deletes = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> e : changed.entrySet()) {
      if (e.getValue().isEmpty()) {
        Optional<String> user = topics.topics().stream().filter(t -> MirrorTopic.of(t)
            .map(m -> m.readOnly() && m.link().equals(e.getKey())).orElse(false)).map(TopicMetadata::name).findFirst();
        if (user.isPresent()) {
          return Optional.of(new Refusal(Errors.INVALID_CONFIG, "Cluster link " + e.getKey()
              + " is used by mirror topic " + user.get() + "; promote or delete it first."));
        }
        deletes.add(e.getKey());
        continue;
      }
      try {
        MirrorLink link = MirrorLink.validate(e.getKey(), e.getValue());
        links.checkStorable(link); // a password needs password.encoder.secret
        puts.add(link);
      } catch (ConfigException ex) {
        return Optional.of(new Refusal(Errors.INVALID_CONFIG, "Cluster link " + e.getKey() + ": " + ex.getMessage()));
      }
    }
    if (validateOnly) return Optional.empty();
    try {
      for (MirrorLink l : puts) links.put(l);
      for (String d : deletes) links.delete(d);
    } catch (IOException e) {
      log.error("storing cluster links failed", e);
      return Optional.of(new Refusal(Errors.KAFKA_STORAGE_ERROR, "Cannot store the cluster links: " + e.getMessage()));
    }
    if (!puts.isEmpty() || !deletes.isEmpty()) log.info("Cluster links changed: {} set, {} deleted", puts.stream().map(MirrorLink::name).toList(), deletes);
    return Optional.empty();
  }

  @Override
  public Map<String, String> linkConfigs() {
    Map<String, String> out = new TreeMap<>();
    for (MirrorLink l : links.links().values()) l.configs().forEach((k, v) -> out.put(LINK_PREFIX + l.name() + "." + k, v));
    return out;
  }

  @Override
  public Optional<String> statusHere(String topic) {
    Optional<TopicMetadata> t = topics.topic(topic);
    Optional<MirrorTopic> mt = t.flatMap(MirrorTopic::of);
    return mt.map(m -> itemsHere(t.get(), m));
  }

  /** Every partition's item as this broker sees it, joined by {@code ;}. */
  private String itemsHere(TopicMetadata t, MirrorTopic mt) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < t.partitions(); i++) {
      if (i > 0) out.append(';');
      out.append(partitionStatus(t.name(), mt, i));
    }
    return out.toString();
  }

  /** One partition's {@code partition:state:mirrorEnd:sourceHighWatermark:lag} as this broker sees it. */
  private String partitionStatus(String topic, MirrorTopic mt, int i) {
    TopicPartition tp = new TopicPartition(topic, i);
    Optional<Partition> p = replicas.partition(tp);
    MirrorFetcher.Mirrored m = assigned.get(tp);
    long end = p.map(Partition::logEndOffset).orElse(-1L);
    long sourceHw = m == null ? -1 : m.sourceHighWatermark;
    // In a cluster only the leader fetches: a replica here says so (the leader knows the lag).
    String state = !mt.readOnly() ? "promoted" : mt.promoting() || promoting.contains(topic) ? "promoting"
        : sourceDeleted.contains(topic) ? "source-deleted"
        : m == null && p.isPresent() && !p.get().isLeader() ? "follower"
        : m != null && m.authenticationFailed ? "authentication-failed"
        : m == null || sourceHw < 0 ? "connecting" : "fetching";
    return MirrorStatusGatherer.item(i, state, end, sourceHw);
  }

  /**
   * The whole topic's status: on a single node this broker's view; in a cluster gathered from each
   * partition's leader ({@link MirrorStatusGatherer}).
   */
  @Override
  public CompletableFuture<Optional<String>> status(String topic) {
    Optional<TopicMetadata> t = topics.topic(topic);
    Optional<MirrorTopic> mt = t.flatMap(MirrorTopic::of);
    if (mt.isEmpty()) return CompletableFuture.completedFuture(Optional.empty());
    if (statusGatherer == null) return CompletableFuture.completedFuture(Optional.of(itemsHere(t.get(), mt.get())));
    return statusGatherer.gather(topic, t.get().partitions(), i -> partitionStatus(topic, mt.get(), i)).thenApply(Optional::of);
  }

  @Override
  public void close() {
    try {
      thread.submit(() -> {
        for (String name : List.copyOf(live.keySet())) closeLink(name);
        commits.close();
      }).get(30, TimeUnit.SECONDS);
      if (statusGatherer != null) statusGatherer.close();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("mirror manager did not stop cleanly", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // already shut down
    }
    thread.shutdownNow();
  }
}
