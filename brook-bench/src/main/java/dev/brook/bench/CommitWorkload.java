package dev.brook.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Offset-commit throughput: {@code threads} connections commit offsets for one group, each for its
 * own share of a topic's partitions (thread i commits the partitions p with p mod threads = i, as a
 * consumer with a manual assignment would), one OffsetCommit in flight per connection, the next sent
 * as soon as the last is answered. The commits are "simple" ones (generation -1, no member id), which
 * every coordinator accepts for a group without members. After {@code warmupSeconds} unmeasured,
 * every answer within {@code seconds} is counted and its latency recorded.
 */
final class CommitWorkload {
  /** OffsetCommit v10 names topics by id; v9 is the newest with names. */
  static final int MAX_VERSION = 9;

  /**
   * @param commitsPerSecond OffsetCommit requests answered per second
   * @param offsetsPerSecond partitions committed per second (requests × partitions per request)
   * @param brokerCpuMicrosPerCommit the broker's CPU time (all threads) over the run, warm-up included,
   *     per request answered in it: steadier than throughput on a shared machine
   */
  record Result(double commitsPerSecond, double offsetsPerSecond, double p50Ms, double p99Ms, double maxMs,
      double brokerCpuMicrosPerCommit) {}

  private CommitWorkload() {}

  /** {@code brokerCpuSeconds} reads the broker's CPU time so far (utime+stime). */
  static Result run(String host, int port, String topic, int partitions, String group, int threads, int warmupSeconds,
      int seconds, DoubleSupplier brokerCpuSeconds) throws Exception {
    AtomicLong warmEnd = new AtomicLong();
    AtomicLong end = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    double[] cpuAtStart = new double[1];
    CyclicBarrier start = new CyclicBarrier(threads, () -> {
      cpuAtStart[0] = brokerCpuSeconds.getAsDouble();
      long now = System.nanoTime();
      warmEnd.set(now + warmupSeconds * 1_000_000_000L);
      end.set(warmEnd.get() + seconds * 1_000_000_000L);
    });
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Latencies>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> commitLoop(host, port, topic, partitions, group, threads, thread, start, warmEnd, end,
            sent)));
      }
      List<Latencies> parts = new ArrayList<>();
      for (Future<Latencies> f : futures) {
        parts.add(f.get());
      }
      double cpu = brokerCpuSeconds.getAsDouble() - cpuAtStart[0];
      Latencies all = Latencies.merge(parts);
      double commitsPerSecond = all.count() / (double) seconds;
      double offsets = 0;
      for (int t = 0; t < threads; t++) {
        offsets += parts.get(t).count() * (double) share(partitions, threads, t).size();
      }
      return new Result(commitsPerSecond, offsets / seconds, all.percentileMillis(0.50), all.percentileMillis(0.99),
          all.maxMillis(), cpu * 1e6 / sent.get());
    } finally {
      pool.shutdownNow();
    }
  }

  /** The partitions thread {@code t} of {@code threads} commits. */
  static List<Integer> share(int partitions, int threads, int t) {
    List<Integer> mine = new ArrayList<>();
    for (int p = t; p < partitions; p += threads) {
      mine.add(p);
    }
    return mine;
  }

  private static Latencies commitLoop(String host, int port, String topic, int partitions, String group, int threads,
      int thread, CyclicBarrier start, AtomicLong warmEnd, AtomicLong end, AtomicLong sent) throws Exception {
    Latencies latencies = new Latencies();
    List<OffsetCommitRequestPartition> mine = new ArrayList<>();
    for (int p : share(partitions, threads, thread)) {
      mine.add(new OffsetCommitRequestPartition().setPartitionIndex(p).setCommittedMetadata(""));
    }
    OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
        .setMemberId("").setTopics(List.of(new OffsetCommitRequestTopic().setName(topic).setPartitions(mine)));
    try (RawConnection c = RawConnection.open(host, port, 30_000)) {
      short version = c.version(ApiKeys.OFFSET_COMMIT, MAX_VERSION);
      c.awaitCoordinator(group, 60_000);
      commitUntilAccepted(c, version, request, 60_000);
      start.await();
      long offset = 0;
      long now;
      while ((now = System.nanoTime()) < end.get()) {
        offset++;
        for (OffsetCommitRequestPartition p : mine) {
          p.setCommittedOffset(offset);
        }
        OffsetCommitResponseData r = (OffsetCommitResponseData) c.send(ApiKeys.OFFSET_COMMIT, version, request);
        long took = System.nanoTime() - now;
        checkCommitted(r);
        sent.incrementAndGet();
        if (now >= warmEnd.get()) {
          latencies.record(took);
        }
      }
    }
    return latencies;
  }

  /**
   * Sends {@code request} until no partition answers a coordinator error (the coordinator is still
   * being created or loaded), at most {@code timeoutMs}; then as {@link #checkCommitted}.
   */
  static void commitUntilAccepted(RawConnection c, short version, OffsetCommitRequestData request, long timeoutMs)
      throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      OffsetCommitResponseData r = (OffsetCommitResponseData) c.send(ApiKeys.OFFSET_COMMIT, version, request);
      boolean retriable = r.topics().stream().flatMap(t -> t.partitions().stream()).anyMatch(p -> {
        Errors e = Errors.forCode(p.errorCode());
        return e == Errors.NOT_COORDINATOR || e == Errors.COORDINATOR_NOT_AVAILABLE
            || e == Errors.COORDINATOR_LOAD_IN_PROGRESS;
      });
      if (!retriable || System.nanoTime() > deadline) {
        checkCommitted(r);
        return;
      }
      Thread.sleep(20);
    }
  }

  /** Throws unless every partition of the answer was committed. */
  static void checkCommitted(OffsetCommitResponseData r) {
    for (OffsetCommitResponseTopic t : r.topics()) {
      for (OffsetCommitResponsePartition p : t.partitions()) {
        if (p.errorCode() != Errors.NONE.code()) {
          throw new IllegalStateException("OffsetCommit of " + t.name() + "-" + p.partitionIndex() + " failed: "
              + Errors.forCode(p.errorCode()));
        }
      }
    }
  }
}
