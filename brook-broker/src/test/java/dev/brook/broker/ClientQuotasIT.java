package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.TargetBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas with the real client: set and read back with the Admin API (what kafka-configs
 * sends), kept across a restart and across brokers, and a producer held to its byte rate. With
 * {@code -Dbrook.it.target=kafka} the same tests run against Apache Kafka 4.1.1 ({@link TargetBroker}).
 */
class ClientQuotasIT {
  private static final int MB = 1 << 20;
  @TempDir Path dir;

  private Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("single").toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    // Two 1 s windows: the burst a new client may send before it is metered stays small (with
    // Kafka's 11 windows it is 10 s worth), so the test sees the steady rate in seconds.
    s.put("quota.window.num", "2");
    return s;
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private static void setQuota(Admin admin, ClientQuotaEntity entity, String key, Double value) throws Exception {
    admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)))))
        .all().get(20, TimeUnit.SECONDS);
  }

  private static Map<ClientQuotaEntity, Map<String, Double>> quotas(Admin admin) throws Exception {
    return admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aProducerIsHeldToItsByteRate() throws Exception {
    try (TargetBroker broker = TargetBroker.start(dir, settings()); Admin admin = admin(broker.bootstrap())) {
      admin.createTopics(List.of(new NewTopic("metered", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
      setQuota(admin, new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow")), "producer_byte_rate", (double) MB);

      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "slow");
      p.put(ProducerConfig.ACKS_CONFIG, "1");
      p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
      AtomicLong acked = new AtomicLong();
      byte[] value = new byte[1024];
      long[] ackedAt = new long[2];
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(3); // past the first burst
        long end = measureFrom + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
          producer.send(new ProducerRecord<>("metered", value), (m, e) -> {
            if (e == null) acked.addAndGet(value.length);
          });
          long now = System.nanoTime();
          if (ackedAt[0] == 0 && now >= measureFrom) ackedAt[0] = acked.get();
        }
        ackedAt[1] = acked.get();
        producer.close(Duration.ZERO); // what is still queued is not counted
      }
      double rate = (ackedAt[1] - ackedAt[0]) / 10.0;
      System.out.printf("quota'd producer: %.0f B/s of values for a 1 MiB/s quota%n", rate);
      // Values are a little less than the metered request bytes (batch and request headers).
      assertThat(rate).isBetween(0.85 * MB, 1.15 * MB);
    }
  }

  @Test
  void aConsumerIsHeldToItsByteRate() throws Exception {
    try (TargetBroker broker = TargetBroker.start(dir, settings()); Admin admin = admin(broker.bootstrap())) {
      admin.createTopics(List.of(new NewTopic("backlog", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      pp.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < 12 * 1024; i++) producer.send(new ProducerRecord<>("backlog", new byte[1024]));
      }
      setQuota(admin, new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "reader")), "consumer_byte_rate", (double) MB);
      Properties p = new Properties();
      p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      p.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, "reader");
      try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
          new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        var tp = new org.apache.kafka.common.TopicPartition("backlog", 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(3);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(6);
        long read = 0;
        long readAtStart = -1;
        while (System.nanoTime() < end) {
          for (var r : consumer.poll(Duration.ofMillis(100))) read += r.value().length;
          if (readAtStart < 0 && System.nanoTime() >= measureFrom) readAtStart = read;
        }
        double rate = (read - readAtStart) / 6.0;
        System.out.printf("quota'd consumer: %.0f B/s of values for a 1 MiB/s quota%n", rate);
        // Held to the quota, not starved. Kafka 4.1.1 with these settings (2 windows of 1 s, 1 MiB
        // fetches) delivered 0.65 of the quota in our run (load ~50; it throttles whole 1 MiB responses), Brook about 1.0.
        assertThat(rate).isBetween(0.5 * MB, 1.15 * MB);
      }
    }
  }

  @Test
  void aClientOverItsMutationRateHasItsNextTopicsRefused() throws Exception {
    Map<String, String> s = settings();
    // Long windows: what the first creation recorded is still measured however slow the machine is.
    s.put("quota.window.num", "11");
    s.put("quota.window.size.seconds", "5");
    try (TargetBroker broker = TargetBroker.start(dir, s)) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      p.put(AdminClientConfig.CLIENT_ID_CONFIG, "creator");
      try (Admin admin = Admin.create(p)) {
        setQuota(admin, new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "creator")), "controller_mutation_rate", 0.1);
        var noRetry = new org.apache.kafka.clients.admin.CreateTopicsOptions().retryOnQuotaViolation(false);
        admin.createTopics(List.of(new NewTopic("first", 20, (short) 1)), noRetry).all().get(20, TimeUnit.SECONDS);
      }
      // A new client of the same id (the first one now waits out the throttle it was told before
      // sending again, as KIP-219 clients do): over the rate, its topic is refused at once.
      try (Admin again = Admin.create(p)) {
        var noRetry = new org.apache.kafka.clients.admin.CreateTopicsOptions().retryOnQuotaViolation(false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                again.createTopics(List.of(new NewTopic("second", 1, (short) 1)), noRetry).all().get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(org.apache.kafka.common.errors.ThrottlingQuotaExceededException.class);
      }
      try (Admin other = admin(broker.bootstrap())) {
        assertThat(other.listTopics().names().get(20, TimeUnit.SECONDS)).contains("first").doesNotContain("second");
      }
    }
  }

  @Test
  void quotasAreReadBackKeptAcrossARestartAndRefusedWhenInvalid() throws Exception {
    ClientQuotaEntity alice = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice"));
    ClientQuotaEntity defaultClient = new ClientQuotaEntity(java.util.Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));
    try (TargetBroker broker = TargetBroker.start(dir, settings())) {
      try (Admin admin = admin(broker.bootstrap())) {
        setQuota(admin, alice, "consumer_byte_rate", 2048.0);
        setQuota(admin, defaultClient, "request_percentage", 50.0);
        assertThat(quotas(admin)).containsEntry(alice, Map.of("consumer_byte_rate", 2048.0))
            .containsEntry(defaultClient, Map.of("request_percentage", 50.0));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> setQuota(admin, alice, "bogus_rate", 1.0))
            .hasCauseInstanceOf(InvalidRequestException.class);
      }
      broker.restart();
      try (Admin admin = admin(broker.bootstrap())) {
        assertThat(quotas(admin)).containsEntry(alice, Map.of("consumer_byte_rate", 2048.0));
        setQuota(admin, alice, "consumer_byte_rate", null); // remove
        assertThat(quotas(admin)).doesNotContainKey(alice);
      }
    }
  }

  @Test
  void everyBrokerOfAClusterSeesAQuotaSetThroughAnother() throws Exception {
    assumeFalse(TargetBroker.isKafka(), "a cluster of Brook brokers (InProcessCluster); Kafka's own cluster is not started here");
    try (InProcessCluster cluster = new InProcessCluster(dir)) {
      Broker b1 = cluster.start(1);
      Broker b2 = cluster.start(2);
      ClientQuotaEntity bob = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "bob", ClientQuotaEntity.CLIENT_ID, "app"));
      try (Admin one = admin(b1.bootstrapServers()); Admin two = admin(b2.bootstrapServers())) {
        setQuota(one, bob, "producer_byte_rate", 4096.0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(quotas(two)).containsEntry(bob, Map.of("producer_byte_rate", 4096.0)));
      }
    }
  }
}
