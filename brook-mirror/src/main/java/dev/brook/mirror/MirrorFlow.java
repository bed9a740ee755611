package dev.brook.mirror;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One flow, source to target, mirrored exactly once.
 *
 * <p>Each step reads from the source (read_committed, so aborted records and markers never reach
 * the target) and writes, in ONE target transaction: the records (same partition, key, value,
 * headers and timestamp), the offset syncs that map their source offsets to target offsets, any new
 * checkpoints, and the flow's source positions. The positions are the committed offsets of the
 * target group {@link MirrorConfig.Flow#positionsGroup()}: offset N on target partition {@code
 * A.orders-3} means "source {@code orders-3} is mirrored up to, not including, N". Records and
 * positions commit or abort together, so after a crash at any moment a restart (whose {@code
 * initTransactions} aborts whatever was open) resumes from exactly where the committed records end.
 * A second mirror of the same flow fences the first through the shared transactional id.
 *
 * <p>How the records travel is the flow's {@link MirrorPath}: whole record batches with only their
 * headers rewritten ({@link BatchPath}, between PLAINTEXT clusters) or record by record through
 * kafka-clients ({@link ClientPath}); what a transaction holds and when it commits is decided here.
 *
 * <p>With {@code emit.heartbeats.enabled} a transaction also carries, every {@code
 * emit.heartbeats.interval.seconds}, one MM2 heartbeat (source alias, target alias, time) to the
 * target's {@code heartbeats} topic.
 *
 * <p>The offset-syncs topic stays about the size of the history the translation still needs: the
 * history is pruned below the oldest offset a mirrored group has committed ({@link
 * OffsetTranslation#pruneBelow}), and once the topic holds more than {@link #REWRITE_MIN} records and
 * twice the syncs held, a transaction writes the held syncs anew and the records before them are
 * deleted (DeleteRecords), as a copying collector would.
 *
 * <p>Runs on its own thread ({@link #run}); {@link #stop} may be called from any thread.
 */
final class MirrorFlow implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(MirrorFlow.class);
  /** How long one transaction gathers records before it commits (bounds replication lag). */
  private static final long TRANSACTION_NANOS = Duration.ofMillis(100).toNanos();
  private static final int TRANSACTION_RECORDS = 20_000;
  /** Copying whole batches costs little per record: a transaction may carry more before it commits. */
  private static final int BATCH_TRANSACTION_RECORDS = 200_000;
  /** The offset-syncs topic is rewritten only once it holds at least this many records. */
  static final long REWRITE_MIN = 1_000;

  private final MirrorConfig.Flow flow;
  private volatile boolean stopping;
  private volatile Clients clients;
  private volatile String state = "starting";
  /** Per target topic: the batch limit a refusal taught BatchPath, kept across the flow's sessions. */
  private final Map<String, Integer> refusedLimits = new ConcurrentHashMap<>();

  MirrorFlow(MirrorConfig.Flow flow) {
    this.flow = flow;
  }

  MirrorConfig.Flow flow() {
    return flow;
  }

  String state() {
    return state;
  }

  /** The flow's clients and its path; built on the caller's thread so bad client settings fail at startup. */
  private record Clients(Admin sourceAdmin, Admin targetAdmin, MirrorPath path) implements AutoCloseable {
    @Override
    public void close() {
      path.close();
      for (Admin a : List.of(sourceAdmin, targetAdmin)) {
        try {
          a.close(Duration.ofSeconds(5));
        } catch (Exception e) {
          log.warn("closing an admin client: {}", e.toString());
        }
      }
    }
  }

  /** Creates the clients (no network yet); throws Kafka's ConfigException for a bad client setting. */
  void open() {
    clients = newClients();
  }

  private Clients newClients() {
    Admin sa = Admin.create(flow.source().adminProps());
    Admin ta = null;
    try {
      ta = Admin.create(flow.target().adminProps());
      MirrorPath path = BatchPath.supports(flow) ? new BatchPath(flow, sa, ta, refusedLimits) : new ClientPath(flow);
      return new Clients(sa, ta, path);
    } catch (RuntimeException e) {
      for (AutoCloseable a : new AutoCloseable[] {sa, ta}) {
        try {
          if (a != null) a.close();
        } catch (Exception ignored) {
          // the client never connected; the original failure is what matters
        }
      }
      throw e;
    }
  }

  void stop() {
    stopping = true;
    Clients c = clients;
    if (c != null) c.path().wakeup();
  }

  @Override
  public void run() {
    Thread.currentThread().setName("mirror-" + flow.name());
    while (!stopping) {
      try {
        if (clients == null) clients = newClients();
        new Session(clients).run();
      } catch (WakeupException e) {
        if (!stopping) log.warn("{}: woken up without a stop", flow.name());
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        state = "fenced";
        log.error("{}: another mirror took this flow over (transactional id {} fenced): this one stops", flow.name(), flow.transactionalId());
        stopping = true;
      } catch (BatchCopy.RecordTooLargeForTarget e) {
        // Starting again would fetch the same record and fail the same way forever.
        state = "failed";
        log.error("{}: {}; the flow stops", flow.name(), e.getMessage());
        stopping = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      } catch (Exception e) {
        if (stopping) break;
        state = "retrying";
        log.warn("{}: {}; starting the flow again from its committed positions in 2 s", flow.name(), e.toString(), e);
        Clients c = clients;
        clients = null;
        if (c != null) c.close();
        sleep(2000);
      }
    }
    Clients c = clients;
    clients = null;
    if (c != null) c.close();
    if (!state.equals("fenced") && !state.equals("failed")) state = "stopped";
  }

  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  /** One run of the flow over one set of clients: state read back from the target, then the loop. */
  private final class Session {
    private final Clients c;
    private final TopicSync topicSync;
    private final GroupCheckpoints groups;
    private final OffsetTranslation translation = new OffsetTranslation();
    /** Mirrored source partition to target partition. */
    private Map<TopicPartition, TopicPartition> mirrored = Map.of();
    /** Committed source position per mirrored source partition. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private long nextRefresh;
    private long nextCheckpoint;
    private long nextGroupSync;
    private long nextHeartbeat;
    private long nextPrune;
    /** The offset-syncs topic's first offset (after the last deletion) and one past its last sync written. */
    private long syncsStart;
    private long syncsEnd;
    /** The next transaction writes every held sync anew, then deletes the records before them. */
    private boolean rewriteDue;
    /** The target refused DeleteRecords on the offset-syncs topic: no more rewrites this session. */
    private boolean rewriteRefused;
    /** Progress since the last progress line (one INFO line every 10 s while records move). */
    private long recordsSinceReport;
    private int transactionsSinceReport;
    private long nextReport;

    Session(Clients c) {
      this.c = c;
      this.topicSync = new TopicSync(flow, c.sourceAdmin(), c.targetAdmin());
      this.groups = new GroupCheckpoints(flow, c.sourceAdmin(), c.targetAdmin());
    }

    void run() throws Exception {
      state = "initializing";
      c.path().initTransactions(); // fences a previous instance and aborts its open transaction
      createInternalTopics();
      loadSyncs();
      Map<TopicPartition, OffsetAndMetadata> committed = c.targetAdmin()
          .listConsumerGroupOffsets(Map.of(flow.positionsGroup(), new ListConsumerGroupOffsetsSpec()), new ListConsumerGroupOffsetsOptions().requireStable(true))
          .partitionsToOffsetAndMetadata(flow.positionsGroup()).get();
      Map<TopicPartition, Long> byTarget = new HashMap<>();
      committed.forEach((tp, o) -> { if (o != null) byTarget.put(tp, o.offset()); });
      log.info("{}: committed positions on {}: {}", flow.name(), flow.target().alias(), byTarget);
      refreshTopics(byTarget);
      log.info("{}: mirroring {} partitions from {} to {} ({} offset syncs loaded; {})", flow.name(), mirrored.size(),
          flow.source().alias(), flow.target().alias(), translation.size(),
          c.path() instanceof BatchPath ? "copying whole record batches" : "record by record through kafka-clients");
      state = "running";
      while (!stopping) step(byTarget);
    }

    private void createInternalTopics() throws ExecutionException, InterruptedException {
      Set<String> have = c.targetAdmin().listTopics().names().get();
      List<NewTopic> create = new ArrayList<>();
      // Offset syncs are the translation's history: not compacted (MM2's is, because it only needs
      // the latest sync per partition, which would lose the history exact translation needs after
      // a restart); this flow deletes what it no longer needs itself (see the class comment).
      if (!have.contains(flow.offsetSyncsTopic())) {
        create.add(internalTopic(flow.offsetSyncsTopic(), flow.offsetSyncsReplicationFactor())
            .configs(Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1")));
      }
      if (flow.emitCheckpoints() && !have.contains(flow.checkpointsTopic())) {
        create.add(internalTopic(flow.checkpointsTopic(), flow.checkpointsReplicationFactor()).configs(Map.of("cleanup.policy", "compact")));
      }
      // MM2's heartbeats topic: one partition, compacted (one record per flow key survives).
      if (flow.emitHeartbeats() && !have.contains(ReplicationPolicy.HEARTBEATS_TOPIC)) {
        create.add(internalTopic(ReplicationPolicy.HEARTBEATS_TOPIC, flow.heartbeatsReplicationFactor()).configs(Map.of("cleanup.policy", "compact")));
      }
      if (create.isEmpty()) return;
      for (var f : c.targetAdmin().createTopics(create).values().values()) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
    }

    private NewTopic internalTopic(String name, int rf) {
      return new NewTopic(name, java.util.Optional.of(1), rf < 0 ? java.util.Optional.empty() : java.util.Optional.of((short) rf));
    }

    /** Reads every committed offset sync back (read_committed: aborted transactions' syncs are skipped). */
    private void loadSyncs() {
      Map<String, Object> props = flow.target().consumerProps();
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, "brook-mirror." + flow.name() + ".syncs");
      TopicPartition tp = new TopicPartition(flow.offsetSyncsTopic(), 0);
      KafkaConsumer<byte[], byte[]> syncs = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      try {
        syncs.assign(List.of(tp));
        syncs.seekToBeginning(List.of(tp));
        long end = syncs.endOffsets(List.of(tp)).get(tp);
        syncsStart = syncs.beginningOffsets(List.of(tp)).get(tp);
        syncsEnd = end;
        while (syncs.position(tp) < end && !stopping) {
          for (ConsumerRecord<byte[], byte[]> r : syncs.poll(Duration.ofMillis(500))) {
            Mm2Formats.OffsetSync s = Mm2Formats.OffsetSync.read(r.key(), r.value());
            translation.add(s.sourcePartition(), s.upstream(), s.downstream());
          }
        }
        // Its head was deleted: offsets below each partition's first sync may lie in what is gone.
        if (syncsStart > 0) translation.historyTrimmed();
        log.info("{}: read {} offset syncs from offset {} to {} of {}", flow.name(), translation.size(), syncsStart, end, flow.offsetSyncsTopic());
      } finally {
        // No fetch session to close politely: this consumer is done for good.
        syncs.close(CloseOptions.timeout(Duration.ZERO));
      }
    }

    private void refreshTopics(Map<TopicPartition, Long> committedByTarget) throws Exception {
      Map<TopicPartition, TopicPartition> now = topicSync.refresh();
      nextRefresh = System.nanoTime() + flow.refreshTopicsInterval().toNanos();
      if (now.keySet().equals(mirrored.keySet())) return;
      Set<TopicPartition> added = new HashSet<>(now.keySet());
      added.removeAll(mirrored.keySet());
      mirrored = Map.copyOf(now);
      Map<TopicPartition, Long> start = new HashMap<>();
      for (TopicPartition tp : added) {
        Long pos = positions.containsKey(tp) ? positions.get(tp) : committedByTarget.get(mirrored.get(tp));
        if (pos != null) {
          start.put(tp, pos);
          positions.put(tp, pos);
        }
      }
      c.path().assign(mirrored, added, start);
      if (!added.isEmpty()) log.info("{}: now mirroring {} partitions ({} new)", flow.name(), mirrored.size(), added.size());
    }

    /** One transaction's worth: records for up to 100 ms, then syncs, checkpoints, positions, commit. */
    private void step(Map<TopicPartition, Long> committedByTarget) throws Exception {
      long now = System.nanoTime();
      if (flow.refreshTopics() && now >= nextRefresh) refreshTopics(committedByTarget);
      GroupCheckpoints.Due due = GroupCheckpoints.Due.NONE;
      if (flow.emitCheckpoints() && now >= nextCheckpoint) {
        due = groups.due(mirrored, translation, positions);
        nextCheckpoint = now + flow.checkpointInterval().toNanos();
      }
      boolean heartbeatDue = flow.emitHeartbeats() && now >= nextHeartbeat;
      MirrorPath path = c.path();
      int count = 0;
      int limit = path instanceof BatchPath ? BATCH_TRANSACTION_RECORDS : TRANSACTION_RECORDS;
      long start = System.nanoTime();
      do {
        int n = path.poll(Duration.ofMillis(count == 0 ? 200 : 10));
        if (n == 0) {
          if (count == 0) break;
          continue;
        }
        count += n;
      } while (!stopping && count < limit && System.nanoTime() - start < TRANSACTION_NANOS);

      long tPolled = System.nanoTime();
      Map<TopicPartition, Long> moved = new HashMap<>();
      for (TopicPartition tp : mirrored.keySet()) {
        long p = path.position(tp);
        Long had = positions.get(tp);
        if (had == null || had != p) moved.put(mirrored.get(tp), p);
      }
      if (count == 0 && moved.isEmpty() && due.isEmpty() && !heartbeatDue && !rewriteDue) {
        pruneSyncs(due.lowest());
        maybeSyncGroupOffsets();
        return;
      }
      path.beginTransaction();
      long tPos = System.nanoTime();
      List<Mm2Formats.OffsetSync> syncs = path.syncs();
      long tFlushed = System.nanoTime();
      // A rewrite goes first: every sync held now, and every sync of this transaction, lies after it.
      List<Mm2Formats.OffsetSync> written = new ArrayList<>(rewriteDue ? translation.held() : List.of());
      written.addAll(syncs);
      written.addAll(due.syncs());
      Future<RecordMetadata> firstSync = null;
      Future<RecordMetadata> lastSync = null;
      for (Mm2Formats.OffsetSync s : written) {
        lastSync = path.send(flow.offsetSyncsTopic(), s.key(), s.value());
        if (firstSync == null) firstSync = lastSync;
      }
      if (heartbeatDue) {
        Mm2Formats.Heartbeat hb = new Mm2Formats.Heartbeat(flow.source().alias(), flow.target().alias(), System.currentTimeMillis());
        path.send(ReplicationPolicy.HEARTBEATS_TOPIC, hb.key(), hb.value());
        nextHeartbeat = now + flow.heartbeatInterval().toNanos();
      }
      for (Mm2Formats.Checkpoint cp : due.checkpoints()) path.send(flow.checkpointsTopic(), cp.key(), cp.value());
      if (!moved.isEmpty()) path.sendPositions(moved, flow.positionsGroup());
      long t0 = System.nanoTime();
      path.commit();
      log.debug("{}: transaction of {} records, {} moved, {} checkpoints; polled {} positions {} flush {} offsets {} commit {} ms", flow.name(), count, moved.size(), due.checkpoints().size(),
          (tPolled - start) / 1_000_000, (tPos - tPolled) / 1_000_000, (tFlushed - tPos) / 1_000_000, (t0 - tFlushed) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);

      // Committed: now (and only now) the syncs may translate and the positions count.
      for (Mm2Formats.OffsetSync s : syncs) translation.add(s.sourcePartition(), s.upstream(), s.downstream());
      for (Mm2Formats.OffsetSync s : due.syncs()) translation.add(s.sourcePartition(), s.upstream(), s.downstream());
      Map<TopicPartition, TopicPartition> sourceOf = new HashMap<>();
      mirrored.forEach((s, t) -> sourceOf.put(t, s));
      moved.forEach((t, o) -> positions.put(sourceOf.get(t), o));
      groups.committed(due);
      long keepFrom = firstSync != null ? firstSync.get().offset() : syncsEnd;
      if (lastSync != null) syncsEnd = lastSync.get().offset() + 1;
      if (rewriteDue) {
        rewriteDue = false;
        try {
          c.targetAdmin().deleteRecords(Map.of(new TopicPartition(flow.offsetSyncsTopic(), 0), RecordsToDelete.beforeOffset(keepFrom))).all().get();
          log.info("{}: offset syncs rewritten: {} held, {} records before offset {} deleted", flow.name(), translation.size(),
              keepFrom - syncsStart, keepFrom);
          syncsStart = keepFrom;
        } catch (ExecutionException e) {
          // Mirroring goes on; only the topic keeps growing. Not tried again in this session.
          rewriteRefused = true;
          log.warn("{}: cannot delete old records of {} ({}): it keeps growing; the mirror's user on {} needs DELETE on it",
              flow.name(), flow.offsetSyncsTopic(), e.getCause().toString(), flow.target().alias());
        }
      }
      pruneSyncs(due.lowest());
      reportProgress(count);
      maybeSyncGroupOffsets();
    }

    private void reportProgress(int records) {
      recordsSinceReport += records;
      transactionsSinceReport++;
      long now = System.nanoTime();
      if (now < nextReport) return;
      if (recordsSinceReport > 0 || nextReport == 0) {
        log.info("{}: committed {} records in {} transactions; positions {}", flow.name(), recordsSinceReport, transactionsSinceReport, positions);
      }
      recordsSinceReport = 0;
      transactionsSinceReport = 0;
      nextReport = now + Duration.ofSeconds(10).toNanos();
    }

    /** Each source partition's log start offset. */
    private Map<TopicPartition, Long> logStarts(Set<TopicPartition> tps) throws ExecutionException, InterruptedException {
      Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
      for (TopicPartition tp : tps) spec.put(tp, OffsetSpec.earliest());
      Map<TopicPartition, Long> out = new HashMap<>();
      c.sourceAdmin().listOffsets(spec).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    }

    private void maybeSyncGroupOffsets() throws InterruptedException {
      if (!flow.syncGroupOffsets() || System.nanoTime() < nextGroupSync) return;
      nextGroupSync = System.nanoTime() + flow.syncGroupOffsetsInterval().toNanos();
      groups.syncGroupOffsets();
    }

    /**
     * Drops the offset syncs no mirrored group can need any more and decides whether the next
     * transaction rewrites the offset-syncs topic. The translation must stay exact for every
     * offset a mirrored group may commit next: one at or above its current commit (groups move
     * forward; one moved back below the history kept gets no checkpoint, as in MM2), and not below
     * the source partition's log start (a group there resets). So per partition, what is kept is
     * the history from the floor sync of max(log start, min(lowest group commit, position)).
     *
     * @param lowest the lowest committed offset per source partition over the mirrored groups, read
     *     this round; null when the groups were not read (then only the rewrite is considered)
     */
    private void pruneSyncs(Map<TopicPartition, Long> lowest) throws ExecutionException, InterruptedException {
      long now = System.nanoTime();
      if (lowest == null && !flow.emitCheckpoints() && now >= nextPrune) lowest = Map.of(); // no groups read: none count
      if (lowest != null && !mirrored.isEmpty()) {
        nextPrune = now + flow.checkpointInterval().toNanos();
        Map<TopicPartition, Long> logStart = logStarts(mirrored.keySet());
        translation.retainOnly(mirrored.keySet());
        for (TopicPartition tp : mirrored.keySet()) {
          Long position = positions.get(tp);
          if (position == null) continue;
          long keep = Math.min(position, lowest.getOrDefault(tp, Long.MAX_VALUE));
          translation.pruneBelow(tp, Math.max(keep, logStart.getOrDefault(tp, 0L)));
        }
      }
      long records = syncsEnd - syncsStart;
      if (!rewriteRefused && records > Math.max(REWRITE_MIN, 2L * translation.size())) rewriteDue = true;
    }
  }
}
