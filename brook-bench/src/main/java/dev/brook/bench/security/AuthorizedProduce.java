package dev.brook.bench.security;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produce throughput and CPU with the authorizer off, and on with a matching ALLOW (the cost a
 * real deployment pays): an in-process broker and one producer (acks=1, 100-byte records, small
 * batches so that requests are many), runs alternated A/B, B/A, A/B... Prints records/s and the process's
 * CPU µs per record; the figures are for the note, never asserted.
 *
 * <pre>java -cp "brook-bench/target/classes:brook-bench/target/lib/*" dev.brook.bench.security.AuthorizedProduce [records] [rounds]</pre>
 */
public final class AuthorizedProduce {
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    for (int round = 1; round <= rounds; round++) {
      // Odd rounds off first, even rounds on first: the JIT warms through the run, so a fixed order
      // would favour whichever goes second.
      boolean[] order = round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false};
      for (boolean on : order) {
        Path dir = Files.createTempDirectory("brook-authz-bench");
        Map<String, String> s = new HashMap<>();
        s.put("log.dirs", dir.toString());
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        if (on) {
          s.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
          s.put("super.users", "User:ANONYMOUS"); // to create the topic and the ACL, then dropped below
        }
        String topic = "bench";
        try (Broker b = Broker.start(BrokerConfig.of(s))) {
          setup(b.bootstrapServers(), topic, on);
        }
        if (on) s.put("super.users", ""); // the produce is decided by the ALLOW, as for a real application
        try (Broker b = Broker.start(BrokerConfig.of(s))) {
          run(b.bootstrapServers(), topic, records, round, on);
        }
        deleteAll(dir);
      }
    }
  }

  private static void setup(String bootstrap, String topic, boolean acl) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      if (acl) {
        admin.createAcls(List.of(
            new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all()
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void run(String bootstrap, String topic, int records, int round, boolean on) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024);
    byte[] value = new byte[100];
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 20_000; i++) producer.send(new ProducerRecord<>(topic, value)); // warm-up
      producer.flush();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < records; i++) producer.send(new ProducerRecord<>(topic, value));
      producer.flush();
      long wall = System.nanoTime() - t0;
      long cpu = os.getProcessCpuTime() - cpu0;
      System.out.printf("round %d authorizer %-3s: %,.0f records/s, %.2f µs CPU per record (broker + client)%n",
          round, on ? "on" : "off", records / (wall / 1e9), cpu / 1e3 / records);
    }
  }

  private static void deleteAll(Path dir) throws Exception {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
