package dev.brook.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookBootstrap;
import dev.brook.testkit.BrookBroker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The whole application against Brook: {@code @BrookBroker} where the test had {@code
 * @EmbeddedKafka(topics = {"orders", "shipped"}, partitions = 1)}, the same attributes, no other
 * change; the application's {@code spring.kafka.*} configuration finds the broker through the test
 * kit's {@code KafkaConnectionDetails} bean (and the system property the extension sets).
 * {@code @DirtiesContext}: the context's clients stop with the class, before its broker does.
 */
@BrookBroker(topics = {"orders", "shipped"}, partitions = 1)
@SpringBootTest
@DirtiesContext
class OrdersApplicationTest {
  @Autowired OrdersApplication.Orders orders;
  @Autowired OrdersApplication.Received received;
  @Autowired KafkaProperties kafka;

  @Test
  void anOrderPlacedIsReceivedByTheListener(@BrookBootstrap String bootstrap) throws Exception {
    assertThat(kafka.getBootstrapServers()).containsExactly(bootstrap); // Brook, not a broker on localhost:9092
    orders.place("o-1", "three apples");
    assertThat(received.items.poll(60, TimeUnit.SECONDS)).isEqualTo("three apples");
    assertThat(received.shipped.poll(60, TimeUnit.SECONDS)).isEqualTo("THREE APPLES");
  }
}
