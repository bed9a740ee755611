package dev.brook.broker.metrics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's own history of what flowed and what lagged: one value per series every {@link
 * #intervalMs} (10 s), for the last {@link #POINTS} intervals (24 h at 10 s). Series are named
 * {@code topic:<name>} ({@link #topicSeries}: messages appended in the interval) and {@code
 * lag:<topic>:<group>} ({@link #lagSeries}: the group's lag on that topic at the sample, summed over its
 * partitions). Lag is kept per topic, not per group, so that a viewer who may not see a topic gets a
 * group's lag history without it ({@link #sum}), as Kafka's OffsetFetch leaves such a topic out; a
 * topic name cannot hold ':', so the name parses back ({@link LagSeries#parse}).
 *
 * <p>Bounded: in memory, at most {@link #MAX_SERIES} series of {@link #POINTS} longs (a series past
 * the limit is not kept, and said so once in the log); on disk, one append-only text file per UTC
 * day in the log directory ({@code brook-history.<epoch day>.tsv}, lines {@code time series value}),
 * of which the last two are kept. After a restart the last 24 h are read back from them.
 *
 * <p>Threading: {@link #record} is called by one sampling thread; {@link #series} may be called from
 * any thread (it copies under the same monitor; the sampling thread holds it for microseconds).
 */
public final class History implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(History.class);
  public static final int POINTS = 8_640;
  public static final int MAX_SERIES = 512;
  private static final long DAY_MS = 86_400_000L;

  /** One point of a series. */
  public record Point(long timeMs, long value) {}

  /** The topic and group of a {@code lag:<topic>:<group>} series. */
  public record LagSeries(String topic, String group) {
    /** The lag series {@code name} stands for, or null when it is not one. */
    public static LagSeries parse(String name) {
      if (!name.startsWith(LAG)) return null;
      int colon = name.indexOf(':', LAG.length());
      if (colon <= LAG.length()) return null;
      return new LagSeries(name.substring(LAG.length(), colon), name.substring(colon + 1));
    }
  }

  private static final String TOPIC = "topic:";
  private static final String LAG = "lag:";

  /** The series of a topic's messages appended per interval. */
  public static String topicSeries(String topic) {
    return TOPIC + topic;
  }

  /** The topic {@code name} is the throughput series of, or null. */
  public static String topicOf(String name) {
    return name.startsWith(TOPIC) ? name.substring(TOPIC.length()) : null;
  }

  /** The series of a group's lag on one topic. */
  public static String lagSeries(String topic, String group) {
    return LAG + topic + ":" + group;
  }

  private final Path dir;
  private final long intervalMs;
  private final int points;
  /** Slot i holds the sample taken at slotTime[i] (0: none); each series has a value per slot. */
  private final long[] slotTime;
  private final Map<String, long[]> series = new LinkedHashMap<>();
  private int next;
  private long lastTime;
  private boolean warnedFull;
  private BufferedWriter out;
  private long outDay = -1;

  public History(Path dir, long intervalMs) throws IOException {
    this(dir, intervalMs, POINTS);
  }

  History(Path dir, long intervalMs, int points) throws IOException {
    this.dir = dir;
    this.intervalMs = intervalMs;
    this.points = points;
    this.slotTime = new long[points];
    load();
  }

  public long intervalMs() {
    return intervalMs;
  }

  /** Records one sample of every series at {@code nowMs} and appends it to the day's file. */
  public synchronized void record(long nowMs, Map<String, Long> values) {
    store(nowMs, values);
    try {
      BufferedWriter w = writer(nowMs);
      StringBuilder b = new StringBuilder(values.size() * 32);
      for (Map.Entry<String, Long> e : values.entrySet()) {
        // A group id may hold a tab or a line break, which the file's lines cannot: such a series stays in memory only.
        if (e.getKey().indexOf('\t') >= 0 || e.getKey().indexOf('\n') >= 0 || e.getKey().indexOf('\r') >= 0) continue;
        b.append(nowMs).append('\t').append(e.getKey()).append('\t').append(e.getValue()).append('\n');
      }
      w.write(b.toString());
      w.flush();
    } catch (IOException e) {
      log.warn("writing the history to {} failed; it stays in memory", dir, e);
    }
  }

  private void store(long timeMs, Map<String, Long> values) {
    if (timeMs <= lastTime) {
      // A second value for the same sample (read back from a file): set it in the current slot.
      int slot = (next - 1 + points) % points;
      if (slotTime[slot] == timeMs) put(slot, values);
      return;
    }
    int slot = next;
    next = (next + 1) % points;
    slotTime[slot] = timeMs;
    lastTime = timeMs;
    for (long[] v : series.values()) v[slot] = 0;
    put(slot, values);
  }

  private void put(int slot, Map<String, Long> values) {
    for (Map.Entry<String, Long> e : values.entrySet()) {
      long[] v = series.get(e.getKey());
      if (v == null) {
        if (series.size() >= MAX_SERIES) {
          if (!warnedFull) log.warn("history keeps at most {} series; {} and later ones are not kept", MAX_SERIES, e.getKey());
          warnedFull = true;
          continue;
        }
        v = new long[points];
        series.put(e.getKey(), v);
      }
      v[slot] = e.getValue();
    }
  }

  /** The points of {@code name} (oldest first) since {@code sinceMs}; empty when unknown. */
  public synchronized List<Point> series(String name, long sinceMs) {
    long[] v = series.get(name);
    List<Point> out = new ArrayList<>();
    if (v == null) return out;
    for (int i = 0; i < points; i++) {
      int slot = (next + i) % points;
      long t = slotTime[slot];
      if (t != 0 && t >= sinceMs) out.add(new Point(t, v[slot]));
    }
    return out;
  }

  /**
   * The point-by-point sum of the series {@code names} (unknown ones count nothing) since {@code
   * sinceMs}, oldest first: one point per sample taken, as {@link #series} gives for one series; empty
   * when none of them is known.
   */
  public synchronized List<Point> sum(java.util.Collection<String> names, long sinceMs) {
    List<long[]> kept = new ArrayList<>(names.size());
    for (String n : names) {
      long[] v = series.get(n);
      if (v != null) kept.add(v);
    }
    List<Point> out = new ArrayList<>();
    if (kept.isEmpty()) return out;
    for (int i = 0; i < points; i++) {
      int slot = (next + i) % points;
      long t = slotTime[slot];
      if (t == 0 || t < sinceMs) continue;
      long total = 0;
      for (long[] v : kept) total += v[slot];
      out.add(new Point(t, total));
    }
    return out;
  }

  /** The names of the series kept. */
  public synchronized List<String> names() {
    return new ArrayList<>(series.keySet());
  }

  /** Bytes the history files take on disk now. */
  public long diskBytes() throws IOException {
    long total = 0;
    for (Path p : files()) total += Files.size(p);
    return total;
  }

  private BufferedWriter writer(long nowMs) throws IOException {
    long day = Math.floorDiv(nowMs, DAY_MS);
    if (out == null || day != outDay) {
      if (out != null) out.close();
      out = Files.newBufferedWriter(file(day), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      outDay = day;
      for (Path p : files()) {
        if (dayOf(p) < day - 1) Files.deleteIfExists(p);
      }
    }
    return out;
  }

  private void load() throws IOException {
    if (!Files.isDirectory(dir)) return;
    long since = System.currentTimeMillis() - points * intervalMs;
    List<Path> files = files();
    files.sort((a, b) -> Long.compare(dayOf(a), dayOf(b)));
    for (Path p : files) {
      try (Stream<String> lines = Files.lines(p, StandardCharsets.UTF_8)) {
        long[] currentTime = {-1};
        Map<String, Long> current = new LinkedHashMap<>();
        lines.forEach(line -> {
          String[] f = line.split("\t");
          if (f.length != 3) return; // a torn last line after a crash
          long t;
          long v;
          try {
            t = Long.parseLong(f[0]);
            v = Long.parseLong(f[2]);
          } catch (NumberFormatException e) {
            return;
          }
          if (t < since) return;
          if (t != currentTime[0] && !current.isEmpty()) {
            store(currentTime[0], current);
            current.clear();
          }
          currentTime[0] = t;
          current.put(f[1], v);
        });
        if (!current.isEmpty()) store(currentTime[0], current);
      }
    }
  }

  private List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) return out;
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("brook-history\\.\\d+\\.tsv")).forEach(out::add);
    }
    return out;
  }

  private Path file(long day) {
    return dir.resolve("brook-history." + day + ".tsv");
  }

  private static long dayOf(Path p) {
    String n = p.getFileName().toString();
    return Long.parseLong(n.substring("brook-history.".length(), n.length() - ".tsv".length()));
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) out.close();
  }
}
