package dev.brook.bench;

import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.BrokerTopicMetrics;
import dev.brook.broker.metrics.RequestMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the request path pays for metrics per produce request to one partition: the connection's
 * {@link RequestMetrics#record} and busy-time marks plus the handler's {@link BrokerTopicMetrics#produced},
 * with recording on and off (issue 18; the figure is in bench/RESULTS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestMetricsBenchmark {
  @Param({"true", "false"})
  public boolean recording;

  private RequestMetrics requests;
  private BrokerTopicMetrics topics;

  @Setup
  public void setUp() {
    BrokerMetrics m = new BrokerMetrics(recording, false);
    requests = m.requests();
    topics = m.topics();
  }

  @Benchmark
  public void produceRequest() {
    long t0 = System.nanoTime();
    long t1 = System.nanoTime();
    topics.produced("perf", 160, 16_384);
    long t2 = System.nanoTime();
    requests.busy(t2 - t0);
    long t3 = System.nanoTime();
    requests.record(ApiKeys.PRODUCE, t0, t1, t2, t3, System.nanoTime());
  }
}
