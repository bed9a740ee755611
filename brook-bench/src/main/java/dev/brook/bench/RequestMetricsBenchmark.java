package dev.brook.bench;

import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.BrokerTopicMetrics;
import dev.brook.broker.metrics.RequestMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Everything the broker does for metrics on one produce request of one batch to one partition (the
 * request {@code bench/scaling --only metrics} sends), in the order it does it, on a Netty
 * {@link io.netty.util.concurrent.FastThreadLocalThread} as the event loop is ({@link EventLoopThreadsExecutor}):
 *
 * <ol>
 *   <li>{@code ConnectionHandler.channelRead}: reads the clock (frame read);
 *   <li>{@code serve}: reads it before and after the dispatch (handler called / returned);
 *   <li>{@code ProduceHandler.count}, once per partition: {@link BrokerTopicMetrics#produced} (six meter
 *       marks, all-topics and per-topic, after a map lookup);
 *   <li>the response future's callback: reads the clock (completed); {@code complete}: reads it (start of
 *       the write) and {@link RequestMetrics#record} with one more read (sent): a meter and five
 *       request-time histograms ({@code RecentValuesReservoir});
 *   <li>{@code channelRead}'s end: {@link RequestMetrics#busy} with one more read (the idle-percent meter).
 * </ol>
 *
 * {@code mode}: {@code on} records (the broker's default); {@code off} is {@code -Dbrook.metrics.enabled=false},
 * the switch the whole-broker A/B runs flip (the same seven clock reads, the recorders return at once);
 * {@code none} does neither the calls nor the seven clock reads, i.e. a broker with no metrics code at
 * all. on − off is what the A/B runs measure; on − none bounds everything metrics add. The figures and
 * how they compare with the broker's CPU per produce request: bench/RESULTS.md (issue 18).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx1g", "-XX:+UseSerialGC", "-Djmh.executor=CUSTOM",
    "-Djmh.executor.class=dev.brook.bench.EventLoopThreadsExecutor"})
public class RequestMetricsBenchmark {
  /** The topic of the harness's requests; a few others are known to the per-topic map, as in a broker. */
  static final String TOPIC = "bench";
  /** One 1 KiB batch of 100 B records, as the harness sends. */
  static final int RECORDS = 10;
  static final int BYTES = 1_090;

  @Param({"on", "off", "none"})
  public String mode;

  private RequestMetrics requests;
  private BrokerTopicMetrics topics;
  private boolean none;

  @Setup
  public void setUp() {
    if (!(Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread)) {
      throw new IllegalStateException("run with -Djmh.executor=CUSTOM -Djmh.executor.class=" + EventLoopThreadsExecutor.class.getName());
    }
    BrokerMetrics m = new BrokerMetrics(!mode.equals("off"), false);
    requests = m.requests();
    topics = m.topics();
    none = mode.equals("none");
    for (String t : new String[] {"__consumer_offsets", "orders", "payments", TOPIC}) topics.topic(t);
  }

  @Benchmark
  public void produceRequest() {
    if (none) return;
    long readNs = System.nanoTime();
    long dispatchedNs = System.nanoTime();
    topics.produced(TOPIC, RECORDS, BYTES);
    long handledNs = System.nanoTime();
    long completedNs = System.nanoTime();
    long startNs = System.nanoTime();
    requests.record(ApiKeys.PRODUCE, readNs, dispatchedNs, handledNs, completedNs, System.nanoTime());
    requests.busy(System.nanoTime() - readNs);
    if (startNs == 0) throw new AssertionError(); // keeps the read, as the broker uses it
  }
}
