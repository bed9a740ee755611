package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.Listener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several listeners on one broker, as Kafka configures them: a client is told the addresses of the
 * listener it came in on (Metadata, DescribeCluster, FindCoordinator), brokers replicate over the
 * inter-broker listener, and a protocol Brook cannot serve is refused at startup naming the key.
 */
class MultipleListenersIT {
  @TempDir Path dir;

  private static final Map<String, String> TWO_LISTENERS = Map.of(
      "listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0",
      "listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
      "inter.broker.listener.name", "INTERNAL");

  @Test
  void aClientIsToldTheAddressesOfTheListenerItCameInOn() throws Exception {
    Map<String, String> s = new HashMap<>(TWO_LISTENERS);
    s.put("log.dirs", dir.toString());
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      assertThat(broker.listeners()).extracting(Listener::name).containsExactly("INTERNAL", "EXTERNAL");
      for (Listener l : broker.listeners()) {
        String bootstrap = l.host() + ":" + l.port();
        try (Admin admin = admin(bootstrap)) {
          assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).extracting(Node::port)
              .containsExactly(l.port());
          String group = "g-" + l.name();
          consumeOnce(bootstrap, group, "t-" + l.name());
          Node coordinator = admin.describeConsumerGroups(List.of(group)).all().get(20, TimeUnit.SECONDS)
              .get(group).coordinator();
          assertThat(coordinator.port()).as("FindCoordinator on " + l.name()).isEqualTo(l.port());
        }
      }
    }
  }

  @Test
  void brokersReplicateOverTheInterBrokerListenerAndAdvertiseEveryListener() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, TWO_LISTENERS)) {
      Broker b1 = cluster.start(1);
      Broker b2 = cluster.start(2);
      Listener external = b1.listeners().get(1);
      String bootstrap = external.host() + ":" + external.port();
      try (Admin admin = admin(bootstrap)) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).extracting(Node::port)
                .containsExactlyInAnyOrder(b1.listeners().get(1).port(), b2.listeners().get(1).port()));
        admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 2)
            .configs(Map.of("min.insync.replicas", "2")))).all().get(20, TimeUnit.SECONDS);
      }
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        // acks=all with min.insync.replicas=2: acknowledged only once the follower fetched it over INTERNAL.
        producer.send(new ProducerRecord<>("replicated", "k", "v")).get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aProtocolThatIsNotServedIsRefusedAtStartupNamingTheKey() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0");
    s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SECURE:GSSAPI");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener.security.protocol.map");
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private static void consumeOnce(String bootstrap, String group, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "true");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (c.assignment().isEmpty() && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200));
      assertThat(c.assignment()).as("joined " + group).isNotEmpty();
      c.commitSync(Duration.ofSeconds(10));
    }
  }
}
