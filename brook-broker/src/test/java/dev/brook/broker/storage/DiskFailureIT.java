package dev.brook.broker.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.storage.StorageFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk failures with the real clients: a log directory on a small tmpfs filled to the brim (produce
 * fails, nothing acknowledged is lost, everything acknowledged is there after space is freed and a
 * restart), and JBOD (partitions spread over two directories, one taken offline by an injected I/O
 * fault while the other keeps serving; meta.properties checked in each).
 */
class DiskFailureIT {
  @TempDir Path tmp;
  Broker broker;
  int port;
  final List<AutoCloseable> clients = new ArrayList<>();
  Path mounted;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : clients) {
      try {
        c.close();
      } catch (Exception ignored) {
        // its broker is gone
      }
    }
    if (broker != null) broker.close();
    if (mounted != null) {
      new ProcessBuilder("umount", "-l", mounted.toString()).inheritIO().start().waitFor();
    }
  }

  private void start(Map<String, String> extra) throws Exception {
    if (port == 0) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
    }
    Map<String, String> settings = new HashMap<>();
    settings.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
    settings.put("offsets.topic.replication.factor", "1");
    settings.put("transaction.state.log.replication.factor", "1");
    settings.put("transaction.state.log.min.isr", "1");
    settings.putAll(extra);
    broker = Broker.start(BrokerConfig.of(settings));
  }

  private String bootstrap() {
    return "127.0.0.1:" + port;
  }

  private <T extends AutoCloseable> T client(T c) {
    clients.add(c);
    return c;
  }

  private Admin admin() {
    return client(Admin.create(Map.of("bootstrap.servers", bootstrap())));
  }

  /** A producer that gives up at once: every send is acknowledged or failed, never retried. */
  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap());
    p.put("acks", "all");
    p.put("enable.idempotence", "false");
    p.put("retries", "0");
    p.put("linger.ms", "0");
    p.put("request.timeout.ms", "5000");
    p.put("delivery.timeout.ms", "10000");
    p.put("max.block.ms", "10000");
    return client(new KafkaProducer<>(p, new StringSerializer(), new StringSerializer()));
  }

  /** Every record of {@code tp} from the start, as "offset:value". */
  private List<String> readAll(TopicPartition tp, long end) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap());
    p.put("enable.auto.commit", "false");
    p.put("max.partition.fetch.bytes", "1048576");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.offset() + ":" + r.value());
        }
      }
    }
    return out;
  }

  private long endOffset(TopicPartition tp) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      return c.endOffsets(List.of(tp)).get(tp);
    }
  }

  private void mountTmpfs(Path dir, String size) throws Exception {
    Files.createDirectories(dir);
    Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
        .redirectErrorStream(true).start();
    String out = new String(m.getInputStream().readAllBytes());
    Assumptions.assumeTrue(m.waitFor() == 0, "cannot mount a tmpfs (needs root): " + out);
    mounted = dir;
  }

  @Test
  void aFullDiskFailsProduceAndLosesNoAcknowledgedRecord() throws Exception {
    Path small = tmp.resolve("small");
    mountTmpfs(small, "8m");
    Path data = small.resolve("data");
    Map<String, String> settings = Map.of("log.dirs", data.toString(), "log.segment.bytes", "262144",
        "log.index.size.max.bytes", "65536");
    start(settings);
    TopicPartition tp = new TopicPartition("full", 0);
    admin().createTopics(List.of(new NewTopic("full", 1, (short) 1))).all().get();
    // Ballast leaves about 1.5 MB for the log; freeing it later is "space freed".
    Path ballast = small.resolve("ballast");
    long free = Files.getFileStore(small).getUsableSpace();
    try (FileChannel ch = FileChannel.open(ballast, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(64 * 1024);
      for (long written = 0; written < free - 1_500_000; written += 64 * 1024) {
        zeros.clear();
        ch.write(zeros);
      }
    }
    KafkaProducer<String, String> producer = producer();
    String pad = "x".repeat(1000);
    Map<Integer, Long> acked = new TreeMap<>();
    int failed = 0;
    Throwable firstFailure = null;
    for (int i = 0; i < 10_000 && failed < 20; i++) {
      Future<RecordMetadata> f = producer.send(new ProducerRecord<>("full", 0, null, i + "-" + pad));
      try {
        acked.put(i, f.get(20, TimeUnit.SECONDS).offset());
      } catch (ExecutionException e) {
        failed++;
        if (firstFailure == null) firstFailure = e.getCause();
      }
    }
    assertThat(failed).as("the disk filled up").isGreaterThan(0);
    assertThat(firstFailure).isInstanceOf(KafkaStorageException.class);
    assertThat(acked).hasSizeGreaterThan(100);
    // The directory is offline and says so; the broker still answers.
    LogDirDescription d = admin().describeLogDirs(List.of(1)).allDescriptions().get().get(1).values().iterator().next();
    assertThat(d.error()).isInstanceOf(KafkaStorageException.class);
    for (AutoCloseable c : clients) c.close();
    clients.clear();
    broker.close();
    broker = null;
    Files.delete(ballast);
    start(settings);
    long end = endOffset(tp);
    List<String> read = readAll(tp, end);
    List<String> expected = new ArrayList<>();
    acked.forEach((i, offset) -> expected.add(offset + ":" + i + "-" + pad));
    assertThat(read).containsAll(expected);
    assertThat(read).doesNotHaveDuplicates();
    // The recovered log takes appends again.
    RecordMetadata after = producer().send(new ProducerRecord<>("full", 0, null, "after")).get(20, TimeUnit.SECONDS);
    assertThat(after.offset()).isEqualTo(end);
  }

  @Test
  void newPartitionsSpreadOverLogDirsAndAFailedDirLeavesTheOtherServing() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Map<String, String> settings = Map.of("log.dirs", a + "," + b, "log.segment.bytes", "16384");
    start(settings);
    admin().createTopics(List.of(new NewTopic("jbod", 4, (short) 1))).all().get();
    KafkaProducer<String, String> producer = producer();
    for (int p = 0; p < 4; p++) {
      producer.send(new ProducerRecord<>("jbod", p, null, "first-" + p)).get(20, TimeUnit.SECONDS);
    }
    Map<String, LogDirDescription> dirs = admin().describeLogDirs(List.of(1)).allDescriptions().get().get(1);
    assertThat(dirs.keySet()).containsExactlyInAnyOrder(a.toAbsolutePath().toString(), b.toAbsolutePath().toString());
    Map<String, Set<TopicPartition>> placement = new TreeMap<>();
    for (Map.Entry<String, LogDirDescription> e : dirs.entrySet()) {
      assertThat(e.getValue().error()).isNull();
      Set<TopicPartition> jbod = new java.util.TreeSet<>(java.util.Comparator.comparing(TopicPartition::toString));
      for (Map.Entry<TopicPartition, ReplicaInfo> r : e.getValue().replicaInfos().entrySet()) {
        if (r.getKey().topic().equals("jbod")) {
          jbod.add(r.getKey());
          assertThat(r.getValue().size()).isGreaterThan(0);
        }
      }
      placement.put(e.getKey(), jbod);
    }
    assertThat(placement.values()).allSatisfy(s -> assertThat(s).hasSize(2)); // the fewest partitions first
    Set<TopicPartition> onB = placement.get(b.toAbsolutePath().toString());
    Set<TopicPartition> onA = placement.get(a.toAbsolutePath().toString());
    // Directory b fails: any new file there (the next segment) cannot be created.
    Map<TopicPartition, List<Long>> acked = new HashMap<>();
    try (AutoCloseable fault = StorageFiles.install((file, options) -> {
      if (file.toAbsolutePath().startsWith(b.toAbsolutePath()) && isSegmentLog(file)) {
        throw new IOException("Input/output error (injected)");
      }
      return FileChannel.open(file, options);
    })) {
      String pad = "y".repeat(1000);
      int failures = 0;
      for (int i = 0; i < 60; i++) {
        for (TopicPartition tp : onB) {
          try {
            long o = producer.send(new ProducerRecord<>("jbod", tp.partition(), null, pad)).get(20, TimeUnit.SECONDS).offset();
            acked.computeIfAbsent(tp, k -> new ArrayList<>()).add(o);
          } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(KafkaStorageException.class);
            failures++;
          }
        }
      }
      assertThat(failures).as("directory b went offline at its first roll").isGreaterThan(0);
    }
    // b answers KAFKA_STORAGE_ERROR; a keeps serving produce and fetch.
    for (TopicPartition tp : onB) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("jbod", tp.partition(), null, "late")).get(20, TimeUnit.SECONDS))
          .hasCauseInstanceOf(KafkaStorageException.class);
    }
    for (TopicPartition tp : onA) {
      producer.send(new ProducerRecord<>("jbod", tp.partition(), null, "second-" + tp.partition())).get(20, TimeUnit.SECONDS);
      assertThat(readAll(tp, 2)).containsExactly("0:first-" + tp.partition(), "1:second-" + tp.partition());
    }
    Map<String, LogDirDescription> after = admin().describeLogDirs(List.of(1)).allDescriptions().get().get(1);
    assertThat(after.get(b.toAbsolutePath().toString()).error()).isInstanceOf(KafkaStorageException.class);
    assertThat(after.get(a.toAbsolutePath().toString()).error()).isNull();
    // After a restart (the disk "repaired") every partition is found where it was, with every
    // acknowledged record.
    for (AutoCloseable c : clients) c.close();
    clients.clear();
    broker.close();
    broker = null;
    start(settings);
    Map<String, LogDirDescription> reopened = admin().describeLogDirs(List.of(1)).allDescriptions().get().get(1);
    for (TopicPartition tp : onB) {
      assertThat(reopened.get(b.toAbsolutePath().toString()).replicaInfos()).containsKey(tp);
      List<String> read = readAll(tp, 1 + acked.getOrDefault(tp, List.of()).size());
      assertThat(read).first().isEqualTo("0:first-" + tp.partition());
      List<Long> offsets = read.stream().map(s -> Long.parseLong(s.substring(0, s.indexOf(':')))).toList();
      assertThat(offsets).containsAll(acked.getOrDefault(tp, List.of()));
    }
    for (TopicPartition tp : onA) {
      assertThat(reopened.get(a.toAbsolutePath().toString()).replicaInfos()).containsKey(tp);
    }
  }

  @Test
  void aLogDirOfAnotherClusterIsAStartupErrorNamingIt() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Files.createDirectories(b);
    Files.writeString(b.resolve("meta.properties"), "version=1\nnode.id=1\ncluster.id=some-other-cluster\n");
    assertThatThrownBy(() -> start(Map.of("log.dirs", a + "," + b, "node.id", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.id")
        .hasMessageContaining(b.toString());
  }

  /** A segment's log file, at a roll or made ahead of one by the flusher ({@code next.log.prepared}). */
  private static boolean isSegmentLog(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".log") || name.endsWith(".log" + dev.brook.storage.LogSegment.PREPARED_SUFFIX);
  }
}
