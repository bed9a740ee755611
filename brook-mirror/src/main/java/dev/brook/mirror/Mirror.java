package dev.brook.mirror;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;

/**
 * A running {@code brook mirror}: one {@link MirrorFlow} thread per enabled flow. {@link #start}
 * builds every client before any thread runs, so a bad client setting fails the start, naming the
 * key. Thread-safe: {@link #close} may come from a shutdown hook.
 */
public final class Mirror implements AutoCloseable {
  private final List<MirrorFlow> flows;
  private final List<Thread> threads = new ArrayList<>();

  private Mirror(List<MirrorFlow> flows) {
    this.flows = flows;
  }

  /** Reads a {@code mirror.properties} file into key/value pairs (values trimmed). */
  public static Map<String, String> readProperties(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k.trim(), p.getProperty(k).trim()));
    return m;
  }

  /** Starts every enabled flow of {@code config}. */
  public static Mirror start(MirrorConfig config) {
    List<MirrorFlow> flows = new ArrayList<>();
    try {
      for (MirrorConfig.Flow f : config.flows()) {
        MirrorFlow flow = new MirrorFlow(f);
        try {
          flow.open();
        } catch (ConfigException e) {
          throw new MirrorConfigException("cluster " + clusterOf(e, f) + ": " + e.getMessage());
        }
        flows.add(flow);
      }
    } catch (RuntimeException e) {
      flows.forEach(MirrorFlow::stop);
      throw e;
    }
    Mirror m = new Mirror(flows);
    for (MirrorFlow f : flows) {
      Thread t = new Thread(f, "mirror-" + f.flow().name());
      m.threads.add(t);
      t.start();
    }
    return m;
  }

  private static String clusterOf(ConfigException e, MirrorConfig.Flow f) {
    return f.source().alias() + " or " + f.target().alias() + " (flow " + f.name() + ")";
  }

  /** Each flow's name and state: starting, initializing, running, retrying, fenced, failed
   * (a record too large for the target: see the log), stopped. */
  public Map<String, String> states() {
    Map<String, String> m = new HashMap<>();
    flows.forEach(f -> m.put(f.flow().name(), f.state()));
    return m;
  }

  /** True while at least one flow thread runs. */
  public boolean isAlive() {
    return threads.stream().anyMatch(Thread::isAlive);
  }

  @Override
  public void close() {
    flows.forEach(MirrorFlow::stop);
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
