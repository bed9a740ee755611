package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The directory's flusher: tasks run one at a time in submission order on its own thread, which
 * finds them by itself (a submit only enqueues: it never wakes the thread); a failing task does not
 * stop the ones after it; close runs what is queued, and a task submitted after close runs inline.
 */
class LogFlusherTest {

  @Test
  void tasksRunInSubmissionOrderOnTheFlusherThread() {
    List<Integer> ran = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    try (LogFlusher flusher = new LogFlusher("order-flusher")) {
      for (int i = 0; i < 200; i++) {
        int n = i;
        flusher.submit(() -> {
          ran.add(n);
          threads.add(Thread.currentThread().getName());
        });
      }
      flusher.drain();
      assertThat(ran).hasSize(200).isSorted();
      assertThat(threads).containsOnly("order-flusher");
    }
  }

  @Test
  void aSubmittedTaskRunsWithoutAnyoneWakingTheFlusher() {
    try (LogFlusher flusher = new LogFlusher("poll-flusher")) {
      AtomicBoolean ran = new AtomicBoolean();
      flusher.submit(() -> ran.set(true)); // no drain, no close: the flusher's own timer finds it
      await().atMost(Duration.ofSeconds(10)).untilTrue(ran);
    }
  }

  @Test
  void aFailingTaskDoesNotStopTheNext() {
    try (LogFlusher flusher = new LogFlusher("failing-flusher")) {
      AtomicBoolean next = new AtomicBoolean();
      flusher.submit(() -> {
        throw new IllegalStateException("injected");
      });
      flusher.submit(() -> next.set(true));
      flusher.drain();
      assertThat(next).isTrue();
    }
  }

  @Test
  void closeRunsWhatIsQueuedThenLaterTasksRunInline() {
    List<Integer> ran = new CopyOnWriteArrayList<>();
    LogFlusher flusher = new LogFlusher("closing-flusher");
    for (int i = 0; i < 50; i++) {
      int n = i;
      flusher.submit(() -> ran.add(n));
    }
    flusher.close();
    assertThat(ran).hasSize(50).isSorted();
    List<String> threads = new CopyOnWriteArrayList<>();
    flusher.submit(() -> threads.add(Thread.currentThread().getName()));
    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }
}
