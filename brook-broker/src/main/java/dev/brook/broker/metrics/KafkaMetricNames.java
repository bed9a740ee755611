package dev.brook.broker.metrics;

/**
 * Builds metric names in the shape of Kafka's JMX ObjectNames ({@code kafka.server:type=BrokerTopicMetrics,
 * name=MessagesInPerSec,topic=t}). Brook registers every metric in its {@link com.codahale.metrics.MetricRegistry}
 * under exactly that string, so the JMX reporter and the Prometheus writer need no second mapping.
 * Stateless; any thread.
 */
public final class KafkaMetricNames {
  private KafkaMetricNames() {}

  /** {@code domain:type=type,name=name} followed by {@code ,key=value} pairs in the given order. */
  public static String of(String domain, String type, String name, String... tags) {
    StringBuilder b = new StringBuilder(64).append(domain).append(":type=").append(type).append(",name=").append(name);
    for (int i = 0; i + 1 < tags.length; i += 2) {
      b.append(',').append(tags[i]).append('=').append(quoteIfNeeded(tags[i + 1]));
    }
    return b.toString();
  }

  /** Topic names may hold only [a-zA-Z0-9._-]; anything else (a client id, say) is quoted as JMX requires. */
  private static String quoteIfNeeded(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\\' || c == '\n') {
        return javax.management.ObjectName.quote(v);
      }
    }
    return v;
  }
}
