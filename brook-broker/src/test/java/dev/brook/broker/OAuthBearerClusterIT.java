package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import dev.brook.broker.security.oauth.TestTokens;
import dev.brook.broker.security.oauth.TokenIssuer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two brokers on ZooKeeper whose inter-broker listener serves only OAUTHBEARER: each broker gets its
 * own token from the issuer's client-credentials endpoint (over https, trusted through the JAAS
 * entry's trust store), and the other broker checks it against the issuer's JWKS and authorizes the
 * token's subject as a super user. Followers fetch over it (acks=all with min.insync.replicas=2
 * completes only once the follower has the record) and transaction markers travel over it.
 */
class OAuthBearerClusterIT {
  private static final String LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
  @TempDir Path dir;

  @Test
  void brokersAuthenticateToEachOtherWithTokensFromTheIssuer() throws Exception {
    TestCertificates certs = TestCertificates.get();
    TestTokens tokens = new TestTokens();
    try (TokenIssuer issuer = new TokenIssuer(tokens, certs.brokerKeyStore, TestCertificates.PASSWORD).client("broker", "broker-secret")) {
      Map<String, String> s = new HashMap<>();
      s.put("listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0");
      s.put("listener.security.protocol.map", "INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT");
      s.put("inter.broker.listener.name", "INTERNAL");
      s.put("listener.name.internal.sasl.enabled.mechanisms", "OAUTHBEARER");
      s.put("sasl.mechanism.inter.broker.protocol", "OAUTHBEARER");
      s.put("listener.name.internal.oauthbearer.sasl.jaas.config", LOGIN_MODULE + " required clientId=\"broker\" clientSecret=\"broker-secret\""
          + " scope=\"kafka\" ssl.truststore.location=\"" + certs.trustStore + "\" ssl.truststore.password=\"" + TestCertificates.PASSWORD
          + "\" ssl.truststore.type=\"PKCS12\";");
      s.put("listener.name.internal.oauthbearer.sasl.login.callback.handler.class",
          "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
      s.put("sasl.oauthbearer.token.endpoint.url", issuer.url("/token"));
      s.put("sasl.oauthbearer.jwks.endpoint.url", issuer.url("/jwks"));
      s.put("sasl.oauthbearer.expected.issuer", TestTokens.ISSUER);
      s.put("sasl.oauthbearer.expected.audience", TestTokens.AUDIENCE);
      s.put("listener.name.external.sasl.enabled.mechanisms", "PLAIN");
      s.put("listener.name.external.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
          + "user_admin=\"admin-secret\";");
      // The brokers are authorized as the token's subject: nothing else lets a follower fetch.
      s.put("authorizer.class.name", "dev.brook.broker.security.Authorizer");
      s.put("super.users", "User:subject-of-broker;User:admin");
      s.put("transaction.state.log.replication.factor", "2");
      s.put("offsets.topic.replication.factor", "2");
      try (InProcessCluster cluster = new InProcessCluster(dir, s)) {
        Broker b1 = cluster.start(1);
        Broker b2 = cluster.start(2);
        String external1 = "localhost:" + b1.listeners().get(1).port();
        try (Admin admin = Admin.create(SecureClients.quick(SecureClients.sasl(external1, "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret", certs)))) {
          org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
              assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).extracting(Node::port)
                  .containsExactlyInAnyOrder(b1.listeners().get(1).port(), b2.listeners().get(1).port()));
          admin.createTopics(List.of(new NewTopic("replicated", 2, (short) 2)
              .configs(Map.of("min.insync.replicas", "2")))).all().get(20, TimeUnit.SECONDS);
        }
        Properties p = SecureClients.sasl(external1, "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret", certs);
        p.put("acks", "all");
        p.put("delivery.timeout.ms", "30000");
        p.put("request.timeout.ms", "10000");
        p.put("transactional.id", "oauth-tx");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
          producer.initTransactions();
          producer.beginTransaction();
          for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("replicated", i % 2, "k", "v" + i));
          producer.commitTransaction(); // markers to both partitions' leaders, acks=all through both followers
          producer.beginTransaction();
          producer.send(new ProducerRecord<>("replicated", 0, "k", "last")).get(30, TimeUnit.SECONDS);
          producer.commitTransaction();
        }
        // Two brokers, each with its own token source: at least one token each, not one per connection.
        assertThat(issuer.tokensIssued.get()).isBetween(2, 10);
      }
    }
  }
}
