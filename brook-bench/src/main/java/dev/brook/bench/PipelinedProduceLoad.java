package dev.brook.bench;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Produce load that costs the client little CPU, over any listener a {@link BrokerConnector} can
 * open (PLAINTEXT, or SASL_SSL with the TLS handshake and SCRAM done): Produce requests (acks=all,
 * one batch of 1 KiB records per request, no producer id) serialized once, sent over a few
 * connections with {@code window} in flight each, like a producer's {@code
 * max.in.flight.requests.per.connection}. Each connection has a writer and a reader thread (a TLS
 * socket is full duplex); every 64th answer is decoded and any error code fails the run, so a
 * broker that refuses work cannot look fast.
 *
 * <p>Why: Kafka's ProducerPerformance on this 2-core machine uses 1.3–1.75 cores itself (measured
 * with top during bench/sasl-ssl), more over TLS, so its figures are the client's as much as the
 * broker's. The same load generator drives both brokers, so the ratio is the brokers'.
 */
final class PipelinedProduceLoad {
  private static final short PRODUCE_VERSION = 9; // names topics (v13 uses ids); both brokers speak it
  private static final int CHECK_EVERY = 64;

  /** What one run measured: answered requests, bytes of record batches acknowledged, seconds, client CPU. */
  record Result(long requests, long batchBytes, double seconds, double clientCpuSeconds) {
    double mbPerSec() {
      return batchBytes / seconds / 1e6;
    }
  }

  private PipelinedProduceLoad() {}

  /**
   * Produces to {@code partitions} partitions of {@code topic} for {@code seconds} over {@code
   * connections} connections, {@code window} requests in flight each, batches of ~{@code batchBytes}.
   */
  static Result run(BrokerEndpoint broker, BrokerConnector connector, String topic, int partitions, int connections,
      int window, int batchBytes, int recordBytes, double seconds) throws Exception {
    return run(broker, connector, topic, partitions, connections, window, batchBytes, recordBytes, seconds, Long.MAX_VALUE);
  }

  /**
   * Fills {@code partitions} partitions of {@code topic} with the same number of batches each: {@code
   * batchesPerPartition} × {@code partitions} Produce requests in all, each connection sending an equal
   * share (so that every partition gets the same), as fast as {@code window} in flight allows. A fetch
   * load then reads the same data from either broker. Fails if not every request is acknowledged within
   * {@code timeoutSeconds}. {@link #recordsPerBatch} records per batch.
   */
  static Result fill(BrokerEndpoint broker, BrokerConnector connector, String topic, int partitions, int connections,
      int window, int batchBytes, int recordBytes, long batchesPerPartition, double timeoutSeconds) throws Exception {
    if (batchesPerPartition % connections != 0) {
      throw new IllegalArgumentException(batchesPerPartition + " batches per partition do not split over " + connections
          + " connections");
    }
    long perConnection = batchesPerPartition / connections * partitions;
    Result r = run(broker, connector, topic, partitions, connections, window, batchBytes, recordBytes, timeoutSeconds,
        perConnection);
    if (r.requests() != perConnection * connections) {
      throw new IOException("filling " + topic + ": " + r.requests() + " of " + perConnection * connections
          + " Produce requests answered in " + timeoutSeconds + " s");
    }
    return r;
  }

  /** Records in each batch this load sends. */
  static int recordsPerBatch(int batchBytes, int recordBytes) {
    return Math.max(1, batchBytes / recordBytes);
  }

  /**
   * As {@link #run(BrokerEndpoint, BrokerConnector, String, int, int, int, int, int, double)}, each
   * connection sending at most {@code perConnection} requests. Connection {@code c} sends frames {@code
   * c, c+1, ...} (one per partition, in turn), so a quota that is a multiple of {@code partitions}
   * gives each partition the same share.
   */
  private static Result run(BrokerEndpoint broker, BrokerConnector connector, String topic, int partitions,
      int connections, int window, int batchBytes, int recordBytes, double seconds, long perConnection) throws Exception {
    List<byte[]> frames = frames(topic, partitions, batchBytes, recordBytes);
    long frameBatchBytes = RawRequests.batch(batchBytes, recordBytes).sizeInBytes(); // every frame carries one such batch
    List<ReplicaClient> clients = new ArrayList<>();
    AtomicLong answered = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    double cpu0 = processCpuSeconds();
    long start = System.nanoTime();
    try {
      for (int c = 0; c < connections; c++) {
        ReplicaClient client = new ReplicaClient(broker, "brook-bench-load", 30_000, 60_000, connector);
        clients.add(client);
        Semaphore inFlight = new Semaphore(window);
        AtomicLong sent = new AtomicLong();
        int first = c;
        OutputStream out = client.socket().getOutputStream();
        InputStream in = client.socket().getInputStream();
        threads.add(Thread.ofPlatform().name("load-writer-" + c).start(() -> {
          try {
            int i = first;
            while (System.nanoTime() < deadline && failure.get() == null && sent.get() < perConnection) {
              if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
              out.write(frames.get(i++ % frames.size()));
              out.flush();
              sent.incrementAndGet();
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }));
        threads.add(Thread.ofPlatform().name("load-reader-" + c).start(() -> {
          DataInputStream din = new DataInputStream(in);
          byte[] buf = new byte[64 * 1024];
          long n = 0;
          try {
            while (failure.get() == null) {
              // every request sent answered, and no more coming (time is up, or the quota is sent and answered)
              if ((System.nanoTime() >= deadline || n >= perConnection) && n >= sent.get()) break;
              int size = din.readInt();
              if (size < 0 || size > 64 << 20) throw new IOException("bad answer size " + size);
              if (buf.length < size) buf = new byte[size];
              din.readFully(buf, 0, size);
              if (n % CHECK_EVERY == 0) check(ByteBuffer.wrap(buf, 0, size));
              n++;
              if (System.nanoTime() < deadline) answered.incrementAndGet();
              inFlight.release();
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }));
      }
      for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis((long) seconds + 90));
    } finally {
      for (ReplicaClient c : clients) c.close();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (failure.get() != null) throw new IOException("produce load failed: " + failure.get(), failure.get());
    long n = answered.get();
    return new Result(n, n * frameBatchBytes, Math.min(elapsed, seconds), processCpuSeconds() - cpu0);
  }

  private static void check(ByteBuffer frame) {
    ResponseHeader.parse(frame, ApiKeys.PRODUCE.responseHeaderVersion(PRODUCE_VERSION));
    AbstractResponse r = AbstractResponse.parseResponse(ApiKeys.PRODUCE, new ByteBufferAccessor(frame), PRODUCE_VERSION);
    Map<Errors, Integer> errors = new LinkedHashMap<>(r.errorCounts());
    errors.remove(Errors.NONE);
    if (!errors.isEmpty()) throw new IllegalStateException("Produce answered with errors " + errors);
  }

  /** One frame per partition: a batch of ~batchBytes of recordBytes-byte records, acks=all. */
  private static List<byte[]> frames(String topic, int partitions, int batchBytes, int recordBytes) {
    List<byte[]> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
      t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p).setRecords(RawRequests.batch(batchBytes, recordBytes)));
      ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
      data.topicData().add(t);
      ByteBuffer f = RawRequests.frame(ApiKeys.PRODUCE, PRODUCE_VERSION, data);
      byte[] bytes = new byte[f.remaining()];
      f.get(bytes);
      out.add(bytes);
    }
    return out;
  }

  private static double processCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }
}
