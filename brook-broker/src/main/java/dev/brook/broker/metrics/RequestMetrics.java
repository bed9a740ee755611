package dev.brook.broker.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics} per request type ({@code request=Produce}, …):
 * RequestsPerSec (a meter), and TotalTimeMs, RequestQueueTimeMs, LocalTimeMs, RemoteTimeMs,
 * ResponseSendTimeMs (histograms in milliseconds); plus the network threads' idle fraction
 * ({@code kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent} and
 * {@code kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent}, one figure while
 * requests are served on the network threads: issue 16 will part them).
 *
 * <p>The one recorder on the request path: the connection calls {@link #record} once per answered
 * request, with the five instants it took anyway. The phases, as Kafka defines them: queue = frame
 * read → handler called (today only decoding: there is no queue yet); local = the handler's own work;
 * remote = waiting for something else (acks=all replicas, a long-poll fetch, a coordinator write);
 * response send = response ready → written to the socket (includes waiting for earlier responses on
 * the connection, which must go first).
 *
 * <p>Hot path: no lock and no allocation ({@code LongAdder}s, and HdrHistogram recorders:
 * {@link RecentValuesReservoir}). The metrics of an API key are created on its first request. Any
 * thread.
 */
public final class RequestMetrics {
  private static final int MAX_KEY = maxKey();

  /** One request type's metrics. */
  static final class PerApi {
    final Meter requests;
    final Histogram total;
    final Histogram queue;
    final Histogram local;
    final Histogram remote;
    final Histogram send;

    PerApi(MetricRegistry r, String request) {
      requests = r.meter(name("RequestsPerSec", request), () -> new Meter(CoarseClock.INSTANCE));
      total = histogram(r, "TotalTimeMs", request);
      queue = histogram(r, "RequestQueueTimeMs", request);
      local = histogram(r, "LocalTimeMs", request);
      remote = histogram(r, "RemoteTimeMs", request);
      send = histogram(r, "ResponseSendTimeMs", request);
    }

    private static Histogram histogram(MetricRegistry r, String metric, String request) {
      return r.histogram(name(metric, request),
          () -> new Histogram(new RecentValuesReservoir(CoarseClock.INSTANCE)));
    }

    private static String name(String metric, String request) {
      return KafkaMetricNames.of("kafka.network", "RequestMetrics", metric, "request", request);
    }
  }

  private final MetricRegistry registry;
  private final boolean recording;
  private final AtomicReferenceArray<PerApi> byKey = new AtomicReferenceArray<>(MAX_KEY + 1);
  private final Meter busyNanos;
  private volatile int networkThreads = 1;

  RequestMetrics(MetricRegistry registry, boolean recording) {
    this.registry = registry;
    this.recording = recording;
    this.busyNanos = new Meter(CoarseClock.INSTANCE);
    Gauge<Double> idle = this::idleFraction;
    registry.register(KafkaMetricNames.of("kafka.network", "SocketServer", "NetworkProcessorAvgIdlePercent"), idle);
    registry.register(KafkaMetricNames.of("kafka.server", "KafkaRequestHandlerPool", "RequestHandlerAvgIdlePercent"), idle);
  }

  /** A recorder that records nothing (dispatchers built without metrics, tests). */
  public static RequestMetrics disabled() {
    return new RequestMetrics(new MetricRegistry(), false);
  }

  /** The number of threads serving requests, for the idle fraction. */
  public void setNetworkThreads(int n) {
    networkThreads = Math.max(1, n);
  }

  /** Whether {@link #record} records anything (false when metrics are switched off for a measurement). */
  public boolean recording() {
    return recording;
  }

  /**
   * One answered request. Instants are {@link System#nanoTime()} values: frame read, handler called,
   * handler returned, response future completed, response written.
   */
  public void record(ApiKeys key, long readNs, long dispatchedNs, long handledNs, long completedNs, long sentNs) {
    if (!recording) return;
    PerApi m = perApi(key);
    m.requests.mark();
    m.total.update(millis(sentNs - readNs));
    m.queue.update(millis(dispatchedNs - readNs));
    m.local.update(millis(handledNs - dispatchedNs));
    m.remote.update(millis(completedNs - handledNs));
    m.send.update(millis(sentNs - completedNs));
  }

  /** Time a network thread spent on a request's decoding, handler call or response writing. */
  public void busy(long nanos) {
    if (recording && nanos > 0) busyNanos.mark(nanos);
  }

  /** 0..1: one minus the busy nanoseconds per second (Dropwizard's one-minute rate) per network thread. */
  private double idleFraction() {
    double busy = busyNanos.getOneMinuteRate() / TimeUnit.SECONDS.toNanos(1) / networkThreads;
    return Math.max(0.0, Math.min(1.0, 1.0 - busy));
  }

  private PerApi perApi(ApiKeys key) {
    PerApi m = byKey.get(key.id);
    if (m != null) return m;
    synchronized (this) { // once per API key in the broker's life
      m = byKey.get(key.id);
      if (m == null) {
        m = new PerApi(registry, key.name);
        byKey.set(key.id, m);
      }
      return m;
    }
  }

  /** Milliseconds as Kafka's histograms hold them (whole, rounded down). */
  private static long millis(long nanos) {
    return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static int maxKey() {
    int max = 0;
    for (ApiKeys k : ApiKeys.values()) max = Math.max(max, k.id);
    return max;
  }
}
