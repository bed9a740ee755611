package dev.brook.broker.txn;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MarkerWriter} of a broker in a cluster: each partition's marker goes to its current
 * leader as {@link ClusterState} knows it, through the {@link LocalMarkerWriter} when that is this
 * broker, else as WriteTxnMarkers over an inter-broker connection ({@link ReplicaClient}). A
 * partition not written (NOT_LEADER_OR_FOLLOWER, no leader, a disconnect, a timeout, too few
 * in-sync replicas...) is retried after a backoff, with leadership re-read, until it is written, the
 * partition no longer exists (UNKNOWN_TOPIC_OR_PARTITION), its leader fences the coordinator
 * (TRANSACTION_COORDINATOR_FENCED, final) or the coordinator loses its epoch (NOT_COORDINATOR).
 *
 * <p>Threading: remote requests are sent, one at a time, on the sender thread (blocking I/O there
 * only, one cached connection per broker); results are gathered under each write's own lock.
 */
public final class ClusterMarkerWriter implements MarkerWriter, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterMarkerWriter.class);

  private final ClusterState cluster;
  private final LocalMarkerWriter local;
  private final ScheduledExecutorService sender;
  private final long retryBackoffMs;
  private final int socketTimeoutMs;
  private final BrokerConnector connector;
  private final String clientId;
  /** Connections by broker id; used on the sender thread (and closed by {@link #close}). */
  private final Map<Integer, ReplicaClient> connections = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param sender the single thread that sends WriteTxnMarkers and schedules retries; owned from
   *     now on ({@link #close} shuts it down)
   */
  public ClusterMarkerWriter(ClusterState cluster, LocalMarkerWriter local, ScheduledExecutorService sender,
      long retryBackoffMs, int socketTimeoutMs) {
    this(cluster, local, sender, retryBackoffMs, socketTimeoutMs, BrokerConnector.PLAINTEXT);
  }

  /** @param connector how to reach another broker's inter-broker listener (TLS, SASL) */
  public ClusterMarkerWriter(ClusterState cluster, LocalMarkerWriter local, ScheduledExecutorService sender,
      long retryBackoffMs, int socketTimeoutMs, BrokerConnector connector) {
    this.connector = connector;
    this.cluster = cluster;
    this.local = local;
    this.sender = sender;
    this.retryBackoffMs = retryBackoffMs;
    this.socketTimeoutMs = socketTimeoutMs;
    this.clientId = "brook-txn-markers-" + cluster.localBrokerId();
  }

  @Override
  public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
      int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions, BooleanSupplier stillNeeded) {
    Write w = new Write(producerId, producerEpoch, coordinatorEpoch, commit, partitions, stillNeeded);
    w.attempt();
    return w.future;
  }

  /** One transaction's markers, until every partition has its final answer. */
  private final class Write {
    final long producerId;
    final short producerEpoch;
    final int coordinatorEpoch;
    final boolean commit;
    final BooleanSupplier stillNeeded;
    final Map<TopicPartition, Errors> results = new LinkedHashMap<>();
    final Set<TopicPartition> remaining = new LinkedHashSet<>();
    final CompletableFuture<Map<TopicPartition, Errors>> future = new CompletableFuture<>();
    int outstanding; // sends of the current round not answered yet; guarded by this
    int attempts;

    Write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
        Collection<TopicPartition> partitions, BooleanSupplier stillNeeded) {
      this.producerId = producerId;
      this.producerEpoch = producerEpoch;
      this.coordinatorEpoch = coordinatorEpoch;
      this.commit = commit;
      this.stillNeeded = stillNeeded;
      remaining.addAll(partitions);
      for (TopicPartition tp : partitions) results.put(tp, Errors.NONE);
    }

    /** One round: each remaining partition to its leader; the round ends when all have answered. */
    void attempt() {
      List<TopicPartition> toLocal = new ArrayList<>();
      Map<Integer, List<TopicPartition>> toRemote = new HashMap<>();
      synchronized (this) {
        if (!stillNeeded.getAsBoolean()) {
          for (TopicPartition tp : remaining) results.put(tp, Errors.NOT_COORDINATOR);
          remaining.clear();
        }
        attempts++;
        for (TopicPartition tp : List.copyOf(remaining)) {
          Optional<PartitionState> s = cluster.partitionState(tp);
          if (s.isEmpty()) {
            finish(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
          } else if (s.get().leader() == cluster.localBrokerId()) {
            toLocal.add(tp);
          } else if (s.get().leader() >= 0) {
            toRemote.computeIfAbsent(s.get().leader(), id -> new ArrayList<>()).add(tp);
          } else {
            results.put(tp, Errors.LEADER_NOT_AVAILABLE);
          }
        }
        if (remaining.isEmpty()) {
          future.complete(results);
          return;
        }
        outstanding = (toLocal.isEmpty() ? 0 : 1) + toRemote.size();
        if (outstanding == 0) { // no partition has a leader now
          retryLater();
          return;
        }
      }
      if (!toLocal.isEmpty()) {
        local.write(producerId, producerEpoch, coordinatorEpoch, commit, toLocal, stillNeeded)
            .whenComplete((r, e) -> answered(r, e, toLocal));
      }
      toRemote.forEach((broker, tps) -> {
        try {
          sender.execute(() -> answered(send(broker, tps), null, tps));
        } catch (RejectedExecutionException e) {
          answered(null, e, tps);
        }
      });
    }

    private void answered(Map<TopicPartition, Errors> r, Throwable error, List<TopicPartition> sent) {
      synchronized (this) {
        for (TopicPartition tp : sent) {
          Errors e = error != null || r == null ? Errors.NETWORK_EXCEPTION : r.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
          if (e == Errors.NONE || e == Errors.TRANSACTION_COORDINATOR_FENCED || e == Errors.INVALID_PRODUCER_EPOCH) {
            finish(tp, e);
          } else if (e == Errors.UNKNOWN_TOPIC_OR_PARTITION && cluster.partitionState(tp).isEmpty()) {
            finish(tp, e);
          } else {
            results.put(tp, e);
          }
        }
        if (--outstanding > 0) return;
        if (remaining.isEmpty()) {
          future.complete(results);
          return;
        }
        if (attempts == 1 || attempts % 50 == 0) {
          log.info("Markers of producer {} not written yet to {} ({}); retrying", producerId, remaining, results);
        }
      }
      retryLater();
    }

    private void finish(TopicPartition tp, Errors e) {
      results.put(tp, e);
      remaining.remove(tp);
    }

    private void retryLater() {
      try {
        sender.schedule(this::attempt, retryBackoffMs, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) { // shutting down: the coordinator's successor completes it
        synchronized (this) {
          for (TopicPartition tp : remaining) results.put(tp, Errors.COORDINATOR_NOT_AVAILABLE);
          remaining.clear();
        }
        future.complete(results);
      }
    }

    /** On the sender thread: WriteTxnMarkers to {@code broker}; the answer by partition (null: not answered). */
    private Map<TopicPartition, Errors> send(int broker, List<TopicPartition> tps) {
      Optional<BrokerEndpoint> endpoint = cluster.broker(broker);
      if (endpoint.isEmpty()) return null;
      WritableTxnMarker marker = new WritableTxnMarker()
          .setProducerId(producerId)
          .setProducerEpoch(producerEpoch)
          .setCoordinatorEpoch(coordinatorEpoch)
          .setTransactionResult(commit);
      Map<String, WritableTxnMarkerTopic> byTopic = new LinkedHashMap<>();
      for (TopicPartition tp : tps) {
        byTopic.computeIfAbsent(tp.topic(), n -> {
          WritableTxnMarkerTopic t = new WritableTxnMarkerTopic().setName(n);
          marker.topics().add(t);
          return t;
        }).partitionIndexes().add(tp.partition());
      }
      WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
      data.markers().add(marker);
      try {
        ReplicaClient c = connections.get(broker);
        if (c == null) {
          c = new ReplicaClient(endpoint.get(), clientId, socketTimeoutMs, socketTimeoutMs, connector);
          connections.put(broker, c);
        }
        WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) c.call(
            new WriteTxnMarkersRequest.Builder(data).build(ApiKeys.WRITE_TXN_MARKERS.latestVersion()));
        Map<TopicPartition, Errors> out = new HashMap<>();
        for (WritableTxnMarkerResult r : response.data().markers()) {
          for (WritableTxnMarkerTopicResult t : r.topics()) {
            for (WritableTxnMarkerPartitionResult p : t.partitions()) {
              out.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()));
            }
          }
        }
        return out;
      } catch (IOException | RuntimeException e) {
        log.debug("WriteTxnMarkers to broker {} failed: {}", broker, e.toString());
        closeConnection(broker);
        return null;
      }
    }
  }

  private void closeConnection(int broker) {
    ReplicaClient c = connections.remove(broker);
    if (c == null) return;
    try {
      c.close();
    } catch (IOException e) {
      log.debug("closing the marker connection to broker {}", broker, e);
    }
  }

  /**
   * Stops the sender (writes not finished stay prepared at the coordinator, whose successor
   * completes them) and closes the connections, which also ends a request blocked on one.
   */
  @Override
  public void close() {
    sender.shutdownNow();
    List.copyOf(connections.keySet()).forEach(this::closeConnection);
  }
}
