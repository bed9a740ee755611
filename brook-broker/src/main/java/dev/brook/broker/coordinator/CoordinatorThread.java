package dev.brook.broker.coordinator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator's single thread, the one writer of its state, with one promise: every operation
 * submitted through {@link #call} answers. Responses go out in request order per connection, so a
 * future left incomplete would stall the client's connection until it times out; here an exception
 * thrown by the operation, a future it returns that fails, and a coordinator already shut down all
 * become the operation's error answer, and the cause is logged once.
 *
 * <p>Thread-safe: {@link #call} and {@link #run} may be called from any thread.
 */
public final class CoordinatorThread {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorThread.class);

  private final String name;
  private final Executor executor;

  /**
   * @param name the coordinator's name, for the log
   * @param executor runs tasks one at a time, in submission order (tests may pass a direct one)
   */
  public CoordinatorThread(String name, Executor executor) {
    this.name = name;
    this.executor = executor;
  }

  /**
   * Runs {@code op} on the coordinator thread. The future returned completes with what {@code op}'s
   * future completes with, or with {@code onFailure} applied to the cause when {@code op} throws, its
   * future fails, or the coordinator no longer runs tasks.
   */
  public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> op, Function<Throwable, T> onFailure) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable task = () -> {
      CompletableFuture<T> f;
      try {
        f = op.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((v, e) -> {
        if (e == null) {
          out.complete(v);
        } else {
          Throwable cause = unwrap(e);
          log.error("{} operation failed; answering with an error", name, cause);
          out.complete(answer(onFailure, cause));
        }
      });
    };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      out.complete(answer(onFailure, e));
    }
    return out;
  }

  /** Runs {@code task} on the coordinator thread; a failure is logged, a shut-down coordinator drops it. */
  public void run(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("{} task failed", name, e);
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("{} is shut down; task dropped", name);
    }
  }

  private <T> T answer(Function<Throwable, T> onFailure, Throwable cause) {
    try {
      return onFailure.apply(cause);
    } catch (RuntimeException e) {
      log.error("{} could not build the error answer", name, e);
      throw e;
    }
  }

  /** The cause a {@link CompletionException} wraps, else {@code e}. */
  public static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
