package dev.brook.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Time to load a {@code __consumer_offsets} partition of many commit records: Brook runs with one
 * offsets partition ({@code offsets.topic.num.partitions=1}), whose segments are 1 GiB so the whole
 * log stays in its active segment, which the cleaner never compacts. Simple OffsetCommits (each
 * {@code partitionsPerRequest} partitions of one topic, for one of {@code groups} groups in turn,
 * the offset rising with every request) fill it with at least {@code records} records, checked with
 * the partition's log end offset. Then the broker is stopped (SIGTERM) and started again on the same
 * data, {@code restarts} times, each timed from the process start to its ready line, to the
 * coordinator's own "loaded" log line ({@link LoadLogLine}), and to the first OffsetFetch of the
 * first group that answers without an error (COORDINATOR_LOAD_IN_PROGRESS while loading) and with
 * the last offset committed for it, which shows that the log was read to its end.
 */
final class LoadWorkload {
  static final String TOPIC = "load-bench";
  private static final String OFFSETS = "__consumer_offsets";
  private static final int FILL_THREADS = 4;
  private static final int POLL_MS = 5;
  private static final long RESTART_TIMEOUT_MS = 600_000;

  /**
   * One restart's times from the process start, in milliseconds (NaN: not seen), and the broker
   * JVM's CPU time (all threads) up to the successful OffsetFetch: steadier than wall time on a
   * shared machine.
   */
  record Restart(double readyMs, double loadedLineMs, double fetchMs, long loadedRecords, double cpuMs) {}

  /**
   * @param logEndOffset the end offset of {@code __consumer_offsets-0} after the fill
   * @param fillSeconds how long the fill took
   * @param logBytes the size of the partition's directory
   * @param stopMs the SIGTERM of the filled broker until its exit
   */
  record Result(long logEndOffset, double fillSeconds, long logBytes, double stopMs, List<Restart> restarts) {}

  private final Env env;
  private final Path dataDir;
  private final Path out;
  private final Consumer<String> log;
  private final Map<String, String> overrides;

  /** The broker settings the load needs: one offsets partition, never compacted while it is filled. */
  static final Map<String, String> SETTINGS = Map.of("offsets.topic.num.partitions", "1",
      "offsets.topic.segment.bytes", Integer.toString(1 << 30));

  private LoadWorkload(Env env, Path dataDir, Path out, Map<String, String> overrides, Consumer<String> log) {
    this.env = env;
    this.dataDir = dataDir;
    this.out = out;
    this.overrides = overrides;
    this.log = log;
  }

  /** {@code settings}: Brook's settings for every start, {@link #SETTINGS} among them. */
  static Result run(Env env, Path dataDir, Path out, Map<String, String> settings, long records, int groups,
      int partitionsPerRequest, int restarts, Consumer<String> log) throws Exception {
    return new LoadWorkload(env, dataDir, out, settings, log).run(records, groups, partitionsPerRequest, restarts);
  }

  private Result run(long records, int groups, int partitionsPerRequest, int restarts) throws Exception {
    int port = BrokerProcess.freePort(false);
    BrokerProcess.Brook broker = BrokerProcess.Brook.start(env.root(), dataDir, out.resolve("brook-load-fill.log"), env,
        port, overrides);
    long requests = (records + partitionsPerRequest - 1) / partitionsPerRequest;
    long logEnd;
    double fillSeconds;
    double stopMs;
    try {
      MetadataProbe.awaitUp(BrokerProcess.HOST, port, java.time.Duration.ofMinutes(2), broker::alive);
      CoordinatorBench.createTopic(broker.bootstrap(), TOPIC, partitionsPerRequest);
      long t0 = System.nanoTime();
      fill(port, requests, groups, partitionsPerRequest);
      fillSeconds = (System.nanoTime() - t0) / 1e9;
      logEnd = logEndOffset(port);
      log.accept(String.format("  filled %s-0: %,d requests × %d partitions in %.1f s; log end offset %,d", OFFSETS,
          requests, partitionsPerRequest, fillSeconds, logEnd));
      if (logEnd < records) {
        throw new IllegalStateException("__consumer_offsets-0 holds " + logEnd + " records, fewer than " + records);
      }
    } finally {
      long t = System.nanoTime();
      broker.stop();
      stopMs = (System.nanoTime() - t) / 1e6;
    }
    long lastOffsetOfGroup0 = (requests - 1) / groups * groups; // request i commits offset i for group i mod groups
    List<Restart> times = new ArrayList<>();
    for (int r = 1; r <= restarts; r++) {
      Restart restart = restart(port, r, lastOffsetOfGroup0);
      log.accept(String.format("  restart %d: ready %.0f ms, loaded line %.0f ms (%,d records), OffsetFetch ok %.0f ms "
          + "after the process start; broker CPU %.0f ms by then", r, restart.readyMs(), restart.loadedLineMs(),
          restart.loadedRecords(), restart.fetchMs(), restart.cpuMs()));
      times.add(restart);
    }
    return new Result(logEnd, fillSeconds, directorySize(dataDir.resolve(OFFSETS + "-0")), stopMs, times);
  }

  private void fill(int port, long requests, int groups, int partitionsPerRequest) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(FILL_THREADS);
    try {
      List<Future<Void>> done = new ArrayList<>();
      for (int t = 0; t < FILL_THREADS; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          List<OffsetCommitRequestPartition> parts = new ArrayList<>();
          for (int p = 0; p < partitionsPerRequest; p++) {
            parts.add(new OffsetCommitRequestPartition().setPartitionIndex(p).setCommittedMetadata(""));
          }
          OffsetCommitRequestData req = new OffsetCommitRequestData().setGenerationIdOrMemberEpoch(-1).setMemberId("")
              .setTopics(List.of(new OffsetCommitRequestTopic().setName(TOPIC).setPartitions(parts)));
          try (RawConnection c = RawConnection.open(BrokerProcess.HOST, port, 60_000)) {
            short v = c.version(ApiKeys.OFFSET_COMMIT, CommitWorkload.MAX_VERSION);
            c.awaitCoordinator(group(0), 60_000); // one offsets partition: one coordinator for every group
            for (long i = 0; i < requests; i++) {
              if (i % groups % FILL_THREADS != thread) {
                continue; // each group's commits come from one thread, in order: its last offset is known
              }
              req.setGroupId(group(i % groups));
              for (OffsetCommitRequestPartition p : parts) {
                p.setCommittedOffset(i);
              }
              CommitWorkload.commitUntilAccepted(c, v, req, 60_000);
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static String group(long i) {
    return "load-group-" + i;
  }

  private static long logEndOffset(int port) throws IOException {
    try (RawConnection c = RawConnection.open(BrokerProcess.HOST, port, 30_000)) {
      short v = c.version(ApiKeys.LIST_OFFSETS, 9);
      ListOffsetsRequestData req = new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel((byte) 0)
          .setTopics(List.of(new ListOffsetsTopic().setName(OFFSETS)
              .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1L)))));
      ListOffsetsResponseData r = (ListOffsetsResponseData) c.send(ApiKeys.LIST_OFFSETS, v, req);
      var p = r.topics().getFirst().partitions().getFirst();
      if (p.errorCode() != Errors.NONE.code()) {
        throw new IllegalStateException("ListOffsets of " + OFFSETS + "-0 failed: " + Errors.forCode(p.errorCode()));
      }
      return p.offset();
    }
  }

  private Restart restart(int port, int round, long expectedOffset) throws Exception {
    Path logFile = out.resolve("brook-load-restart-" + round + ".log");
    long startMillis = System.currentTimeMillis();
    long start = System.nanoTime();
    BrokerProcess.Brook broker = BrokerProcess.Brook.start(env.root(), dataDir, logFile, env, port, overrides);
    try {
      double ready = Double.NaN;
      double fetched = Double.NaN;
      double cpuMs = Double.NaN;
      RawConnection c = null;
      try {
        while (Double.isNaN(fetched)) {
          long now = System.nanoTime();
          if ((now - start) / 1_000_000 > RESTART_TIMEOUT_MS || !broker.alive()) {
            throw new IllegalStateException("no OffsetFetch answer after the restart (see " + logFile + ")");
          }
          if (Double.isNaN(ready) && read(logFile).contains(" ready on ")) {
            ready = (System.nanoTime() - start) / 1e6;
          }
          try {
            if (c == null) {
              c = RawConnection.open(BrokerProcess.HOST, port, 10_000);
            }
            if (fetchSucceeds(c, expectedOffset)) {
              fetched = (System.nanoTime() - start) / 1e6;
              cpuMs = ProcStats.cpuSeconds(broker.pid()) * 1000;
            }
          } catch (IOException e) { // not listening yet, or closed on us: a new connection next time
            if (c != null) {
              c.close();
              c = null;
            }
          }
          if (Double.isNaN(fetched)) {
            Thread.sleep(POLL_MS);
          }
        }
      } finally {
        if (c != null) {
          c.close();
        }
      }
      if (Double.isNaN(ready) && read(logFile).contains(" ready on ")) {
        ready = fetched; // the answer came between two looks at the log
      }
      LoadLogLine line = null;
      for (int i = 0; i < 200 && line == null; i++) { // the line is written before the answer; allow for buffering
        line = LoadLogLine.find(read(logFile), 0).orElse(null);
        if (line == null) {
          Thread.sleep(POLL_MS);
        }
      }
      return new Restart(ready, line == null ? Double.NaN : line.epochMillis() - startMillis, fetched,
          line == null ? -1 : line.records(), cpuMs);
    } finally {
      broker.stop();
    }
  }

  /** One OffsetFetch of group 0's first partition; true if answered without error and with {@code expected}. */
  private static boolean fetchSucceeds(RawConnection c, long expected) throws IOException {
    short v = c.version(ApiKeys.OFFSET_FETCH, 9);
    if (v < 8) {
      throw new IllegalStateException("the broker speaks OffsetFetch up to v" + v + "; the benchmark needs v8");
    }
    OffsetFetchRequestData req = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup()
        .setGroupId(group(0)).setTopics(List.of(new OffsetFetchRequestTopics().setName(TOPIC).setPartitionIndexes(List.of(0))))));
    OffsetFetchResponseData r = (OffsetFetchResponseData) c.send(ApiKeys.OFFSET_FETCH, v, req);
    if (r.errorCode() != Errors.NONE.code() || r.groups().isEmpty()) {
      return false;
    }
    OffsetFetchResponseGroup g = r.groups().getFirst();
    if (g.errorCode() != Errors.NONE.code() || g.topics().isEmpty() || g.topics().getFirst().partitions().isEmpty()) {
      return false;
    }
    var p = g.topics().getFirst().partitions().getFirst();
    if (p.errorCode() == Errors.NONE.code() && p.committedOffset() != expected) {
      throw new IllegalStateException("OffsetFetch answered offset " + p.committedOffset() + ", expected " + expected);
    }
    return p.errorCode() == Errors.NONE.code();
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  private static long directorySize(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
