package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Kafka 4.1.1's own tools through {@code kafka-anchor.sh tool CLASS ARGS}, the same way against
 * both brokers. Each run's output is kept in a log file; a run that fails or outlives its timeout is
 * an exception carrying the tail of that output.
 */
final class KafkaTools {
  static final String TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand";
  static final String PRODUCER_PERFORMANCE = "org.apache.kafka.tools.ProducerPerformance";
  static final String CONSUMER_PERFORMANCE = "org.apache.kafka.tools.ConsumerPerformance";
  static final String END_TO_END_LATENCY = "org.apache.kafka.tools.EndToEndLatency";

  private final Env env;

  KafkaTools(Env env) {
    this.env = env;
  }

  /** Runs the tool to completion and returns its output (stdout and stderr interleaved). */
  String run(Path log, Duration timeout, String toolClass, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(env.anchorScript().toString(), "tool", toolClass));
    cmd.addAll(args);
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    env.applyTo(pb, env.toolsJavaHome());
    pb.environment().put("ANCHOR_DIR", env.toolsDir().toString());
    Process p = pb.start();
    boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log);
    if (!done) {
      throw new ToolFailed(shortName(toolClass) + " timed out after " + timeout + "; see " + log, out);
    }
    if (p.exitValue() != 0) {
      throw new ToolFailed(shortName(toolClass) + " exited " + p.exitValue() + "; see " + log, out);
    }
    return out;
  }

  /** Creates a topic with replication factor 1 (TopicCommand). */
  void createTopic(Path log, String bootstrap, String topic, int partitions) throws IOException, InterruptedException {
    run(log, Duration.ofMinutes(2), TOPIC_COMMAND, List.of("--bootstrap-server", bootstrap, "--create",
        "--topic", topic, "--partitions", Integer.toString(partitions), "--replication-factor", "1"));
  }

  private static String shortName(String toolClass) {
    return toolClass.substring(toolClass.lastIndexOf('.') + 1);
  }

  /** A tool run that did not complete normally; carries everything the tool printed. */
  static final class ToolFailed extends IOException {
    private final transient String output;

    ToolFailed(String message, String output) {
      super(message + "\n" + ToolOutput.tail(output));
      this.output = output;
    }

    String output() {
      return output;
    }
  }
}
