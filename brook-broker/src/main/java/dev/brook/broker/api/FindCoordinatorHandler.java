package dev.brook.broker.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntPredicate;
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
 * waits, at most {@link #CREATION_WAIT_MS}: the key's own partition is created first, and the answer
 * goes as soon as this broker's coordinator serves it (loaded), while the topic's other partitions
 * are still being created; or when the creation ends, whichever comes first. The client gets its
 * coordinator on the first try, and COORDINATOR_NOT_AVAILABLE only if the topic could not be
 * created (or led) in that time.
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

    /**
     * Completes when this broker's coordinator starts serving another partition of the topic, so
     * a key unavailable before may be located now. Take it before locating, so nothing is missed.
     */
    default CompletableFuture<Void> nextServed() {
      return new CompletableFuture<>(); // never: each caller's own, so nothing piles up on it
    }
  }

  /** Which partitions of an internal topic this broker's coordinator serves now: led here and loaded. */
  public interface Serving {
    /** Nothing is served here ahead of its topic's creation: only the creation's end is waited for. */
    Serving NONE = of(partition -> false, CompletableFuture::new);

    /** A coordinator's {@code serves} and {@code nextServed}. */
    static Serving of(IntPredicate serves, Supplier<CompletableFuture<Void>> nextServed) {
      return new Serving() {
        @Override
        public boolean serves(int partition) {
          return serves.test(partition);
        }

        @Override
        public CompletableFuture<Void> nextServed() {
          return nextServed.get();
        }
      };
    }

    /** Whether requests for the keys of {@code partition} are served here now. Any thread, cheap. */
    boolean serves(int partition);

    /** Completes when the next partition starts being served (see {@link Locator#nextServed}). */
    CompletableFuture<Void> nextServed();
  }

  /** An internal topic created on first use. */
  public interface CoordinatorTopic {
    /**
     * True if the topic exists; otherwise starts creating it, {@code firstPartition} before the
     * others (when no creation is under way), and returns false.
     */
    boolean ensureReady(int firstPartition);

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
      public boolean ensureReady(int firstPartition) {
        return topicReady.getAsBoolean();
      }

      @Override
      public CompletableFuture<Boolean> creationEnded() {
        return NOTHING_CREATED;
      }
    }, Serving.NONE, leaderOf);
  }

  /**
   * The leader of the key's partition of {@code internal}, the topic named {@code topic}. While the
   * topic is being created, a partition that {@code serving} serves already is located as well.
   */
  public static Locator partitionLeader(String topic, ToIntFunction<String> partitionFor, CoordinatorTopic internal,
      Serving serving, Function<TopicPartition, Optional<Node>> leaderOf) {
    return new Locator() {
      @Override
      public Located locate(String key) {
        int partition = partitionFor.applyAsInt(key);
        if (!internal.ensureReady(partition) && !serving.serves(partition)) {
          return Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        return leaderOf.apply(new TopicPartition(topic, partition))
            .map(Located::at)
            .orElse(Located.unavailable(Errors.COORDINATOR_NOT_AVAILABLE));
      }

      @Override
      public CompletableFuture<Boolean> creationEnded() {
        return internal.creationEnded();
      }

      @Override
      public CompletableFuture<Void> nextServed() {
        return serving.nextServed();
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
    return awaitCoordinator(ctx, req, response, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CREATION_WAIT_MS));
  }

  /**
   * Answers once every key is located, or the creation under way ended, or at {@code deadline}.
   * Locates again each time a partition starts being served meanwhile.
   */
  private CompletableFuture<ApiMessage> awaitCoordinator(
      RequestContext ctx, FindCoordinatorRequestData req, FindCoordinatorResponseData last, long deadline) {
    Locator locator = locatorFor(req.keyType());
    // Both are taken before locating again: a change between the two is then not missed.
    CompletableFuture<Boolean> creation = locator.creationEnded();
    CompletableFuture<Void> served = locator.nextServed();
    if (creation.isDone()) {
      // It may have ended before this answer asked after it (a topic another broker created is found
      // at once): what counts is how. Failed: the last answer stands (locating again would start
      // another creation at once; the client's next request will, after its backoff).
      return CompletableFuture.completedFuture(Boolean.TRUE.equals(creation.getNow(false)) ? answer(ctx, req) : last);
    }
    FindCoordinatorResponseData now = answer(ctx, req); // under way: not started twice
    long left = deadline - System.nanoTime();
    if (!unavailable(now) || left <= 0) return CompletableFuture.completedFuture(now);
    // anyOf makes a future of its own: the bound completes it, never the creation or the signal,
    // which other answers wait on.
    return CompletableFuture.anyOf(creation, served)
        .completeOnTimeout(null, left, TimeUnit.NANOSECONDS)
        .thenCompose(changed -> awaitCoordinator(ctx, req, now, deadline));
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
