package dev.brook.broker.coordinator;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions of an internal topic a coordinator serves, each in a term: one leadership of the
 * partition by this broker, from the moment it is told it leads ({@link #begin}) through the load
 * that replays the partition ({@link #load}) until it resigns ({@link #end}). A request for a key of
 * a partition with no term answers NOT_COORDINATOR, of a partition still loading
 * COORDINATOR_LOAD_IN_PROGRESS ({@link #availability}).
 *
 * <p>A load belongs to its term: when the partition was resigned or led again while the records
 * were read, the load is dropped, so state from an old term never lands in a new one.
 *
 * <p>Thread-safe: terms live in a concurrent map, read from any thread (request threads ask for
 * availability); loads apply on the coordinator thread.
 */
public final class PartitionTerms {
  private static final Logger log = LoggerFactory.getLogger(PartitionTerms.class);

  /**
   * One leadership of a partition: {@code id} tells terms apart, {@code epoch} is the partition's
   * leader epoch when it began (the coordinator epoch markers carry), {@code loaded} is true once
   * the partition's records are replayed.
   */
  public record Term(long id, int epoch, boolean loaded) {}

  /** Reads a partition's records; may block on disk, so it runs off the coordinator thread. */
  @FunctionalInterface
  public interface Reader<R> {
    R read() throws Exception;
  }

  private final String topic;
  private final ConcurrentHashMap<Integer, Term> terms = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  /** Told the microseconds each applied load took, from its start to its replay's end (metrics). */
  private volatile LongConsumer loadTimes = ms -> {};
  /** Completed, and replaced, when the next load is applied ({@link #nextLoad}). */
  private final AtomicReference<CompletableFuture<Void>> nextLoad = new AtomicReference<>(new CompletableFuture<>());

  /** @param topic the internal topic, for the log */
  public PartitionTerms(String topic) {
    this.topic = topic;
  }

  /**
   * This broker leads {@code partition} from leader epoch {@code epoch} on. With {@code
   * keepLoaded}, a partition already loaded in the previous term stays loaded (this broker led it
   * all along, and its state in memory is the log's); otherwise a new term starts unloaded and the
   * caller loads it. Returns the term now in force.
   */
  public Term begin(int partition, int epoch, boolean keepLoaded) {
    return terms.compute(partition, (p, prev) -> keepLoaded && prev != null && prev.loaded()
        ? new Term(prev.id(), epoch, true)
        : new Term(ids.incrementAndGet(), epoch, false));
  }

  /** This broker no longer leads {@code partition}. Returns false if it had no term. */
  public boolean end(int partition) {
    return terms.remove(partition) != null;
  }

  /** Ends every term (the coordinator serves nothing until told it leads). */
  public void clear() {
    terms.clear();
  }

  /** The term in force for {@code partition}, if any. */
  public Optional<Term> term(int partition) {
    return Optional.ofNullable(terms.get(partition));
  }

  /** Whether {@code term} is still the term of {@code partition}, loaded or not. */
  public boolean isCurrent(int partition, Term term) {
    Term now = terms.get(partition);
    return now != null && now.id() == term.id();
  }

  /** Whether {@code partition} is served and loaded. */
  public boolean isLoaded(int partition) {
    Term t = terms.get(partition);
    return t != null && t.loaded();
  }

  /**
   * Completes when the next load is applied, whichever partition's: a FindCoordinator for a key
   * whose partition was still loading waits for it instead of answering "not available".
   */
  public CompletableFuture<Void> nextLoad() {
    return nextLoad.get();
  }

  /** The leader epoch of {@code partition}'s term if it is loaded, else -1. */
  public int loadedEpoch(int partition) {
    Term t = terms.get(partition);
    return t != null && t.loaded() ? t.epoch() : -1;
  }

  /** Tells {@code listener} how long each load that is applied took, in µs, on the coordinator thread. */
  public void onLoadTime(LongConsumer listener) {
    this.loadTimes = listener;
  }

  /** The partitions served with {@code loaded} as given: active (true) or still loading (false). Any thread. */
  public int count(boolean loaded) {
    int n = 0;
    for (Term t : terms.values()) if (t.loaded() == loaded) n++;
    return n;
  }

  /** Whether some partition is still loading. */
  public boolean anyLoading() {
    return terms.values().stream().anyMatch(t -> !t.loaded());
  }

  /** NONE if {@code partition} is served and loaded, else the error a request for its keys gets. */
  public Errors availability(int partition) {
    Term t = terms.get(partition);
    if (t == null) return Errors.NOT_COORDINATOR;
    return t.loaded() ? Errors.NONE : Errors.COORDINATOR_LOAD_IN_PROGRESS;
  }

  /**
   * Loads {@code partition} for {@code term}: {@code read} runs on {@code reader}, then {@code
   * apply} runs on {@code thread} with what was read, and the term becomes loaded, unless the term
   * ended meanwhile (then nothing is applied). The future completes with whether it was applied,
   * or exceptionally if the read failed (the partition then stays loading: its keys answer
   * COORDINATOR_LOAD_IN_PROGRESS, and the next term loads again).
   */
  public <R> CompletableFuture<Boolean> load(
      int partition, Term term, Executor reader, Reader<R> read, CoordinatorThread thread, Consumer<R> apply) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    long start = System.nanoTime();
    reader.execute(() -> {
      R records;
      try {
        records = read.read();
      } catch (Exception e) {
        log.error("Could not load {}-{}; its keys stay unavailable until it is led again", topic, partition, e);
        done.completeExceptionally(e);
        return;
      }
      thread.run(() -> {
        if (!isCurrent(partition, term)) {
          done.complete(false);
          return;
        }
        try {
          apply.accept(records);
        } catch (RuntimeException e) {
          log.error("Could not replay {}-{}; its keys stay unavailable until it is led again", topic, partition, e);
          done.completeExceptionally(e);
          return;
        }
        terms.replace(partition, term, new Term(term.id(), term.epoch(), true));
        loadTimes.accept(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
        nextLoad.getAndSet(new CompletableFuture<>()).complete(null);
        done.complete(true);
      });
    });
    return done;
  }
}
