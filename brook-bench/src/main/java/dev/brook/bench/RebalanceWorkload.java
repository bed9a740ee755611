package dev.brook.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Rebalance time of one group of real {@link KafkaConsumer}s (kafka-clients 4.1.1) subscribed to
 * one topic: the group forms with {@code consumers} members, then each round one member leaves
 * ({@code close()}, which sends LeaveGroup or the consumer protocol's leave heartbeat) and one new
 * member joins. Each time is measured from the moment the member starts leaving (just before {@code
 * close()}) or joining (just before {@code subscribe}, its consumer already built) to the rebalance
 * callback after which every remaining member holds its new, even share ({@link AssignmentTracker}).
 * Protocols: {@code eager} (classic, RangeAssignor), {@code cooperative} (classic,
 * CooperativeStickyAssignor: two rebalances per change), {@code consumer} (KIP-848, the broker
 * assigns). Each consumer polls on its own thread every 20 ms, so a callback runs at most that late.
 */
final class RebalanceWorkload {
  private static final long SETTLE_TIMEOUT_MS = 120_000;
  /** Quiet time after a group settles, so the next change does not overlap the end of the last one. */
  private static final long PAUSE_MS = 500;

  /** Times in milliseconds; NaN for a change that did not settle in time. */
  record Result(String protocol, double formMs, double[] leaveMs, double[] joinMs) {
    double medianLeaveMs() {
      return Measurements.median(leaveMs);
    }

    double medianJoinMs() {
      return Measurements.median(joinMs);
    }
  }

  private final String bootstrap;
  private final String topic;
  private final String protocol;
  private final String group;
  private final int heartbeatMs;
  private final Consumer<String> log;
  private final AssignmentTracker tracker;
  private final List<Member> members = new ArrayList<>();
  private int nextId;

  private RebalanceWorkload(String bootstrap, String topic, int partitions, String protocol, String group,
      int heartbeatMs, Consumer<String> log) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.protocol = protocol;
    this.group = group;
    this.heartbeatMs = heartbeatMs;
    this.log = log;
    this.tracker = new AssignmentTracker(partitions);
  }

  static Result run(String bootstrap, String topic, int partitions, String protocol, String group, int consumers,
      int rounds, int heartbeatMs, Consumer<String> log) throws InterruptedException {
    RebalanceWorkload w = new RebalanceWorkload(bootstrap, topic, partitions, protocol, group, heartbeatMs, log);
    try {
      return w.rounds(consumers, rounds);
    } finally {
      w.closeAll();
    }
  }

  private Result rounds(int consumers, int rounds) throws InterruptedException {
    List<Member> first = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      first.add(new Member("m" + nextId++));
    }
    tracker.expect(names(first), System.nanoTime());
    for (Member m : first) {
      members.add(m);
      m.thread.start();
    }
    double form = await("form");
    double[] leave = new double[rounds];
    double[] join = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      Thread.sleep(PAUSE_MS);
      Member leaving = members.removeLast();
      tracker.expect(names(members), System.nanoTime());
      leaving.beforeClose = () -> tracker.started(System.nanoTime());
      leaving.leave = true;
      leave[r] = await("leave " + (r + 1));
      leaving.thread.join(30_000);
      Thread.sleep(PAUSE_MS);
      Member joining = new Member("m" + nextId++);
      members.add(joining);
      tracker.expect(names(members), System.nanoTime());
      joining.beforeSubscribe = () -> tracker.started(System.nanoTime());
      joining.thread.start();
      join[r] = await("join " + (r + 1));
      log.accept(String.format("  %s round %d: leave %.0f ms, join %.0f ms", protocol, r + 1, leave[r], join[r]));
    }
    return new Result(protocol, form, leave, join);
  }

  private double await(String what) throws InterruptedException {
    double ms = tracker.awaitSettledMillis(SETTLE_TIMEOUT_MS);
    if (Double.isNaN(ms)) {
      log.accept("  " + protocol + " " + what + ": did not settle within " + SETTLE_TIMEOUT_MS + " ms: "
          + tracker.describe());
    }
    return ms;
  }

  private void closeAll() throws InterruptedException {
    for (Member m : members) {
      m.leave = true;
    }
    for (Member m : members) {
      m.thread.join(60_000);
    }
  }

  private static Set<String> names(List<Member> ms) {
    Set<String> s = new HashSet<>();
    for (Member m : ms) {
      s.add(m.name);
    }
    return s;
  }

  private Properties props(String name) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + name);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    switch (protocol) {
      case "eager", "cooperative" -> {
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, protocol.equals("eager")
            ? RangeAssignor.class.getName() : CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(heartbeatMs));
      }
      case "consumer" -> p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
      default -> throw new IllegalArgumentException("unknown protocol " + protocol);
    }
    return p;
  }

  /** One consumer on its own thread: subscribes, polls until told to leave, then closes. */
  private final class Member implements ConsumerRebalanceListener {
    final String name;
    final Thread thread;
    volatile boolean leave;
    volatile Runnable beforeSubscribe = () -> { };
    volatile Runnable beforeClose = () -> { };

    Member(String name) {
      this.name = name;
      this.thread = Thread.ofPlatform().name(group + "-" + name).daemon().unstarted(this::run);
    }

    private void run() {
      try {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props(name));
        try {
          beforeSubscribe.run();
          consumer.subscribe(List.of(topic), this);
          while (!leave) {
            consumer.poll(Duration.ofMillis(20));
          }
          beforeClose.run();
        } finally {
          consumer.close(Duration.ofSeconds(30));
        }
      } catch (RuntimeException e) {
        log.accept("  " + protocol + " member " + name + " failed: " + e);
      } finally {
        tracker.forget(name);
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      tracker.revoked(name, indexes(revoked), System.nanoTime());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      tracker.revoked(name, indexes(lost), System.nanoTime());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      tracker.assigned(name, indexes(assigned), System.nanoTime());
    }

    private List<Integer> indexes(Collection<TopicPartition> tps) {
      return tps.stream().filter(tp -> tp.topic().equals(topic)).map(TopicPartition::partition).toList();
    }
  }
}
