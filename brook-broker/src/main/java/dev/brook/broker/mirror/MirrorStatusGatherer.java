package dev.brook.broker.mirror;

import dev.brook.broker.admin.MirrorTopicRules;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.BrokerConnector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers a mirror topic's {@code mirror.status} in a cluster: this broker's own item for each
 * partition it leads, and for the others their leader's, asked over the inter-broker listener
 * ({@code mirror.status.here}, see {@link MirrorTopicRules#STATUS_HERE}) on the status thread
 * {@code brook-mirror-status}. Gathered when asked rather than published by the leaders, because
 * the cluster's ZooKeeper cache rebuilds its snapshot on every write: a lag published every second
 * would cost every broker a rebuild a second.
 *
 * <p>An item is {@code partition:state:mirrorEnd:sourceHighWatermark:lag} ({@link #item}); items
 * are joined by {@code ;} in partition order. A leader that does not answer (within the socket
 * timeout) leaves its partitions {@code unknown} with lag -1; a partition with no leader is {@code
 * offline}.
 *
 * <p>Threads: {@link #gather} from any thread; it never blocks, the questions to other brokers are
 * asked on the status thread (made on first use), which alone uses the {@link Question}.
 */
final class MirrorStatusGatherer {
  // Logs as the manager did before this class was split from it: the log line's name stays the same.
  private static final Logger log = LoggerFactory.getLogger(MirrorManager.class);

  /** Asks one other broker for its own view of a mirror topic. Used on the status thread only. */
  interface Question {
    /** Broker {@code broker}'s own status items of {@code topic}, by partition; empty if it did not answer. */
    Map<Integer, String> ask(int broker, String topic);

    /** Closes the connections opened by {@link #ask}. */
    void close();
  }

  private final ToIntFunction<TopicPartition> leaderOf;
  private final IntSupplier localBrokerId;
  private final Supplier<Question> questions;
  /** The status thread and its question, made on first use (guarded by this). */
  private ExecutorService thread;
  private Question question;

  /**
   * @param leaderOf a partition's leader in the cluster, -1 if it has none
   * @param questions makes the status thread's {@link Question} (once, on first use)
   */
  MirrorStatusGatherer(ToIntFunction<TopicPartition> leaderOf, IntSupplier localBrokerId, Supplier<Question> questions) {
    this.leaderOf = leaderOf;
    this.localBrokerId = localBrokerId;
    this.questions = questions;
  }

  /** A gatherer that finds leaders in {@code state} and asks them over their inter-broker listener through {@code connector}. */
  static MirrorStatusGatherer overInterBrokerListener(ClusterState state, BrokerConnector connector, int timeoutMs) {
    return new MirrorStatusGatherer(tp -> state.partitionState(tp).map(PartitionState::leader).orElse(-1), state::localBrokerId,
        () -> new StatusHereQuestion(new PeerConnections(state::broker, connector, "brook-mirror-status-" + state.localBrokerId(),
            timeoutMs)));
  }

  /** One partition's status item; {@code -1} for what is not known, and then the lag is -1 too. */
  static String item(int partition, String state, long mirrorEnd, long sourceHighWatermark) {
    long lag = sourceHighWatermark < 0 || mirrorEnd < 0 ? -1 : Math.max(0, sourceHighWatermark - mirrorEnd);
    return partition + ":" + state + ":" + mirrorEnd + ":" + sourceHighWatermark + ":" + lag;
  }

  /**
   * The status of {@code topic}'s {@code partitions} partitions: {@code here} gives this broker's own
   * item of a partition it leads. Complete at once when every partition is led here or by none.
   */
  CompletableFuture<String> gather(String topic, int partitions, IntFunction<String> here) {
    String[] items = new String[partitions];
    Map<Integer, List<Integer>> elsewhere = new TreeMap<>(); // leader -> partitions
    for (int i = 0; i < partitions; i++) {
      int leader = leaderOf.applyAsInt(new TopicPartition(topic, i));
      if (leader < 0) {
        items[i] = item(i, "offline", -1, -1);
      } else if (leader == localBrokerId.getAsInt()) {
        items[i] = here.apply(i);
      } else {
        elsewhere.computeIfAbsent(leader, l -> new ArrayList<>()).add(i);
      }
    }
    if (elsewhere.isEmpty()) return CompletableFuture.completedFuture(String.join(";", items));
    return CompletableFuture.supplyAsync(() -> {
      elsewhere.forEach((leader, led) -> {
        Map<Integer, String> theirs = question.ask(leader, topic);
        for (int i : led) items[i] = theirs.getOrDefault(i, item(i, "unknown", -1, -1));
      });
      return String.join(";", items);
    }, thread());
  }

  private synchronized ExecutorService thread() {
    if (thread == null) {
      question = questions.get();
      thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("brook-mirror-status").daemon().factory());
    }
    return thread;
  }

  /** Closes the question's connections on the status thread (waiting up to 30 s) and stops it; once. */
  void close() throws InterruptedException, ExecutionException, TimeoutException {
    ExecutorService status;
    synchronized (this) {
      status = thread;
    }
    if (status == null || status.isShutdown()) return;
    status.submit(question::close).get(30, TimeUnit.SECONDS);
    status.shutdownNow();
  }

  /**
   * Puts the items of {@code answer} (a broker's DescribeConfigs answer for {@code
   * mirror.status.here}) into {@code into} by partition; a result with an error goes to {@code
   * onError} and adds nothing.
   */
  static void addItems(DescribeConfigsResponseData answer, Map<Integer, String> into, Consumer<Errors> onError) {
    for (DescribeConfigsResponseData.DescribeConfigsResult res : answer.results()) {
      if (res.errorCode() != Errors.NONE.code()) {
        onError.accept(Errors.forCode(res.errorCode()));
        continue;
      }
      for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : res.configs()) {
        if (!c.name().equals(MirrorTopicRules.STATUS_HERE) || c.value() == null) continue;
        for (String item : c.value().split(";")) {
          int colon = item.indexOf(':');
          if (colon > 0) into.put(Integer.parseInt(item.substring(0, colon)), item);
        }
      }
    }
  }

  /** Asks with a DescribeConfigs (v4) of the one key {@code mirror.status.here} over {@link PeerConnections}. */
  private static final class StatusHereQuestion implements Question {
    private final PeerConnections calls;
    private final ThrottledWarnings warnings = new ThrottledWarnings(log, System::nanoTime);

    StatusHereQuestion(PeerConnections calls) {
      this.calls = calls;
    }

    @Override
    public Map<Integer, String> ask(int broker, String topic) {
      DescribeConfigsRequestData req = new DescribeConfigsRequestData();
      req.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
          .setResourceName(topic).setConfigurationKeys(List.of(MirrorTopicRules.STATUS_HERE)));
      Map<Integer, String> out = new HashMap<>();
      try {
        DescribeConfigsResponse r = (DescribeConfigsResponse) calls.call(broker, new DescribeConfigsRequest.Builder(req).build((short) 4));
        addItems(r.data(), out, error ->
            warnings.warn("status:" + broker, "mirror status of {}: broker {} answered {}", topic, broker, error));
      } catch (IOException | RuntimeException e) {
        log.debug("mirror status of {}: broker {} did not answer", topic, broker, e);
      }
      return out;
    }

    @Override
    public void close() {
      calls.close();
    }
  }
}
