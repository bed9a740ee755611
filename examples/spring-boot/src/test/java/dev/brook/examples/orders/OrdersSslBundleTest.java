package dev.brook.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application over mutual TLS configured the Spring Boot way: an SSL bundle ({@code
 * spring.ssl.bundle.jks.brook.*}: the application's key store and the CA's trust store) named by
 * {@code spring.kafka.ssl.bundle}, with {@code spring.kafka.security.protocol=SSL}, against a Brook
 * listener that speaks only TLS and requires a client certificate from that CA ({@code
 * ssl.client.auth=required}). The template produces, the listener consumes, and Kafka Streams
 * ships, all through the bundle: without its key store or trust store no handshake would complete.
 * The test kit's topics are made over a second, PLAINTEXT listener the application is not told of.
 * Not {@code @BrookBroker}: its properties are constants, and the key stores are made at test time.
 */
@SpringBootTest
@DirtiesContext
class OrdersSslBundleTest {
  static Path dir;
  static TestTls tls;
  static BrookTestBroker brook;

  @Autowired OrdersApplication.Orders orders;
  @Autowired OrdersApplication.Received received;
  @Autowired KafkaProperties kafka;
  @Autowired KafkaTemplate<String, String> template;

  /**
   * The broker closes with the context ({@code @DirtiesContext}): Spring stops the listener
   * containers and Kafka Streams before it destroys beans, so the clients are gone first.
   */
  @TestConfiguration(proxyBeanMethods = false)
  static class BrookClosesWithTheContext {
    @Bean(destroyMethod = "close")
    BrookTestBroker brookTestBroker() {
      return brook;
    }
  }

  @BeforeAll
  static void startBrookWithMutualTls() throws Exception {
    dir = Files.createTempDirectory("brook-ssl-bundle");
    tls = new TestTls(dir);
    brook = BrookTestBroker.builder()
        .brokerProperty("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0")
        .brokerProperty("inter.broker.listener.name", "PLAINTEXT")
        .brokerProperty("listener.name.ssl.ssl.client.auth", "required")
        .brokerProperty("ssl.keystore.location", tls.broker.toString())
        .brokerProperty("ssl.keystore.password", TestTls.PASSWORD)
        .brokerProperty("ssl.keystore.type", "PKCS12")
        .brokerProperty("ssl.truststore.location", tls.trustStore.toString())
        .brokerProperty("ssl.truststore.password", TestTls.PASSWORD)
        .brokerProperty("ssl.truststore.type", "PKCS12")
        .topic("orders", 1)
        .topic("shipped", 1)
        .start();
  }

  static String sslBootstrap() {
    return "localhost:" + brook.broker().listeners().get(1).port();
  }

  @DynamicPropertySource
  static void kafkaOverTlsWithAnSslBundle(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", OrdersSslBundleTest::sslBootstrap);
    registry.add("spring.kafka.security.protocol", () -> "SSL");
    registry.add("spring.kafka.ssl.bundle", () -> "brook");
    registry.add("spring.ssl.bundle.jks.brook.keystore.location", () -> "file:" + tls.client);
    registry.add("spring.ssl.bundle.jks.brook.keystore.password", () -> TestTls.PASSWORD);
    registry.add("spring.ssl.bundle.jks.brook.keystore.type", () -> "PKCS12");
    registry.add("spring.ssl.bundle.jks.brook.truststore.location", () -> "file:" + tls.trustStore);
    registry.add("spring.ssl.bundle.jks.brook.truststore.password", () -> TestTls.PASSWORD);
    registry.add("spring.ssl.bundle.jks.brook.truststore.type", () -> "PKCS12");
  }

  @Test
  void ordersTravelOverMutualTlsFromTheSslBundle() throws Exception {
    assertThat(kafka.getBootstrapServers()).containsExactly(sslBootstrap()); // the TLS-only listener
    assertThat(kafka.getSsl().getBundle()).isEqualTo("brook");
    assertThat(template.getProducerFactory().getConfigurationProperties())
        .containsEntry("security.protocol", "SSL")
        .containsKey("ssl.engine.factory.class"); // Spring Boot's bundle-backed engine factory

    orders.place("o-3", "four plums");
    assertThat(received.items.poll(60, TimeUnit.SECONDS)).isEqualTo("four plums");
    assertThat(received.shipped.poll(60, TimeUnit.SECONDS)).isEqualTo("FOUR PLUMS");
  }
}
