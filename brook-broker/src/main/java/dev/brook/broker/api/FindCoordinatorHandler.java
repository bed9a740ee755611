package dev.brook.broker.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: a group or transactional id is coordinated by the broker leading the key's
 * partition of the internal topic (__consumer_offsets / __transaction_state), as the cluster
 * metadata says (a single node leads them all). COORDINATOR_NOT_AVAILABLE when the partition has no
 * live leader. Share-group keys are not supported. v4+ batches keys. Answers from cached metadata:
 * never blocks a thread.
 *
 * <p>The first key of a kind starts its internal topic's creation. Kafka answers that request
 * COORDINATOR_NOT_AVAILABLE at once, and the client asks again after its backoff (100 ms, growing):
 * a fresh broker's first consumer group took ~350 ms longer to join than its second. Here the answer
 * waits for the creation under way, at most {@link #CREATION_WAIT_MS}, then locates again: the
 * client gets its coordinator on the first try, and COORDINATOR_NOT_AVAILABLE only if the topic
 * could not be created (or led) in that time.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
  /** How long an answer waits for an internal topic's creation under way before it is sent. */
  static final long CREATION_WAIT_MS = 2_000;

  private static final CompletableFuture<Boolean> NOTHING_CREATED = CompletableFuture.completedFuture(false);

  /** Where one key type's coordinator is. */
  @FunctionalInterface
  public interface Locator {
    /** The node coordinating {@code key} (non-empty), or why there is none now. */
    Located locate(String key);

    /**
     * The latest creation that {@link #locate} started: completes when it ends, with whether locating
     * again may now find what it did not (the topic was created). Completed with false when there is
     * nothing to create.
     */
    default CompletableFuture<Boolean> creationEnded() {
      return NOTHING_CREATED;
    }
  }

  /** An internal topic created on first use. */
  public interface CoordinatorTopic {
    /** True if the topic exists; otherwise starts creating it (when not already under way) and returns false. */
    boolean ensureReady();

    /**
     * The latest creation: completes when it ends, with whether the topic exists then. Stays
     * completed after it ended, until {@link #ensureReady} starts another.
     */
    CompletableFuture<Boolean> creationEnded();
  }

  /** A coordinator found ({@code node} set, {@code error} NONE) or not ({@code node} null). */
  public record Located(Node node, Errors error) {
    public static Located at(Node node) {
      return new Located(node, Errors.NONE);
    }

    public static Located unavailable(Errors error) {
      return new Located(null, error);
    }
  }

  /**
   * The leader of the key's partition of {@code topic}.
   *
   * @param partitionFor the key's partition of the topic
   * @param topicReady whether the topic exists (asking may start its creation)
   * @param leaderOf the live leader of a partition, as clients reach it
   */
  public static Locator partitionLeader(String topic, ToIntFunction<String> partitionFor, BooleanSupplier topicReady,
      Function<TopicPartition, Optional<Node>> leaderOf) {
    return partitionLeader(topic, partitionFor, new CoordinatorTopic() {
      @Override
      public boolean ensureReady() {
        return topicReady.getAsBoolean();
      }

      @Override
      public CompletableFuture<Boolean> creationEnded() {
        return NOTHING_CREATED;
      }
    }, leaderOf);
  }

  /** The leader of the key's partition of {@code internal}, the topic named {@code topic}. */
  public static Locator partitionLeader(String topic, ToIntFunction<String> partitionFor, CoordinatorTopic internal,
      Function<TopicPartition, Optional<Node>> leaderOf) {
    return new Locator() {
      @Override
      public Located locate(String key) {
        if (!internal.ensureReady()) return Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE);
        return leaderOf.apply(new TopicPartition(topic, partitionFor.applyAsInt(key)))
            .map(Located::at)
            .orElse(Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE));
      }

      @Override
      public CompletableFuture<Boolean> creationEnded() {
        return internal.creationEnded();
      }
    };
  }

  /** This node, once {@code ready} (a single node coordinates every key). */
  public static Locator self(BooleanSupplier ready, Supplier<Node> self) {
    return key -> ready.getAsBoolean() ? Located.at(self.get()) : Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE);
  }

  private final Locator groups;
  private final Locator transactions;
  // A coordinator is located by its inter-broker identity; the client is told its address on the
  // listener the request came in on.
  private BiFunction<Node, String, Node> onListener = (node, listenerName) -> node;

  /** Groups only (transaction keys get COORDINATOR_NOT_AVAILABLE). */
  public FindCoordinatorHandler(Locator groups) {
    this(groups, key -> Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE));
  }

  public FindCoordinatorHandler(Locator groups, Locator transactions) {
    this.groups = groups;
    this.transactions = transactions;
  }

  /**
   * A single node: group keys are served by this node once __consumer_offsets exists.
   *
   * @param groupsReady whether __consumer_offsets exists (asking may start its creation)
   * @param self this node as clients reach it
   */
  public FindCoordinatorHandler(BooleanSupplier groupsReady, Supplier<Node> self) {
    this(self(groupsReady, self));
  }

  /** A single node with a transaction coordinator: {@code transactionKeys} is NONE when this node serves a key. */
  public FindCoordinatorHandler(BooleanSupplier groupsReady, Supplier<Node> self, Function<String, Errors> transactionKeys) {
    this(self(groupsReady, self), key -> {
      Errors e = transactionKeys.apply(key);
      return e == Errors.NONE ? Located.at(self.get()) : Located.unavailable(e);
    });
  }

  /** Answers with the coordinator's address on the request's listener, as {@code onListener} gives it. */
  public FindCoordinatorHandler onListener(BiFunction<Node, String, Node> onListener) {
    this.onListener = onListener;
    return this;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, FindCoordinatorRequestData req) {
    FindCoordinatorResponseData response = answer(ctx, req);
    if (!unavailable(response)) return CompletableFuture.completedFuture(response);
    // The creation this answer started may already have ended (a topic another broker created is
    // found at once), before this line asked for it: what counts is how the latest one ended.
    CompletableFuture<Boolean> creation = locatorFor(req.keyType()).creationEnded();
    // copy(): the timeout must not complete the creation's own future, which other answers wait on.
    // At the bound, locate again anyway: a creation still under way is not started twice.
    return creation.copy()
        .completeOnTimeout(true, CREATION_WAIT_MS, TimeUnit.MILLISECONDS)
        .<ApiMessage>handle((created, failure) -> Boolean.TRUE.equals(created) ? answer(ctx, req) : response);
  }

  private Locator locatorFor(byte keyType) {
    return keyType == CoordinatorType.TRANSACTION.id() ? transactions : groups;
  }

  private static boolean unavailable(FindCoordinatorResponseData response) {
    short notAvailable = Errors.COORDINATOR_NOT_AVAILABLE.code();
    if (response.errorCode() == notAvailable) return true;
    for (Coordinator c : response.coordinators()) {
      if (c.errorCode() == notAvailable) return true;
    }
    return false;
  }

  private FindCoordinatorResponseData answer(RequestContext ctx, FindCoordinatorRequestData req) {
    FindCoordinatorResponseData response = new FindCoordinatorResponseData();
    if (ctx.apiVersion() < 4) {
      Coordinator c = find(req.key(), req.keyType(), ctx.listenerName());
      response
          .setErrorCode(c.errorCode())
          .setErrorMessage(c.errorMessage())
          .setNodeId(c.nodeId())
          .setHost(c.host())
          .setPort(c.port());
    } else {
      List<String> keys = req.coordinatorKeys();
      for (String key : keys) response.coordinators().add(find(key, req.keyType(), ctx.listenerName()));
    }
    return response;
  }

  private Coordinator find(String key, byte keyType, String listenerName) {
    Coordinator c = new Coordinator().setKey(key);
    Located found;
    if (key == null || key.isEmpty()) {
      found = Located.unavailable(Errors.INVALID_REQUEST);
    } else if (keyType == CoordinatorType.GROUP.id()) {
      found = groups.locate(key);
    } else if (keyType == CoordinatorType.TRANSACTION.id()) {
      found = transactions.locate(key);
    } else {
      found = Located.unavailable(Errors.INVALID_REQUEST);
    }
    if (found.node() == null) {
      Errors error = found.error() == Errors.NONE ? Errors.COORDINATOR_NOT_AVAILABLE : found.error();
      return c.setErrorCode(error.code()).setErrorMessage(error.message()).setNodeId(-1).setHost("").setPort(-1);
    }
    Node node = onListener.apply(found.node(), listenerName);
    return c.setErrorCode(Errors.NONE.code()).setErrorMessage(null).setNodeId(node.id()).setHost(node.host()).setPort(node.port());
  }
}
