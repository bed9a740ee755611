package dev.brook.bench;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.replica.BrokerConnector;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Consume load that costs the client little CPU, the fetch counterpart of {@link
 * PipelinedProduceLoad}: raw Fetch requests (v12, one partition each, {@code partition.max.bytes}
 * each like a consumer's {@code max.partition.fetch.bytes}, {@code min.bytes=1}, {@code
 * max.wait.ms=500}, no fetch session, read_uncommitted) over a few plain connections with {@code
 * window} in flight each. Each request is encoded once per partition; sending one patches its fetch
 * offset and correlation id in place. Each answer is read into a reused direct buffer; kafka-clients'
 * {@code FetchResponseData} reads only the response and partition headers (records stay a slice of
 * the buffer) and {@link FetchedBatches} counts records and finds the next offset from the batch
 * headers: no record is decoded, no CRC checked. A partition read to its high watermark starts again
 * at its log start (a "pass"), so the load runs for as long as asked over a topic filled once
 * ({@link PipelinedProduceLoad#fill}).
 *
 * <p>Why: Kafka's ConsumerPerformance decodes and checks every record, and on this 2-core machine it
 * tops out near 1.3 M records/s of 100 B whichever broker serves it (bench/RESULTS.md, issue 16): the
 * client, not the broker, bounds that figure. The same load generator drives both brokers, so the ratio
 * is the brokers'. Any error code in an answer, a correlation id out of order or a partition that does
 * not advance fails the run, so a broker that refuses work cannot look fast.
 *
 * <p>Threads: one per connection, which owns its partitions' cursors and socket; counts are summed
 * after the threads end.
 */
final class PipelinedFetchLoad {
  static final short FETCH_VERSION = 12; // the newest that names topics (v13 uses ids); both brokers speak it
  private static final short RESPONSE_HEADER_VERSION = ApiKeys.FETCH.responseHeaderVersion(FETCH_VERSION);
  /** Placeholder fetch offset in the encoded request, found once and then overwritten per send. */
  static final long OFFSET_MARK = 0x7EB0_0CF0_0D5E_7A11L;
  /** Where the correlation id sits in an encoded request: after the size, api key and api version. */
  static final int CORRELATION_AT = 4 + 2 + 2;
  private static final int MAX_WAIT_MS = 500;
  private static final int MAX_ANSWER_BYTES = 256 << 20;

  /**
   * What the load reads: {@code partitions} partitions of {@code topic}, partition p on connection p %
   * {@code connections}, {@code window} requests in flight per connection (at most the partitions a
   * connection owns: each in-flight request reads a different partition). With {@code maxPasses} > 0
   * a partition read that many times stops (a test's exact count); 0 reads until the time is up.
   */
  record Shape(String topic, int partitions, int connections, int window, int partitionMaxBytes, int maxPasses) {
    Shape {
      if (connections < 1 || partitions < connections) {
        throw new IllegalArgumentException(partitions + " partitions over " + connections + " connections");
      }
      if (window < 1 || window > partitions / connections) {
        throw new IllegalArgumentException("window " + window + " with " + partitions / connections
            + " partitions per connection: each request in flight reads its own partition");
      }
      if (partitionMaxBytes < FetchedBatches.HEADER_BYTES || maxPasses < 0) {
        throw new IllegalArgumentException("partition max bytes " + partitionMaxBytes + ", passes " + maxPasses);
      }
    }
  }

  /**
   * What one run measured, over the answers received in the measured time: answers, records and batch
   * bytes (record batches as the broker sent them, headers included), seconds, the load generator's
   * own CPU, and how many times a partition was read to its end.
   */
  record Result(long answers, long records, long bytes, double seconds, double clientCpuSeconds, long passes) {
    double recordsPerSec() {
      return records / seconds;
    }

    /** MB/s of batch bytes, MB = 2^20 bytes (the unit of Kafka's tools and of the side-by-side table). */
    double mbPerSec() {
      return bytes / seconds / (1 << 20);
    }
  }

  private PipelinedFetchLoad() {}

  /** Reads {@code shape} from the broker at {@code host:port} for {@code seconds}. */
  static Result run(String host, int port, Shape shape, double seconds) throws Exception {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Connection> conns = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    double cpu0 = processCpuSeconds();
    long start = System.nanoTime();
    try {
      for (int c = 0; c < shape.connections(); c++) {
        List<Cursor> mine = new ArrayList<>();
        for (int p = c; p < shape.partitions(); p += shape.connections()) {
          mine.add(new Cursor(shape.topic(), p, shape.partitionMaxBytes()));
        }
        conns.add(new Connection(open(host, port), mine, shape, deadline, failure));
      }
      for (Connection c : conns) threads.add(Thread.ofPlatform().name("fetch-load-" + threads.size()).start(c));
      long bound = System.nanoTime() + (long) ((seconds + 60) * 1e9);
      for (Thread t : threads) {
        t.join(Math.max(1, (bound - System.nanoTime()) / 1_000_000));
        if (t.isAlive()) {
          failure.compareAndSet(null, new IOException("no answer within 60 s of the end (a broker stalled)"));
          break;
        }
      }
    } finally {
      for (Connection c : conns) c.channel.close(); // also ends a thread still blocked in a read
    }
    for (Thread t : threads) t.join(10_000);
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (failure.get() != null) throw new IOException("fetch load failed: " + failure.get(), failure.get());
    long answers = 0;
    long records = 0;
    long bytes = 0;
    long passes = 0;
    for (Connection c : conns) {
      answers += c.answers;
      records += c.records;
      bytes += c.bytes;
      for (Cursor k : c.cursors) passes += k.passes;
    }
    return new Result(answers, records, bytes, Math.min(elapsed, seconds), processCpuSeconds() - cpu0, passes);
  }

  private static SocketChannel open(String host, int port) throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.socket().connect(new InetSocketAddress(host, port), 30_000);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * One partition's read position and its encoded request, which {@link #request} patches in place.
   * Owned by one connection's thread.
   */
  static final class Cursor {
    final String topic;
    final int partition;
    private final ByteBuffer request;
    private final int offsetAt;
    long offset;
    long passes;
    int correlationId;

    Cursor(String topic, int partition, int partitionMaxBytes) {
      this.topic = topic;
      this.partition = partition;
      FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(MAX_WAIT_MS).setMinBytes(1)
          .setMaxBytes(partitionMaxBytes).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
      data.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
          new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(OFFSET_MARK)
              .setPartitionMaxBytes(partitionMaxBytes).setLogStartOffset(-1))));
      ByteBuffer heap = encode(data);
      int at = -1;
      for (int i = 0; i + 8 <= heap.limit(); i++) {
        if (heap.getLong(i) == OFFSET_MARK) {
          if (at >= 0) throw new IllegalStateException("fetch offset placeholder found twice in the request");
          at = i;
        }
      }
      if (at < 0) throw new IllegalStateException("fetch offset placeholder not found in the request");
      this.offsetAt = at;
      this.request = ByteBuffer.allocateDirect(heap.limit()).put(heap).flip();
    }

    /** The request for the next fetch at {@link #offset}, as correlation id {@code id}: valid until the next call. */
    ByteBuffer request(int id) {
      correlationId = id;
      request.putInt(CORRELATION_AT, id);
      request.putLong(offsetAt, offset);
      return request.rewind();
    }

    /**
     * Reads the answer to the last {@link #request} (the frame after its size) and moves on: counts its
     * whole batches, advances the offset past them, and at the high watermark starts a new pass at the
     * log start. Throws on any error, a wrong correlation id, another partition, an empty partition,
     * or an answer with no whole batch below the high watermark (no progress).
     */
    FetchedBatches.Progress apply(ByteBuffer answer) {
      ResponseHeader header = ResponseHeader.parse(answer, RESPONSE_HEADER_VERSION);
      if (header.correlationId() != correlationId) {
        throw new IllegalStateException("answer " + header.correlationId() + " to request " + correlationId);
      }
      FetchResponseData r = new FetchResponseData();
      r.read(new ByteBufferAccessor(answer), FETCH_VERSION);
      if (r.errorCode() != Errors.NONE.code()) {
        throw new IllegalStateException("Fetch answered " + Errors.forCode(r.errorCode()));
      }
      if (r.responses().size() != 1 || r.responses().getFirst().partitions().size() != 1) {
        throw new IllegalStateException("Fetch of one partition answered " + r.responses().size() + " topic(s)");
      }
      FetchResponseData.PartitionData pd = r.responses().getFirst().partitions().getFirst();
      if (pd.partitionIndex() != partition) {
        throw new IllegalStateException("Fetch of partition " + partition + " answered partition " + pd.partitionIndex());
      }
      if (pd.errorCode() != Errors.NONE.code()) {
        throw new IllegalStateException("Fetch of " + topic + "-" + partition + " at " + offset + " answered "
            + Errors.forCode(pd.errorCode()));
      }
      ByteBuffer records = pd.records() instanceof MemoryRecords m ? m.buffer() : ByteBuffer.allocate(0);
      FetchedBatches.Progress p = FetchedBatches.walk(records, offset);
      long hw = pd.highWatermark();
      if (p.nextOffset() >= hw) {
        long logStart = Math.max(0, pd.logStartOffset());
        if (hw <= logStart) throw new IllegalStateException(topic + "-" + partition + " is empty: fill it first");
        offset = logStart;
        passes++;
      } else if (p.batches() == 0) {
        throw new IllegalStateException("Fetch of " + topic + "-" + partition + " at " + offset + " (high watermark "
            + hw + ") brought no whole batch");
      } else {
        offset = p.nextOffset();
      }
      return p;
    }
  }

  /** One connection: its socket, its partitions, and what it counted in the measured time. */
  private static final class Connection implements Runnable {
    final SocketChannel channel;
    final List<Cursor> cursors;
    private final Shape shape;
    private final long deadline;
    private final AtomicReference<Throwable> failure;
    private ByteBuffer in = ByteBuffer.allocateDirect(2 << 20);
    long answers;
    long records;
    long bytes;

    Connection(SocketChannel channel, List<Cursor> cursors, Shape shape, long deadline,
        AtomicReference<Throwable> failure) {
      this.channel = channel;
      this.cursors = cursors;
      this.shape = shape;
      this.deadline = deadline;
      this.failure = failure;
    }

    @Override
    public void run() {
      ArrayDeque<Cursor> idle = new ArrayDeque<>(cursors);
      ArrayDeque<Cursor> inFlight = new ArrayDeque<>();
      int id = 0;
      try {
        while (inFlight.size() < shape.window() && !idle.isEmpty()) send(idle.poll(), ++id, inFlight);
        while (!inFlight.isEmpty()) {
          ByteBuffer answer = readFrame();
          Cursor c = inFlight.poll(); // answers come in request order on a connection
          FetchedBatches.Progress p = c.apply(answer);
          boolean measuring = System.nanoTime() < deadline;
          if (measuring) {
            answers++;
            records += p.records();
            bytes += p.bytes();
          }
          if (shape.maxPasses() == 0 || c.passes < shape.maxPasses()) idle.add(c);
          if (measuring && failure.get() == null && !idle.isEmpty()) send(idle.poll(), ++id, inFlight);
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    }

    private void send(Cursor c, int id, ArrayDeque<Cursor> inFlight) throws IOException {
      ByteBuffer r = c.request(id);
      while (r.hasRemaining()) channel.write(r);
      inFlight.add(c);
    }

    private ByteBuffer readFrame() throws IOException {
      in.clear().limit(4);
      fill(in);
      int size = in.getInt(0);
      if (size < 0 || size > MAX_ANSWER_BYTES) throw new IOException("bad answer size " + size);
      if (in.capacity() < size) in = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
      in.clear().limit(size);
      fill(in);
      return in.flip();
    }

    private void fill(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        if (channel.read(b) < 0) throw new EOFException("the broker closed the connection");
      }
    }
  }

  /** Size prefix, header (correlation id 0, patched per send) and body, in a heap buffer. */
  static ByteBuffer encode(FetchRequestData body) {
    return RawRequests.serialize(new RequestHeader(ApiKeys.FETCH, FETCH_VERSION, "brook-bench-fetch", 0), body,
        ByteBuffer::allocate);
  }

  private static double processCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  /**
   * Against any broker (for profiling either one on its own): creates the topic if absent, fills it
   * with {@link PipelinedProduceLoad#fill} unless {@code --fill-batches 0}, then reads it for a warm-up
   * and the measured seconds, printing records/s, MB/s and, with {@code --pid}, the broker's CPU per GiB.
   *
   * <pre>java -cp "brook-bench/target/classes:brook-bench/target/lib/*" dev.brook.bench.PipelinedFetchLoad \
   *   --bootstrap 127.0.0.1:9092 [--topic bench-fetch] [--partitions 16] [--connections 4] [--window 4] \
   *   [--partition-max-bytes 1048576] [--fill-batches 1024] [--record-size 100] [--warmup 3] [--seconds 15] \
   *   [--rounds 1] [--pid N]</pre>
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --option value, got " + args[i]);
      o.put(args[i].substring(2), args[i + 1]);
    }
    String bootstrap = o.getOrDefault("bootstrap", "127.0.0.1:9092");
    String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
    int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    Shape shape = new Shape(o.getOrDefault("topic", "bench-fetch"), Integer.parseInt(o.getOrDefault("partitions", "16")),
        Integer.parseInt(o.getOrDefault("connections", "4")), Integer.parseInt(o.getOrDefault("window", "4")),
        Integer.parseInt(o.getOrDefault("partition-max-bytes", Integer.toString(1 << 20))), 0);
    long fillBatches = Long.parseLong(o.getOrDefault("fill-batches", "1024"));
    int recordSize = Integer.parseInt(o.getOrDefault("record-size", "100"));
    long pid = Long.parseLong(o.getOrDefault("pid", "-1"));
    if (fillBatches > 0) {
      createTopic(bootstrap, shape.topic(), shape.partitions());
      BrokerEndpoint endpoint = new BrokerEndpoint(1, host, port, null, Map.of());
      // Kafka may still answer NOT_LEADER_OR_FOLLOWER a moment after Metadata names the leaders: try again
      // (a retried fill writes some batches twice; the figures are per byte read, so it does not matter).
      PipelinedProduceLoad.Result f = null;
      for (int attempt = 1; f == null; attempt++) {
        try {
          f = PipelinedProduceLoad.fill(endpoint, BrokerConnector.PLAINTEXT, shape.topic(), shape.partitions(), 4, 5,
              16 * 1024, recordSize, fillBatches, 600);
        } catch (IOException e) {
          if (attempt >= 10 || !String.valueOf(e.getMessage()).contains("NOT_LEADER_OR_FOLLOWER")) throw e;
          Thread.sleep(1000);
        }
      }
      System.out.printf("filled %s: %,d batches in %.1f s%n", shape.topic(), f.requests(), f.seconds());
    }
    run(host, port, shape, Double.parseDouble(o.getOrDefault("warmup", "3")));
    for (int r = 0; r < Integer.parseInt(o.getOrDefault("rounds", "1")); r++) {
      double cpu0 = pid > 0 ? ProcStats.cpuSeconds(pid) : Double.NaN;
      Result res = run(host, port, shape, Double.parseDouble(o.getOrDefault("seconds", "15")));
      double cpu = pid > 0 ? ProcStats.cpuSeconds(pid) - cpu0 : Double.NaN;
      System.out.printf("%,.0f records/s, %.1f MB/s, %,d answers, %d passes; broker CPU %.2f s (%.2f s/GiB); "
          + "load generator CPU %.2f s over %.1f s%n", res.recordsPerSec(), res.mbPerSec(), res.answers(), res.passes(),
          cpu, cpu / (res.bytes() / (double) (1L << 30)), res.clientCpuSeconds(), res.seconds());
    }
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      // Kafka answers Produce with NOT_LEADER_OR_FOLLOWER until a new topic's partitions have leaders.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic).partitions()
          .stream().allMatch(i -> i.leader() != null && !i.leader().isEmpty())) {
        if (System.nanoTime() > deadline) throw new IllegalStateException(topic + " has partitions without a leader");
        Thread.sleep(100);
      }
    }
  }
}
