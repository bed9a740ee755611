package dev.brook.broker.metrics;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters, for all topics and per topic
 * ({@code ,topic=…}): MessagesInPerSec, BytesInPerSec, BytesOutPerSec, TotalProduceRequestsPerSec,
 * FailedProduceRequestsPerSec, TotalFetchRequestsPerSec, FailedFetchRequestsPerSec. Counted per
 * partition of a request, as Kafka does; bytes out count consumers' fetches only (Kafka counts
 * replication separately).
 *
 * <p>Hot path: a lookup in a concurrent map (no allocation once a topic has been seen) and
 * {@link Meter#mark}, a {@code LongAdder} add. Any thread.
 */
public final class BrokerTopicMetrics {
  /** One topic's meters (or the all-topics ones). */
  public static final class Meters {
    final Meter messagesIn;
    final Meter bytesIn;
    final Meter bytesOut;
    final Meter produceRequests;
    final Meter failedProduceRequests;
    final Meter fetchRequests;
    final Meter failedFetchRequests;

    Meters(MetricRegistry r, String... tags) {
      messagesIn = meter(r, name("MessagesInPerSec", tags));
      bytesIn = meter(r, name("BytesInPerSec", tags));
      bytesOut = meter(r, name("BytesOutPerSec", tags));
      produceRequests = meter(r, name("TotalProduceRequestsPerSec", tags));
      failedProduceRequests = meter(r, name("FailedProduceRequestsPerSec", tags));
      fetchRequests = meter(r, name("TotalFetchRequestsPerSec", tags));
      failedFetchRequests = meter(r, name("FailedFetchRequestsPerSec", tags));
    }

    private static Meter meter(MetricRegistry r, String name) {
      return r.meter(name, () -> new Meter(CoarseClock.INSTANCE));
    }

    private static String name(String name, String... tags) {
      return KafkaMetricNames.of("kafka.server", "BrokerTopicMetrics", name, tags);
    }

    /** Messages appended to this topic since start: the count of its MessagesInPerSec meter. */
    public long messagesInCount() {
      return messagesIn.getCount();
    }

    public long bytesInCount() {
      return bytesIn.getCount();
    }

    public long bytesOutCount() {
      return bytesOut.getCount();
    }

    /** Dropwizard's one-minute rates, per second. */
    public double messagesInRate() {
      return messagesIn.getOneMinuteRate();
    }

    public double bytesInRate() {
      return bytesIn.getOneMinuteRate();
    }

    public double bytesOutRate() {
      return bytesOut.getOneMinuteRate();
    }
  }

  private final MetricRegistry registry;
  private final boolean recording;
  private final Meters all;
  private final ConcurrentHashMap<String, Meters> perTopic = new ConcurrentHashMap<>();

  BrokerTopicMetrics(MetricRegistry registry, boolean recording) {
    this.registry = registry;
    this.recording = recording;
    this.all = new Meters(registry);
  }

  /** Meters that record nothing (handlers built without metrics, tests). */
  public static BrokerTopicMetrics disabled() {
    return new BrokerTopicMetrics(new MetricRegistry(), false);
  }

  /** A produce to one partition of {@code topic} appended {@code messages} records in {@code bytes}. */
  public void produced(String topic, long messages, long bytes) {
    if (!recording) return;
    Meters t = topic(topic);
    all.produceRequests.mark();
    t.produceRequests.mark();
    all.messagesIn.mark(messages);
    t.messagesIn.mark(messages);
    all.bytesIn.mark(bytes);
    t.bytesIn.mark(bytes);
  }

  /** A produce to one partition of {@code topic} (null when the topic is unknown) failed. */
  public void produceFailed(String topic) {
    if (!recording) return;
    all.produceRequests.mark();
    all.failedProduceRequests.mark();
    if (topic != null) {
      Meters t = topic(topic);
      t.produceRequests.mark();
      t.failedProduceRequests.mark();
    }
  }

  /** A consumer's fetch from one partition of {@code topic} returned {@code bytes} (failed: -1). */
  public void fetched(String topic, long bytes) {
    if (!recording) return;
    Meters t = topic(topic);
    all.fetchRequests.mark();
    t.fetchRequests.mark();
    if (bytes < 0) {
      all.failedFetchRequests.mark();
      t.failedFetchRequests.mark();
    } else if (bytes > 0) {
      all.bytesOut.mark(bytes);
      t.bytesOut.mark(bytes);
    }
  }

  /** The all-topics meters. */
  public Meters all() {
    return all;
  }

  /** This topic's meters, created (and published) on first use. */
  public Meters topic(String topic) {
    Meters m = perTopic.get(topic);
    return m != null ? m : perTopic.computeIfAbsent(topic, t -> new Meters(registry, "topic", t));
  }

  /** This topic's meters if it has any (null: none yet, or deleted); never creates them. */
  public Meters find(String topic) {
    return perTopic.get(topic);
  }

  /** The topics seen so far (a view). */
  public java.util.Set<String> topicNames() {
    return perTopic.keySet();
  }

  /** A deleted topic's meters leave the registry (and JMX). */
  public void removeTopic(String topic) {
    if (perTopic.remove(topic) == null) return;
    registry.removeMatching((name, metric) -> name.startsWith("kafka.server:type=BrokerTopicMetrics,") && name.endsWith(",topic=" + topic));
  }
}
