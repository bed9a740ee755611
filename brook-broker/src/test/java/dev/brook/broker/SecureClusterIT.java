package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two brokers on ZooKeeper whose inter-broker listener is SASL_SSL: followers fetch (acks=all with
 * min.insync.replicas=2 completes only once the follower has the record) and transaction markers
 * travel over TLS with the brokers' own PLAIN credentials; a SCRAM user created through one broker
 * (ZooKeeper's /config/users) authenticates on the other.
 */
class SecureClusterIT {
  @TempDir Path dir;

  @Test
  void brokersReplicateOverASaslSslInterBrokerListener() throws Exception {
    TestCertificates certs = TestCertificates.get();
    Map<String, String> s = new HashMap<>();
    s.put("listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0");
    s.put("listener.security.protocol.map", "INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL");
    s.put("inter.broker.listener.name", "INTERNAL");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.truststore.location", certs.trustStore.toString());
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("listener.name.internal.sasl.enabled.mechanisms", "PLAIN");
    s.put("listener.name.external.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("transaction.state.log.replication.factor", "2");
    s.put("offsets.topic.replication.factor", "2");
    s.put("listener.name.internal.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\";");
    s.put("listener.name.external.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "user_admin=\"admin-secret\";");
    try (InProcessCluster cluster = new InProcessCluster(dir, s)) {
      Broker b1 = cluster.start(1);
      Broker b2 = cluster.start(2);
      String external1 = "localhost:" + b1.listeners().get(1).port();
      String external2 = "localhost:" + b2.listeners().get(1).port();
      try (Admin admin = Admin.create(SecureClients.quick(
          SecureClients.sasl(external1, "SASL_SSL", "PLAIN", "admin", "admin-secret", certs)))) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).extracting(Node::port)
                .containsExactlyInAnyOrder(b1.listeners().get(1).port(), b2.listeners().get(1).port()));
        admin.createTopics(List.of(new NewTopic("replicated", 2, (short) 2)
            .configs(Map.of("min.insync.replicas", "2")))).all().get(20, TimeUnit.SECONDS);
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get(20, TimeUnit.SECONDS);
      }
      // alice's credential was written through broker 1; she bootstraps through broker 2.
      Properties p = SecureClients.sasl(external2, "SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret", certs);
      p.put("acks", "all");
      p.put("delivery.timeout.ms", "30000");
      p.put("request.timeout.ms", "10000");
      p.put("transactional.id", "secure-tx");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("replicated", i % 2, "k", "v" + i));
        producer.commitTransaction(); // markers to both partitions' leaders, acks=all
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("replicated", 0, "k", "last")).get(30, TimeUnit.SECONDS);
        producer.commitTransaction();
      }
    }
  }
}
