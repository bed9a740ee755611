package dev.brook.testkit;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A single-node Brook broker for tests: in this JVM, on {@code 127.0.0.1} with an ephemeral port and
 * a fresh temporary log directory that {@link #close} deletes.
 *
 * <pre>{@code
 * try (BrookTestBroker brook = BrookTestBroker.builder().topic("orders", 3).start()) {
 *   props.put("bootstrap.servers", brook.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #createTopic} and {@link #close} may be called from any thread.
 */
public final class BrookTestBroker implements AutoCloseable {
  /** Defaults that suit a one-node broker in a test (Kafka's defaults assume three brokers). */
  static final Map<String, String> TEST_DEFAULTS =
      Map.of(
          "listeners", "PLAINTEXT://127.0.0.1:0",
          "offsets.topic.replication.factor", "1",
          "offsets.topic.num.partitions", "5",
          "transaction.state.log.replication.factor", "1",
          "transaction.state.log.min.isr", "1",
          "transaction.state.log.num.partitions", "5",
          "group.initial.rebalance.delay.ms", "0");

  private final Broker broker;
  private final Path tempDir;

  private BrookTestBroker(Broker broker, Path tempDir) {
    this.broker = broker;
    this.tempDir = tempDir;
  }

  /** Starts a broker with the test defaults and no topics. */
  public static BrookTestBroker start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code host:port}, for a client's {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public int port() {
    return broker.port();
  }

  /** Where this broker keeps its logs. */
  public Path logDir() {
    return broker.logDir();
  }

  /** The running broker, for tests of the broker itself. */
  public Broker broker() {
    return broker;
  }

  /** Creates a topic through the Admin API (CreateTopics), as an application would. */
  public void createTopic(String name, int partitions) {
    createTopics(Map.of(name, partitions));
  }

  /** Creates topics (name → partition count), replication factor 1. */
  public void createTopics(Map<String, Integer> topics) {
    if (topics.isEmpty()) return;
    List<NewTopic> newTopics = new ArrayList<>();
    topics.forEach((n, p) -> newTopics.add(new NewTopic(n, p, (short) 1)));
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
      admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("creating topics " + topics.keySet() + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("creating topics " + topics.keySet() + " timed out", e);
    }
  }

  /** Stops the broker and deletes its log directory if the test kit created it. */
  @Override
  public void close() {
    broker.close();
    if (tempDir != null) deleteRecursively(tempDir);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) return;
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Settings for {@link BrookTestBroker}; every method returns this builder. */
  public static final class Builder {
    private final Map<String, String> properties = new LinkedHashMap<>(TEST_DEFAULTS);
    private final Map<String, Integer> topics = new LinkedHashMap<>();
    private Path logDir;
    private Path tempRoot;

    private Builder() {}

    /** A broker setting (Kafka's key names); wins over the test defaults. */
    public Builder brokerProperty(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public Builder brokerProperties(Map<String, String> props) {
      properties.putAll(props);
      return this;
    }

    /** A topic created once the broker is up. */
    public Builder topic(String name, int partitions) {
      topics.put(name, partitions);
      return this;
    }

    /**
     * Keeps the logs in {@code dir}, which {@link BrookTestBroker#close} leaves in place (for
     * restart tests). Default: a fresh temporary directory, deleted on close.
     */
    public Builder logDir(Path dir) {
      this.logDir = dir;
      return this;
    }

    /**
     * Where the fresh temporary log directory is made (default: {@code java.io.tmpdir}); it is still
     * deleted on close, or when the start fails.
     */
    public Builder tempRoot(Path root) {
      this.tempRoot = root;
      return this;
    }

    /** Starts the broker and creates the topics; returns once clients can connect. */
    public BrookTestBroker start() {
      ColdStartPreload.startOnce();
      Path temp = null;
      Map<String, String> props = new LinkedHashMap<>(properties);
      try {
        if (logDir == null && !props.containsKey("log.dirs") && !props.containsKey("log.dir")) {
          temp = tempRoot == null
              ? Files.createTempDirectory("brook-test-")
              : Files.createTempDirectory(tempRoot, "brook-test-");
          props.put("log.dirs", temp.toString());
        } else if (logDir != null) {
          props.put("log.dirs", logDir.toString());
        }
        Broker broker = Broker.start(BrokerConfig.of(props));
        BrookTestBroker b = new BrookTestBroker(broker, temp);
        try {
          b.createTopics(topics);
        } catch (RuntimeException e) {
          b.close();
          throw e;
        }
        return b;
      } catch (RuntimeException e) {
        if (temp != null) deleteRecursively(temp);
        throw e;
      } catch (Exception e) {
        if (temp != null) deleteRecursively(temp);
        throw new IllegalStateException("Brook test broker failed to start: " + e, e);
      }
    }
  }
}
