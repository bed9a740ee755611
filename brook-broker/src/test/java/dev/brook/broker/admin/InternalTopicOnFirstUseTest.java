package dev.brook.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.api.FindCoordinatorHandler;
import dev.brook.broker.api.RequestContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first FindCoordinator of a fresh broker starts the internal topic's creation and its answer
 * waits for it: the client gets its coordinator on the first try instead of after a backoff.
 */
class InternalTopicOnFirstUseTest {
  static final Node SELF = new Node(1, "h", 9092);
  final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  FindCoordinatorHandler handlerFor(InternalTopicOnFirstUse topic) {
    return new FindCoordinatorHandler(
        FindCoordinatorHandler.partitionLeader("__consumer_offsets", k -> 0, topic, FindCoordinatorHandler.Serving.NONE,
            tp -> Optional.of(SELF)));
  }

  static CompletableFuture<ApiMessage> find(FindCoordinatorHandler handler, short version) {
    FindCoordinatorRequestData req = new FindCoordinatorRequestData().setKeyType(CoordinatorType.GROUP.id());
    if (version < 4) req.setKey("g");
    else req.setCoordinatorKeys(List.of("g"));
    RequestContext ctx =
        new RequestContext(new RequestHeader(ApiKeys.FIND_COORDINATOR, version, "test", 1), 1, null, "PLAINTEXT");
    return handler.handle(ctx, req);
  }

  static Errors error(ApiMessage answer) {
    FindCoordinatorResponseData r = (FindCoordinatorResponseData) answer;
    return Errors.forCode(r.coordinators().isEmpty() ? r.errorCode() : r.coordinators().get(0).errorCode());
  }

  @Test
  void theFirstAnswerWaitsForTheCreationItStartedAndNamesTheCoordinator() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger creations = new AtomicInteger();
    InternalTopicOnFirstUse topic = new InternalTopicOnFirstUse("__consumer_offsets", false, first -> {
      creations.incrementAndGet();
      release.await(10, TimeUnit.SECONDS);
    }, executor);
    FindCoordinatorHandler handler = handlerFor(topic);

    CompletableFuture<ApiMessage> oldVersion = find(handler, (short) 3);
    CompletableFuture<ApiMessage> batched = find(handler, (short) 4);
    assertThat(oldVersion).isNotDone();
    assertThat(batched).isNotDone();
    release.countDown();

    FindCoordinatorResponseData v3 = (FindCoordinatorResponseData) oldVersion.get(5, TimeUnit.SECONDS);
    assertThat(Errors.forCode(v3.errorCode())).isEqualTo(Errors.NONE);
    assertThat(v3.nodeId()).isEqualTo(1);
    assertThat(error(batched.get(5, TimeUnit.SECONDS))).isEqualTo(Errors.NONE);
    assertThat(creations).hasValue(1);
    assertThat(topic.creationEnded()).isDone();
    // Created for good: answered at once, nothing created again.
    assertThat(find(handler, (short) 4)).isCompletedWithValueMatching(a -> error(a) == Errors.NONE);
    assertThat(creations).hasValue(1);
  }

  /**
   * The key's partition is made first, and the answer goes as soon as the coordinator serves it:
   * the topic's other partitions are still being made, and a partition served that is not the key's
   * does not answer it.
   */
  @Test
  void theAnswerGoesWhenTheKeysPartitionIsServedBeforeTheCreationEnds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger madeFirst = new AtomicInteger(-1);
    InternalTopicOnFirstUse topic = new InternalTopicOnFirstUse("__consumer_offsets", false, first -> {
      madeFirst.set(first);
      release.await(10, TimeUnit.SECONDS);
    }, executor);
    Set<Integer> served = ConcurrentHashMap.newKeySet();
    AtomicReference<CompletableFuture<Void>> next = new AtomicReference<>(new CompletableFuture<>());
    FindCoordinatorHandler.Serving serving = FindCoordinatorHandler.Serving.of(served::contains, next::get);
    Runnable serve = () -> next.getAndSet(new CompletableFuture<>()).complete(null);
    FindCoordinatorHandler handler = new FindCoordinatorHandler(
        FindCoordinatorHandler.partitionLeader("__consumer_offsets", k -> 7, topic, serving, tp -> Optional.of(SELF)));
    try {
      CompletableFuture<ApiMessage> answer = find(handler, (short) 4);
      await().atMost(Duration.ofSeconds(5)).until(() -> madeFirst.get() == 7);
      served.add(3);
      serve.run();
      assertThat(answer).isNotDone();

      served.add(7);
      serve.run();
      assertThat(answer).isCompletedWithValueMatching(a -> error(a) == Errors.NONE);
      assertThat(topic.creationEnded()).isNotDone();
    } finally {
      release.countDown();
    }
  }

  /**
   * A broker that did not create the topic finds it at once (another broker created it): the creation
   * the answer started has ended before the answer asks after it. CI caught this race once, as a
   * FindCoordinator answered COORDINATOR_NOT_AVAILABLE on a broker whose cluster state named the
   * coordinator; a creation run on the asking thread makes it certain.
   */
  @Test
  void aCreationThatEndedBeforeTheAnswerAskedAfterItStillNamesTheCoordinator() {
    AtomicInteger creations = new AtomicInteger();
    InternalTopicOnFirstUse topic =
        new InternalTopicOnFirstUse("__consumer_offsets", false, first -> creations.incrementAndGet(), Runnable::run);

    assertThat(find(handlerFor(topic), (short) 4)).isCompletedWithValueMatching(a -> error(a) == Errors.NONE);
    assertThat(find(handlerFor(topic), (short) 3)).isCompletedWithValueMatching(a -> error(a) == Errors.NONE);
    assertThat(creations).hasValue(1);
  }

  @Test
  void aCreationThatFailsIsAnsweredNotAvailableWhenItEnds() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    InternalTopicOnFirstUse topic = new InternalTopicOnFirstUse("__consumer_offsets", false, first -> {
      if (attempts.incrementAndGet() == 1) Thread.sleep(50); // the answer waits for this one
      throw new InvalidReplicationFactorException("1 live broker, 3 needed");
    }, executor);

    long start = System.nanoTime();
    ApiMessage answer = find(handlerFor(topic), (short) 4).get(5, TimeUnit.SECONDS);
    assertThat(error(answer)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(attempts).hasValue(1); // a failed creation is not retried by the answer that waited for it
    // It ended with the failed creation, not at the wait's bound.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_500);
  }

  @Test
  void aCreationThatDoesNotEndIsAnsweredNotAvailableAfterTheBound() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    InternalTopicOnFirstUse topic = new InternalTopicOnFirstUse("__consumer_offsets", false, first -> {
      never.await(30, TimeUnit.SECONDS);
    }, executor);

    CompletableFuture<ApiMessage> answer = find(handlerFor(topic), (short) 4);
    assertThat(error(answer.get(10, TimeUnit.SECONDS))).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    // The bound completed only this answer's copy: the creation is still under way.
    assertThat(topic.creationEnded()).isNotDone();
    never.countDown();
    topic.creationEnded().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aRejectedCreationEndsAtOnce() {
    executor.shutdown();
    InternalTopicOnFirstUse topic = new InternalTopicOnFirstUse("__consumer_offsets", false, first -> {}, executor);
    assertThat(topic.ensureReady(0)).isFalse();
    assertThat(topic.creationEnded()).isDone();
    assertThat(find(handlerFor(topic), (short) 4)).isCompletedWithValueMatching(a -> error(a) == Errors.COORDINATOR_NOT_AVAILABLE);
  }
}
