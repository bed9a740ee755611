package dev.brook.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.brook.bench.CpuTimeProfiler}) that adds the benchmark process's CPU
 * time per operation ({@code ·cpu}, ns/op) to the wall-clock score. On a machine shared with other
 * work a thread waits for a core for part of each iteration, which the wall-clock score counts and CPU
 * time does not; with one benchmark thread that allocates nothing, the process's CPU time is that
 * thread's (the JIT is done after warm-up, JMH's own threads sleep). Counted from the iteration's
 * start to its end, over all its operations.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long start;

  @Override
  public String getDescription() {
    return "process CPU time per operation (ns), not wall time";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    start = OS.getProcessCpuTime();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration, IterationResult result) {
    long cpu = OS.getProcessCpuTime() - start;
    long ops = Math.max(1, result.getMetadata().getAllOps());
    return List.of(new ScalarResult("cpu", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
  }
}
