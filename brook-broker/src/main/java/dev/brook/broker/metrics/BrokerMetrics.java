package dev.brook.broker.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's metrics: one Dropwizard {@link MetricRegistry} whose names are Kafka's JMX ObjectNames
 * ({@link KafkaMetricNames}), published as MBeans by Dropwizard's JMX reporter under those same
 * ObjectNames, so Kafka's {@code JmxTool}, JMX exporters and UIs that know Kafka's MBeans read Brook
 * unchanged. Rates and percentiles are Dropwizard's (exponentially weighted meters, decaying
 * histograms): Brook does no rate or percentile arithmetic of its own.
 *
 * <p>{@link #requests()} and {@link #topics()} are the recorders on the request path; everything else
 * is a gauge computed when read. Created once by the broker; any thread.
 *
 * <p>{@code -Dbrook.metrics.enabled=false} turns the request-path recorders into no-ops (gauges and
 * MBeans stay): it exists to measure what the recorders cost ({@code bench/RESULTS.md}).
 */
public final class BrokerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrokerMetrics.class);

  private final MetricRegistry registry = new MetricRegistry();
  /** Set by the publisher thread; read after joining it. */
  private volatile JmxReporter jmx;
  private final RequestMetrics requests;
  private final BrokerTopicMetrics topics;
  private boolean publishes;
  private Thread publisher;
  /** Kafka-metrics-style MBeans ({@link AttributeGroup}), by ObjectName; guarded by this. */
  private final Map<String, AttributeGroup> groups = new LinkedHashMap<>();
  /**
   * How long after {@link #publish} the MBeans are registered ({@code -Dbrook.jmx.publish.delay.ms},
   * default 1 s): long enough for the first clients' requests to be answered without the publisher
   * competing for the cores, short next to any JMX scrape interval.
   */
  static final long PUBLISH_DELAY_MS = Long.getLong("brook.jmx.publish.delay.ms", 1_000L);
  /**
   * Whether this JVM runs the JMX remote agent ({@code bin/brook} with {@code JMX_PORT}, as Kafka's
   * scripts): then {@link #publish} registers at once, before the broker reports that it serves.
   */
  private static final boolean REMOTE_JMX = System.getProperty("com.sun.management.jmxremote.port") != null;
  /** Whether {@link #publish} ran (it acts once). Guarded by this. */
  private boolean publishCalled;
  /** Set by close; the publisher does not start registering once it is. Guarded by this. */
  private boolean closed;
  /** Whether the publisher has registered the groups there were; later ones register at once. Guarded by this. */
  private boolean groupsPublished;

  /** Brokers in this JVM publishing MBeans: the first one does (names carry no broker id, as in Kafka). */
  private static final java.util.concurrent.atomic.AtomicInteger publishing = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * The broker's metrics, recording unless {@code -Dbrook.metrics.enabled=false}; published over JMX
   * if no other broker in this JVM publishes (tests run several brokers in one JVM), and not in
   * {@code bin/brook}'s AOT training run ({@code -Dbrook.aot.training}): the platform MBean server
   * loads ~450 JDK classes (its own, the platform MXBeans', JFR's MXBean), which the cache would
   * otherwise hold, and every start maps and loads all of a cache's classes before {@code main}.
   */
  public BrokerMetrics() {
    this(Boolean.parseBoolean(System.getProperty("brook.metrics.enabled", "true")),
        !Boolean.getBoolean("brook.aot.training") && publishing.compareAndSet(0, 1));
  }

  /** {@code recording} off makes the request-path recorders no-ops; {@code publishJmx} off keeps the MBeans away. */
  public BrokerMetrics(boolean recording, boolean publishJmx) {
    this.requests = new RequestMetrics(registry, recording);
    this.topics = new BrokerTopicMetrics(registry, recording);
    if (publishJmx) {
      // Off the start's critical path: the platform MBean server's creation and registering every
      // MBean cost ~100-150 ms of CPU, which on a small machine competes with the start and the
      // first requests for the cores. The broker calls publish() once it is serving; the thread
      // waits PUBLISH_DELAY_MS more, so that the first clients' requests are answered first, then
      // the reporter registers the metrics already there, and later ones as they come.
      // A class, not a lambda: bin/brook's AOT training publishes nothing, so the cache would hold no
      // linked lambda for this, and the start would spin one with the JDK's class-file API, which
      // nothing else on its main thread needs (its first use costs ~20-80 ms of CPU).
      publisher = Thread.ofPlatform().name("brook-jmx-publish").daemon().unstarted(new DelayedPublisher());
      publishes = true;
    }
  }

  /**
   * Publishes the MBeans, on a thread of its own and {@link #PUBLISH_DELAY_MS} later: called once
   * the broker serves, so that neither the start nor its first answers wait for JMX; at once, on the
   * caller's thread, when the JVM runs the JMX remote agent. Idempotent; a no-op when this broker
   * does not publish.
   */
  public synchronized void publish() {
    if (publisher == null || publishCalled || closed) return;
    publishCalled = true;
    if (REMOTE_JMX) {
      // The operator opened a JMX port (JMX_PORT): a scraper may connect as soon as the broker says
      // it serves, and must find the MBeans then, as with Kafka. The agent has created the MBean
      // server already, so registering now costs the start little.
      registerAll();
    } else {
      publisher.start();
    }
  }

  /** The publisher thread: waits {@link #PUBLISH_DELAY_MS}, then registers the MBeans (unless closed meanwhile). */
  private final class DelayedPublisher implements Runnable {
    @Override
    public void run() {
      try {
        Thread.sleep(PUBLISH_DELAY_MS);
      } catch (InterruptedException e) {
        return; // closed before publishing
      }
      registerAll();
    }
  }

  /** Starts the JMX reporter and registers the attribute groups, unless closed. */
  private void registerAll() {
    synchronized (this) {
      if (closed) return;
    }
    JmxReporter reporter = JmxReporter.forRegistry(registry)
        .registerWith(ManagementFactory.getPlatformMBeanServer())
        .convertDurationsTo(TimeUnit.MILLISECONDS)
        .convertRatesTo(TimeUnit.SECONDS)
        .createsObjectNamesWith((type, domain, name) -> objectName(name))
        .build();
    reporter.start();
    jmx = reporter;
    publishGroups();
  }

  private static ObjectName objectName(String name) {
    try {
      return new ObjectName(name);
    } catch (MalformedObjectNameException e) {
      throw new IllegalArgumentException("not a JMX ObjectName: " + name, e);
    }
  }

  public MetricRegistry registry() {
    return registry;
  }

  public RequestMetrics requests() {
    return requests;
  }

  public BrokerTopicMetrics topics() {
    return topics;
  }

  /**
   * The Kafka-metrics-style MBean named {@code objectName} ({@code kafka.server:type=group-coordinator-metrics}),
   * created on first use; published over JMX with the rest and written to /metrics ({@link #attributeGroups}).
   */
  public synchronized AttributeGroup attributes(String objectName) {
    AttributeGroup g = groups.get(objectName);
    if (g != null) return g;
    g = new AttributeGroup(objectName(objectName));
    groups.put(objectName, g);
    if (groupsPublished) register(g);
    return g;
  }

  /** Every Kafka-metrics-style MBean, in the order created. */
  public synchronized List<AttributeGroup> attributeGroups() {
    return new ArrayList<>(groups.values());
  }

  private synchronized void publishGroups() {
    for (AttributeGroup g : groups.values()) register(g);
    groupsPublished = true;
  }

  private static void register(AttributeGroup g) {
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(g, g.name());
    } catch (JMException e) {
      log.warn("could not publish {} over JMX", g.name(), e);
    }
  }

  private synchronized void unpublishGroups() {
    if (!groupsPublished) return;
    for (AttributeGroup g : groups.values()) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(g.name());
      } catch (JMException e) {
        log.debug("{} was not registered: {}", g.name(), e.toString());
      }
    }
    groupsPublished = false;
  }

  /** Registers a gauge under a Kafka name, replacing one already there (a restart of an area). */
  public <T> void gauge(String name, Gauge<T> gauge) {
    registry.remove(name);
    registry.register(name, gauge);
  }

  public void remove(String name) {
    registry.remove(name);
  }

  @Override
  public void close() {
    if (!publishes) return;
    try {
      Thread t;
      synchronized (this) {
        closed = true;
        t = publisher.getState() == Thread.State.NEW ? null : publisher; // null: never published
      }
      if (t != null) {
        t.interrupt(); // still waiting: it returns without publishing
        t.join(10_000); // a broker closed at once must not leave MBeans registered after its close
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (jmx != null) jmx.close();
      unpublishGroups();
    } catch (RuntimeException e) {
      log.warn("unregistering the metrics' MBeans failed", e);
    }
    publishing.compareAndSet(1, 0);
  }
}
