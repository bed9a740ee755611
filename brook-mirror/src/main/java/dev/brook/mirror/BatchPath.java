package dev.brook.mirror;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch-copy {@link MirrorPath}: fetches record batches from the source partition leaders
 * (read_committed) and produces them to the target as whole batches of the flow's transactional
 * producer, only their headers rewritten ({@link BatchCopy}), so no record is decoded or encoded
 * on the way unless its batch must be rebuilt. Transactions, fencing and the positions group's
 * offsets go through {@link TargetTransactions}, the same protocol steps KafkaProducer takes, so
 * what commits together and what a restart aborts is exactly as on {@link ClientPath}.
 *
 * <p>PLAINTEXT only ({@link #supports}): a flow with security settings, or with a target {@code
 * compression.type} to apply, takes the {@link ClientPath}. Metadata (leaders, log starts) comes
 * from the flow's Admin clients. A produce error of any kind ends the session (the flow restarts
 * from its committed positions, its new InitProducerId aborting the open transaction); a fetch
 * error that a leader change explains only refreshes the leaders. A batch larger than the target
 * topic's max.message.bytes (read with DescribeConfigs) is split into batches that fit before it is
 * sent ({@link BatchCopy#fit}); a record that fits in no batch stops the flow ({@link
 * BatchCopy.RecordTooLargeForTarget}), as restarting could never get past it.
 *
 * <p>Used by the flow's thread only.
 */
final class BatchPath implements MirrorPath {
  private static final Logger log = LoggerFactory.getLogger(BatchPath.class);
  private static final short FETCH_VERSION = 12;
  private static final short PRODUCE_VERSION = 9;
  private static final int FETCH_MAX_BYTES = 32 * 1024 * 1024;
  private static final int PARTITION_MAX_BYTES = 1024 * 1024;
  private static final int MAX_IN_FLIGHT = 8;
  private static final int PRODUCE_TIMEOUT_MS = 30_000;
  private static final int SOCKET_TIMEOUT_MS = 60_000;

  private final MirrorConfig.Flow flow;
  private final Admin sourceAdmin;
  private final Admin targetAdmin;
  private final String clientId;
  private final TargetTransactions txn;
  private final Map<Integer, BrokerConnection> sourceConnections = new HashMap<>();
  private final Map<Integer, BrokerConnection> targetConnections = new HashMap<>();
  private final Map<TopicPartition, Node> sourceLeaders = new HashMap<>();
  private final Map<TopicPartition, Node> targetLeaders = new HashMap<>();
  private Map<TopicPartition, TopicPartition> mirrored = Map.of();
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  /** Per target partition: the next sequence number of this producer id and epoch. */
  private final Map<TopicPartition, Integer> sequences = new HashMap<>();
  /** Per target connection: what each produce request in flight carries, by target partition. */
  private final Map<BrokerConnection, ArrayDeque<Map<TopicPartition, Sent>>> pending = new HashMap<>();
  private final Set<TopicPartition> inTransaction = new HashSet<>();
  private final OffsetRuns runs = new OffsetRuns();
  /** Records given to {@link #send}, written at {@link #commit}. */
  private final Map<TopicPartition, List<Single>> singles = new LinkedHashMap<>();
  private boolean open;
  /** Something (a partition, the positions group) joined the open transaction on the coordinator. */
  private boolean started;
  private boolean leadersStale = true;
  /** Per target topic: its max.message.bytes as the target describes it (read once per session). */
  private final Map<String, Integer> described = new HashMap<>();
  /**
   * Per target topic: a lower batch limit learned from the target refusing a batch as too large
   * (half the refused batch), kept by the flow across sessions so a restart does not refuse again.
   */
  private final Map<String, Integer> refusedLimits;
  private final Set<String> splitLogged = new HashSet<>();

  /** One batch in a produce request: from {@code source} (null for a {@link #send}), or answering {@code futures}. */
  private record Sent(TopicPartition source, BatchCopy.Copy copy, List<CompletableFuture<RecordMetadata>> futures) {}

  private record Single(byte[] key, byte[] value, CompletableFuture<RecordMetadata> future) {}

  /** Checks the flow's consumer and producer settings as the clients would (ConfigException naming the key). */
  BatchPath(MirrorConfig.Flow flow, Admin sourceAdmin, Admin targetAdmin, Map<String, Integer> refusedLimits) {
    Map<String, Object> consumer = flow.source().consumerProps();
    consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    new ConsumerConfig(consumer);
    Map<String, Object> producer = flow.target().producerProps();
    producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, flow.transactionalId());
    producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer.put(ProducerConfig.ACKS_CONFIG, "all");
    int timeoutMs = new ProducerConfig(producer).getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    this.flow = flow;
    this.sourceAdmin = sourceAdmin;
    this.targetAdmin = targetAdmin;
    this.refusedLimits = refusedLimits;
    this.clientId = "brook-mirror." + flow.name() + ".batches";
    this.txn = new TargetTransactions(flow.transactionalId(), timeoutMs, clientId, this::anyTargetNode, SOCKET_TIMEOUT_MS);
  }

  /**
   * Whether {@code flow} takes this path: {@code batch.copy.enabled} (default true), both clusters
   * PLAINTEXT, and no target {@code compression.type} (batches keep the source's codec here).
   */
  static boolean supports(MirrorConfig.Flow flow) {
    if (!flow.batchCopy()) return false;
    for (Map<String, Object> props : List.of(flow.source().consumerProps(), flow.source().adminProps(),
        flow.target().producerProps(), flow.target().adminProps())) {
      Object protocol = props.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
      if (protocol != null && !protocol.toString().equalsIgnoreCase("PLAINTEXT")) return false;
    }
    return !flow.target().producerProps().containsKey(ProducerConfig.COMPRESSION_TYPE_CONFIG);
  }

  @Override
  public void initTransactions() throws IOException, InterruptedException {
    txn.init();
    sequences.clear();
  }

  @Override
  public void assign(Map<TopicPartition, TopicPartition> mirrored, Set<TopicPartition> added, Map<TopicPartition, Long> start)
      throws ExecutionException, InterruptedException {
    this.mirrored = Map.copyOf(mirrored);
    positions.keySet().retainAll(mirrored.keySet());
    List<TopicPartition> fromStart = new ArrayList<>();
    for (TopicPartition tp : added) {
      Long pos = start.get(tp);
      if (pos != null) positions.put(tp, pos);
      else fromStart.add(tp);
    }
    positions.putAll(logStart(fromStart));
    leadersStale = true;
  }

  private Map<TopicPartition, Long> logStart(Collection<TopicPartition> tps) throws ExecutionException, InterruptedException {
    if (tps.isEmpty()) return Map.of();
    Map<TopicPartition, OffsetSpec> spec = tps.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.earliest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = sourceAdmin.listOffsets(spec).all().get();
    Map<TopicPartition, Long> out = new HashMap<>();
    r.forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  @Override
  public int poll(Duration wait) throws Exception {
    if (mirrored.isEmpty()) {
      Thread.sleep(wait.toMillis());
      return 0;
    }
    if (leadersStale) refreshSourceLeaders();
    Map<Node, List<TopicPartition>> byLeader = new HashMap<>();
    for (TopicPartition tp : mirrored.keySet()) {
      Node leader = sourceLeaders.get(tp);
      if (leader == null) leadersStale = true;
      else byLeader.computeIfAbsent(leader, n -> new ArrayList<>()).add(tp);
    }
    if (byLeader.isEmpty()) {
      Thread.sleep(Math.min(wait.toMillis(), 100));
      return 0;
    }
    List<BrokerConnection> asked = new ArrayList<>();
    for (Map.Entry<Node, List<TopicPartition>> e : byLeader.entrySet()) {
      BrokerConnection c = connection(sourceConnections, e.getKey());
      c.send(ApiKeys.FETCH, FETCH_VERSION, fetchRequest(e.getValue(), (int) wait.toMillis()));
      asked.add(c);
    }
    Map<TopicPartition, List<BatchCopy.Copy>> out = new LinkedHashMap<>();
    int records = 0;
    for (BrokerConnection c : asked) {
      FetchResponseData r = (FetchResponseData) receive(sourceConnections, c);
      if (r == null) continue;
      if (r.errorCode() != Errors.NONE.code()) throw new KafkaException("fetch from " + c.node() + " failed: " + Errors.forCode(r.errorCode()));
      for (FetchResponseData.FetchableTopicResponse t : r.responses()) {
        for (FetchResponseData.PartitionData p : t.partitions()) records += fetched(new TopicPartition(t.topic(), p.partitionIndex()), p, out);
      }
    }
    if (records == 0) return 0;
    beginTransaction();
    Map<TopicPartition, TopicPartition> sourceOf = new HashMap<>();
    Map<TopicPartition, List<BatchCopy.Copy>> byTarget = new LinkedHashMap<>();
    out.forEach((src, copies) -> {
      TopicPartition target = mirrored.get(src);
      sourceOf.put(target, src);
      byTarget.put(target, copies);
    });
    produce(byTarget, sourceOf, Map.of());
    return records;
  }

  /** Takes one partition's fetched batches into {@code out}; returns the number of records taken. */
  private int fetched(TopicPartition tp, FetchResponseData.PartitionData p, Map<TopicPartition, List<BatchCopy.Copy>> out)
      throws ExecutionException, InterruptedException {
    Long position = positions.get(tp);
    if (position == null || !mirrored.containsKey(tp)) return 0;
    Errors error = Errors.forCode(p.errorCode());
    switch (error) {
      case NONE -> { }
      case OFFSET_OUT_OF_RANGE -> {
        // As the consumer with auto.offset.reset=earliest: the records before the log start are gone.
        long start = logStart(List.of(tp)).get(tp);
        log.warn("{}: position {} of {} is out of range; going on from the log start {}", flow.name(), position, tp, start);
        positions.put(tp, start);
        return 0;
      }
      case NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, LEADER_NOT_AVAILABLE,
          REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR -> {
        leadersStale = true;
        return 0;
      }
      default -> throw new KafkaException("fetch of " + tp + " at " + position + " failed: " + error, error.exception());
    }
    BatchCopy.Committed c = BatchCopy.committed(p, position);
    positions.put(tp, c.next());
    if (!c.copies().isEmpty()) out.computeIfAbsent(tp, t -> new ArrayList<>()).addAll(c.copies());
    return c.records();
  }

  private FetchRequestData fetchRequest(List<TopicPartition> tps, int maxWaitMs) {
    Map<String, List<FetchRequestData.FetchPartition>> byTopic = new LinkedHashMap<>();
    for (TopicPartition tp : tps) {
      byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(new FetchRequestData.FetchPartition().setPartition(tp.partition())
          .setCurrentLeaderEpoch(-1).setFetchOffset(positions.get(tp)).setLastFetchedEpoch(-1).setLogStartOffset(-1)
          .setPartitionMaxBytes(PARTITION_MAX_BYTES));
    }
    List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
    byTopic.forEach((t, ps) -> topics.add(new FetchRequestData.FetchTopic().setTopic(t).setPartitions(ps)));
    // Session 0, epoch -1: a full fetch without a fetch session (positions are this path's own).
    return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(FETCH_MAX_BYTES)
        .setIsolationLevel((byte) 1).setSessionId(0).setSessionEpoch(-1).setTopics(topics).setRackId("");
  }

  /**
   * Sends every batch of {@code byTarget} (target partition to its batches, in order) as batches of
   * the transaction: one batch per partition per Produce request (as Kafka requires), requests
   * pipelined per target leader, the partitions added to the transaction first.
   */
  private void produce(Map<TopicPartition, List<BatchCopy.Copy>> byTarget, Map<TopicPartition, TopicPartition> sourceOf,
      Map<TopicPartition, List<CompletableFuture<RecordMetadata>>> futures) throws IOException, InterruptedException, ExecutionException {
    Set<TopicPartition> added = new HashSet<>(byTarget.keySet());
    added.removeAll(inTransaction);
    txn.addPartitions(added);
    inTransaction.addAll(added);
    if (!added.isEmpty()) started = true;
    Map<Node, Map<TopicPartition, ArrayDeque<BatchCopy.Copy>>> byLeader = new HashMap<>();
    for (Map.Entry<TopicPartition, List<BatchCopy.Copy>> e : byTarget.entrySet()) {
      Node leader = targetLeader(e.getKey());
      TopicPartition source = sourceOf.get(e.getKey());
      ArrayDeque<BatchCopy.Copy> queue = new ArrayDeque<>();
      if (source == null) {
        queue.addAll(e.getValue());
      } else {
        // A batch larger than the target takes is rebuilt into batches that fit, in this same transaction.
        int limit = batchLimit(e.getKey().topic());
        for (BatchCopy.Copy copy : e.getValue()) {
          List<BatchCopy.Copy> fitted = BatchCopy.fit(copy, limit, source, e.getKey());
          if (fitted.get(0) != copy && splitLogged.add(e.getKey().topic())) {
            log.info("{}: batches of {} larger than {} bytes (max.message.bytes of {} on {}) are split to fit", flow.name(), source.topic(),
                limit, e.getKey().topic(), flow.target().alias());
          }
          queue.addAll(fitted);
        }
      }
      byLeader.computeIfAbsent(leader, n -> new LinkedHashMap<>()).put(e.getKey(), queue);
    }
    for (Map.Entry<Node, Map<TopicPartition, ArrayDeque<BatchCopy.Copy>>> e : byLeader.entrySet()) {
      BrokerConnection c = connection(targetConnections, e.getKey());
      Map<TopicPartition, ArrayDeque<BatchCopy.Copy>> queues = e.getValue();
      while (queues.values().stream().anyMatch(q -> !q.isEmpty())) {
        Map<TopicPartition, Sent> request = new LinkedHashMap<>();
        queues.forEach((tp, q) -> {
          BatchCopy.Copy copy = q.poll();
          if (copy == null) return;
          int seq = sequences.getOrDefault(tp, 0);
          BatchCopy.rewrite(copy.batch(), txn.producerId(), txn.epoch(), seq);
          sequences.put(tp, DefaultRecordBatch.incrementSequence(seq, copy.count()));
          request.put(tp, new Sent(sourceOf.get(tp), copy, futures.get(tp)));
        });
        if (c.inFlight() >= MAX_IN_FLIGHT) answered(c);
        c.send(ApiKeys.PRODUCE, PRODUCE_VERSION, produceRequest(request));
        pending.computeIfAbsent(c, x -> new ArrayDeque<>()).addLast(request);
      }
    }
  }

  private ProduceRequestData produceRequest(Map<TopicPartition, Sent> request) {
    Map<String, List<ProduceRequestData.PartitionProduceData>> byTopic = new LinkedHashMap<>();
    request.forEach((tp, s) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(
        new ProduceRequestData.PartitionProduceData().setIndex(tp.partition()).setRecords(MemoryRecords.readableRecords(s.copy().batch().duplicate()))));
    ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
    byTopic.forEach((t, ps) -> topics.add(new ProduceRequestData.TopicProduceData().setName(t).setPartitionData(ps)));
    return new ProduceRequestData().setTransactionalId(flow.transactionalId()).setAcks((short) -1).setTimeoutMs(PRODUCE_TIMEOUT_MS)
        .setTopicData(topics);
  }

  /** Reads the oldest produce answer on {@code c}: each batch's target offset into the runs or its futures. */
  private void answered(BrokerConnection c) throws IOException {
    Map<TopicPartition, Sent> request = pending.get(c).pollFirst();
    ProduceResponseData r = (ProduceResponseData) c.receive();
    int answers = 0;
    for (ProduceResponseData.TopicProduceResponse t : r.responses()) {
      for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
        TopicPartition tp = new TopicPartition(t.name(), p.index());
        Sent s = request.get(tp);
        if (s == null) throw new KafkaException("produce answer for " + tp + ", which the request did not carry");
        Errors error = Errors.forCode(p.errorCode());
        if (error == Errors.INVALID_PRODUCER_EPOCH || error == Errors.PRODUCER_FENCED) {
          throw new ProducerFencedException("produce to " + tp + ": " + error.message());
        }
        if ((error == Errors.MESSAGE_TOO_LARGE || error == Errors.RECORD_LIST_TOO_LARGE) && s.source() != null) {
          // The target refused a batch its described max.message.bytes let through (a broker-wide
          // limit, a config just changed): later sessions split this topic's batches below half of it.
          int refused = s.copy().batch().remaining();
          refusedLimits.merge(tp.topic(), Math.max(1, refused / 2), Math::min);
          log.warn("{}: {} refused a batch of {} bytes ({}); batches to {} are split to at most {} bytes from now on",
              flow.name(), tp, refused, error, tp.topic(), refusedLimits.get(tp.topic()));
        }
        if (error != Errors.NONE) {
          throw new KafkaException("produce to " + tp + " failed: " + error + (p.errorMessage() != null ? " (" + p.errorMessage() + ")" : ""), error.exception());
        }
        answers++;
        BatchCopy.Copy copy = s.copy();
        if (s.source() != null) {
          if (!copy.rebuilt()) {
            runs.add(s.source(), copy.sourceBase(), p.baseOffset(), copy.count());
          } else {
            for (int i = 0; i < copy.count(); i++) runs.add(s.source(), copy.sourceOffset(i), p.baseOffset() + i, 1);
          }
        } else {
          for (int i = 0; i < s.futures().size(); i++) {
            s.futures().get(i).complete(new RecordMetadata(tp, p.baseOffset(), i, -1, -1, -1));
          }
        }
      }
    }
    if (answers != request.size()) throw new KafkaException("produce answer from " + c.node() + " covers " + answers + " of " + request.size() + " partitions");
  }

  /**
   * The largest batch {@code topic} on the target takes: its max.message.bytes (DescribeConfigs,
   * once per session), lowered to what an earlier refusal taught.
   */
  private int batchLimit(String topic) throws ExecutionException, InterruptedException {
    Integer limit = described.get(topic);
    if (limit == null) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      ConfigEntry entry = targetAdmin.describeConfigs(List.of(r)).all().get().get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      limit = entry == null || entry.value() == null ? Integer.MAX_VALUE : Integer.parseInt(entry.value());
      described.put(topic, limit);
    }
    Integer refused = refusedLimits.get(topic);
    return refused == null ? limit : Math.min(limit, refused);
  }

  private void drain() throws IOException {
    for (BrokerConnection c : targetConnections.values()) {
      while (c.inFlight() > 0) answered(c);
    }
  }

  @Override
  public long position(TopicPartition source) {
    Long p = positions.get(source);
    if (p == null) throw new IllegalStateException(source + " is not mirrored");
    return p;
  }

  @Override
  public void beginTransaction() {
    if (open) return;
    open = true;
    started = false;
    inTransaction.clear();
    runs.clear();
    singles.clear();
  }

  @Override
  public List<Mm2Formats.OffsetSync> syncs() throws IOException {
    drain();
    List<Mm2Formats.OffsetSync> out = runs.syncs();
    runs.clear();
    return out;
  }

  @Override
  public Future<RecordMetadata> send(String topic, byte[] key, byte[] value) {
    CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
    singles.computeIfAbsent(new TopicPartition(topic, 0), t -> new ArrayList<>()).add(new Single(key, value, f));
    return f;
  }

  @Override
  public void sendPositions(Map<TopicPartition, Long> byTarget, String group) throws IOException, InterruptedException {
    txn.commitOffsets(group, byTarget);
    if (!byTarget.isEmpty()) started = true;
  }

  @Override
  public void commit() throws IOException, InterruptedException, ExecutionException {
    if (!singles.isEmpty()) {
      long now = System.currentTimeMillis();
      Map<TopicPartition, List<BatchCopy.Copy>> batches = new LinkedHashMap<>();
      Map<TopicPartition, List<CompletableFuture<RecordMetadata>>> futures = new HashMap<>();
      singles.forEach((tp, list) -> {
        SimpleRecord[] records = list.stream().map(s -> new SimpleRecord(now, s.key(), s.value())).toArray(SimpleRecord[]::new);
        MemoryRecords built = MemoryRecords.withTransactionalRecords(Compression.NONE, 0L, (short) 0, 0, records);
        batches.put(tp, List.of(new BatchCopy.Copy(built.buffer(), records.length, -1, null)));
        futures.put(tp, list.stream().map(Single::future).toList());
      });
      singles.clear();
      produce(batches, Map.of(), futures);
    }
    drain();
    // As KafkaProducer: a transaction nothing joined has nothing to end (the coordinator would
    // answer INVALID_TXN_STATE for an empty one).
    if (started) txn.commit();
    open = false;
    started = false;
    inTransaction.clear();
  }

  @Override
  public void wakeup() {
    // A poll waits at most its own wait (the fetch's max wait): nothing to interrupt.
  }

  private void refreshSourceLeaders() throws ExecutionException, InterruptedException {
    Set<String> topics = mirrored.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet());
    sourceLeaders.clear();
    leaders(sourceAdmin, topics, sourceLeaders);
    leadersStale = false;
  }

  private Node targetLeader(TopicPartition tp) throws ExecutionException, InterruptedException {
    Node n = targetLeaders.get(tp);
    // A topic TopicSync has just created may have no leader for a moment.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (n == null && System.nanoTime() < deadline) {
      leaders(targetAdmin, Set.of(tp.topic()), targetLeaders);
      n = targetLeaders.get(tp);
      if (n == null) Thread.sleep(100);
    }
    if (n == null) throw new KafkaException("no leader for " + tp + " on " + flow.target().alias());
    return n;
  }

  private static void leaders(Admin admin, Set<String> topics, Map<TopicPartition, Node> into) throws ExecutionException, InterruptedException {
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.leader() != null && !p.leader().isEmpty()) into.put(new TopicPartition(d.name(), p.partition()), p.leader());
      }
    }
  }

  private Node anyTargetNode() {
    try {
      Collection<Node> nodes = targetAdmin.describeCluster().nodes().get();
      if (nodes.isEmpty()) throw new KafkaException("no brokers known on " + flow.target().alias());
      return nodes.iterator().next();
    } catch (ExecutionException e) {
      throw new KafkaException("cannot list the brokers of " + flow.target().alias(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  private BrokerConnection connection(Map<Integer, BrokerConnection> pool, Node node) throws IOException {
    BrokerConnection c = pool.get(node.id());
    if (c != null && (!c.node().host().equals(node.host()) || c.node().port() != node.port())) {
      c.close();
      pool.remove(node.id());
      c = null;
    }
    if (c == null) {
      c = new BrokerConnection(node, clientId, SOCKET_TIMEOUT_MS);
      pool.put(node.id(), c);
    }
    return c;
  }

  /** A fetch answer, or null when the connection broke (it is dropped and the leaders looked up again). */
  private Object receive(Map<Integer, BrokerConnection> pool, BrokerConnection c) {
    try {
      return c.receive();
    } catch (IOException e) {
      log.warn("{}: fetch from {} failed ({}); reconnecting", flow.name(), c.node(), e.toString());
      c.close();
      pool.remove(c.node().id());
      leadersStale = true;
      return null;
    }
  }

  @Override
  public void close() {
    sourceConnections.values().forEach(BrokerConnection::close);
    targetConnections.values().forEach(BrokerConnection::close);
    sourceConnections.clear();
    targetConnections.clear();
    txn.close();
  }
}
