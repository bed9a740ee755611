package dev.brook.broker.http;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import dev.brook.broker.metrics.AttributeGroup;
import dev.brook.broker.metrics.ConsumerLag;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.management.ObjectName;

/**
 * Writes the broker's metrics in the Prometheus text exposition format (0.0.4) under the names the
 * common JMX-exporter rules (Strimzi's {@code kafka-metrics.yaml}, lower-cased) give Kafka's MBeans, so
 * dashboards built on them work without an agent:
 *
 * <ul>
 *   <li>a meter {@code kafka.X:type=T,name=NPerSec,k=v} → counter {@code kafka_X_T_N_total{k="v"}} (its Count);
 *   <li>a gauge → {@code kafka_X_T_N{k="v"}} (its Value);
 *   <li>a histogram → {@code kafka_X_T_N_count} and {@code kafka_X_T_N{quantile="0.50|0.75|0.95|0.98|0.99|0.999"}};
 *   <li>an attribute {@code a-b} of a Kafka-metrics-style MBean {@code kafka.server:type=T,k=v} ({@link
 *       AttributeGroup}: the coordinators') → gauge {@code kafka_server_T_a_b{k="v"}}, as the exporter's
 *       default rule names it ({@code kafka_server_group_coordinator_metrics_partition_load_time_max});
 * </ul>
 *
 * plus {@code kafka_consumergroup_lag} and {@code kafka_consumergroup_current_offset} as kafka_exporter
 * names them, and the JVM's own figures under the Prometheus Java client's names ({@code jvm_memory_bytes_used},
 * {@code jvm_threads_current}, {@code jvm_gc_collection_seconds_*}, {@code process_cpu_seconds_total}).
 *
 * <p>What one scrape may see ({@link Scope}): on an open path ({@code http.open.paths}, the operator's
 * choice) everything; otherwise the broker-wide series (DESCRIBE on the cluster, checked before) and of
 * the per-topic ones ({@code topic="…"}) only those of topics the scraper may DESCRIBE, and of the lag
 * only groups and topics it may DESCRIBE, as Kafka's Metadata and OffsetFetch would show them.
 * Stateless; any thread.
 */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * Which topics' and groups' series a scrape includes; {@link #ALL} for an open path. The predicates
   * are asked once per series (60,000 at 10,000 partitions), so they should be cheap: the HTTP
   * caller's ask the authorizer once per name and remember the answer for the scrape.
   */
  public record Scope(Predicate<String> topic, Predicate<String> group) {
    public static final Scope ALL = new Scope(t -> true, g -> true);
  }

  /** One metric family: its type and its sample lines, in order. */
  private static final class Family {
    final String type;
    final List<String> samples = new ArrayList<>();

    Family(String type) {
      this.type = type;
    }
  }

  /** Everything: the exposition of an open path. */
  public static String write(MetricRegistry registry, List<AttributeGroup> groups, List<ConsumerLag.Lag> lags) {
    return write(registry, groups, lags, Scope.ALL);
  }

  /** The exposition {@code scope} may see. */
  public static String write(MetricRegistry registry, List<AttributeGroup> groups, List<ConsumerLag.Lag> lags, Scope scope) {
    Map<String, Family> families = new TreeMap<>();
    for (Map.Entry<String, Metric> e : registry.getMetrics().entrySet()) {
      add(families, e.getKey(), e.getValue(), scope);
    }
    for (AttributeGroup g : groups) {
      if (visible(g.name(), scope)) add(families, g);
    }
    for (ConsumerLag.Lag l : lags) {
      if (!scope.group().test(l.group()) || !scope.topic().test(l.topic())) continue;
      String labels = "{consumergroup=\"" + escape(l.group()) + "\",topic=\"" + escape(l.topic()) + "\",partition=\"" + l.partition() + "\"}";
      family(families, "kafka_consumergroup_lag", "gauge").samples.add("kafka_consumergroup_lag" + labels + " " + l.lag());
      family(families, "kafka_consumergroup_current_offset", "gauge").samples.add("kafka_consumergroup_current_offset" + labels + " " + l.committed());
    }
    jvm(families);
    StringBuilder out = new StringBuilder(families.size() * 128);
    for (Map.Entry<String, Family> f : families.entrySet()) {
      out.append("# TYPE ").append(f.getKey()).append(' ').append(f.getValue().type).append('\n');
      for (String s : f.getValue().samples) out.append(s).append('\n');
    }
    return out.toString();
  }

  private static void add(Map<String, Family> families, String name, Metric metric, Scope scope) {
    ObjectName on;
    try {
      on = new ObjectName(name);
    } catch (Exception e) {
      return; // not one of ours
    }
    if (!visible(on, scope)) return;
    String type = on.getKeyProperty("type");
    String metricName = on.getKeyProperty("name");
    if (type == null || metricName == null) return;
    String base = sanitize(on.getDomain() + "_" + type + "_");
    String labels = labels(on);
    switch (metric) {
      case Meter m -> {
        boolean rate = metricName.contains("PerSec");
        String n = base + sanitize(rate ? metricName.substring(0, metricName.indexOf("PerSec")) : metricName) + (rate ? "_total" : "_count");
        family(families, n, "counter").samples.add(n + braces(labels) + " " + m.getCount());
      }
      case Timer t -> histogram(families, base + sanitize(metricName), labels, t.getCount(), t.getSnapshot());
      case Histogram h -> histogram(families, base + sanitize(metricName), labels, h.getCount(), h.getSnapshot());
      case Counter c -> {
        String n = base + sanitize(metricName) + "_count";
        family(families, n, "counter").samples.add(n + braces(labels) + " " + c.getCount());
      }
      case Gauge<?> g -> {
        Object v = g.getValue();
        double d = v instanceof Number num ? num.doubleValue() : v instanceof Boolean b ? (b ? 1 : 0) : Double.NaN;
        if (Double.isNaN(d)) return;
        String n = base + sanitize(metricName);
        family(families, n, "gauge").samples.add(n + braces(labels) + " " + number(d));
      }
      default -> {}
    }
  }

  /** Whether a series of the MBean {@code on} is in the scope: one with a topic key only if that topic is. */
  private static boolean visible(ObjectName on, Scope scope) {
    String topic = on.getKeyProperty("topic");
    if (topic == null) return true;
    return scope.topic().test(topic.startsWith("\"") ? ObjectName.unquote(topic) : topic);
  }

  /** A Kafka-metrics-style MBean: {@code kafka.server:type=T,k=v} attribute {@code a-b} → gauge {@code kafka_server_T_a_b{k="v"}}. */
  private static void add(Map<String, Family> families, AttributeGroup g) {
    ObjectName on = g.name();
    String base = sanitize(on.getDomain() + "_" + on.getKeyProperty("type") + "_");
    String labels = braces(labels(on));
    g.values().forEach((attribute, value) -> {
      String n = base + sanitize(attribute);
      family(families, n, "gauge").samples.add(n + labels + " " + number(value.doubleValue()));
    });
  }

  private static void histogram(Map<String, Family> families, String n, String labels, long count, Snapshot s) {
    family(families, n + "_count", "counter").samples.add(n + "_count" + braces(labels) + " " + count);
    Family f = family(families, n, "gauge");
    String sep = labels.isEmpty() ? "" : labels + ",";
    f.samples.add(n + "{" + sep + "quantile=\"0.50\"} " + number(s.getMedian()));
    f.samples.add(n + "{" + sep + "quantile=\"0.75\"} " + number(s.get75thPercentile()));
    f.samples.add(n + "{" + sep + "quantile=\"0.95\"} " + number(s.get95thPercentile()));
    f.samples.add(n + "{" + sep + "quantile=\"0.98\"} " + number(s.get98thPercentile()));
    f.samples.add(n + "{" + sep + "quantile=\"0.99\"} " + number(s.get99thPercentile()));
    f.samples.add(n + "{" + sep + "quantile=\"0.999\"} " + number(s.get999thPercentile()));
  }

  /** The key properties other than type and name, in the order they were written, as labels. */
  private static String labels(ObjectName on) {
    String props = on.getKeyPropertyListString();
    StringBuilder b = new StringBuilder();
    for (String kv : splitProperties(props)) {
      int eq = kv.indexOf('=');
      String k = kv.substring(0, eq);
      if (k.equals("type") || k.equals("name")) continue;
      String v = on.getKeyProperty(k);
      if (v.startsWith("\"")) v = ObjectName.unquote(v);
      if (b.length() > 0) b.append(',');
      b.append(sanitize(k)).append("=\"").append(escape(v)).append('"');
    }
    return b.toString();
  }

  /** Splits "k=v,k2=\"a,b\"" at the commas outside quotes. */
  private static List<String> splitProperties(String props) {
    List<String> out = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < props.length(); i++) {
      char c = props.charAt(i);
      if (c == '\\' && quoted) {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(props.substring(start, i));
        start = i + 1;
      }
    }
    out.add(props.substring(start));
    return out;
  }

  private static void jvm(Map<String, Family> families) {
    var mem = ManagementFactory.getMemoryMXBean();
    Family used = family(families, "jvm_memory_bytes_used", "gauge");
    Family committed = family(families, "jvm_memory_bytes_committed", "gauge");
    Family max = family(families, "jvm_memory_bytes_max", "gauge");
    for (String area : new String[] {"heap", "nonheap"}) {
      MemoryUsage u = area.equals("heap") ? mem.getHeapMemoryUsage() : mem.getNonHeapMemoryUsage();
      used.samples.add("jvm_memory_bytes_used{area=\"" + area + "\"} " + u.getUsed());
      committed.samples.add("jvm_memory_bytes_committed{area=\"" + area + "\"} " + u.getCommitted());
      max.samples.add("jvm_memory_bytes_max{area=\"" + area + "\"} " + u.getMax());
    }
    var threads = ManagementFactory.getThreadMXBean();
    family(families, "jvm_threads_current", "gauge").samples.add("jvm_threads_current " + threads.getThreadCount());
    family(families, "jvm_threads_daemon", "gauge").samples.add("jvm_threads_daemon " + threads.getDaemonThreadCount());
    Family gcCount = family(families, "jvm_gc_collection_seconds_count", "counter");
    Family gcSum = family(families, "jvm_gc_collection_seconds_sum", "counter");
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      String l = "{gc=\"" + escape(gc.getName()) + "\"}";
      gcCount.samples.add("jvm_gc_collection_seconds_count" + l + " " + gc.getCollectionCount());
      gcSum.samples.add("jvm_gc_collection_seconds_sum" + l + " " + number(gc.getCollectionTime() / 1000.0));
    }
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      family(families, "process_cpu_seconds_total", "counter").samples.add("process_cpu_seconds_total " + number(os.getProcessCpuTime() / 1e9));
    }
    family(families, "process_start_time_seconds", "gauge").samples
        .add("process_start_time_seconds " + number(ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0));
  }

  private static Family family(Map<String, Family> families, String name, String type) {
    return families.computeIfAbsent(name, n -> new Family(type));
  }

  private static String braces(String labels) {
    return labels.isEmpty() ? "" : "{" + labels + "}";
  }

  /** Lower case, and anything outside [a-z0-9_] becomes '_' (as the exporter's lowercaseOutputName). */
  static String sanitize(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = Character.toLowerCase(s.charAt(i));
      b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    return b.toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String number(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
    return String.format(Locale.ROOT, "%s", d);
  }
}
