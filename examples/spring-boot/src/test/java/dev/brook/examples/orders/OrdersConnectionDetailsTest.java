package dev.brook.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookBootstrap;
import dev.brook.testkit.BrookBroker;
import dev.brook.testkit.spring.BrookKafkaConnectionDetails;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.kafka.KafkaConnectionDetails;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The application against Brook through Spring Boot's connection details alone, as
 * {@code @ServiceConnection} wires a container: this {@code @BrookBroker} sets no system property
 * ({@code bootstrapServersProperty = ""}, no others) and the class has no {@code @DynamicPropertySource},
 * so {@code spring.kafka.bootstrap-servers} stays at Spring Boot's default ({@code localhost:9092}),
 * and the template, the listeners and the Kafka Streams topology still reach Brook: the test kit's
 * {@code KafkaConnectionDetails} bean is what Spring Boot's Kafka auto-configuration reads.
 * {@code @DirtiesContext}: the context's clients stop with the class, before its broker does.
 */
@BrookBroker(topics = {"orders", "shipped"}, partitions = 1, bootstrapServersProperty = "", alsoBootstrapServersProperties = {})
@SpringBootTest
@DirtiesContext
class OrdersConnectionDetailsTest {
  @Autowired OrdersApplication.Orders orders;
  @Autowired OrdersApplication.Received received;
  @Autowired KafkaProperties kafka;
  @Autowired KafkaConnectionDetails connection;
  @Autowired StreamsBuilderFactoryBean streams;

  @Test
  void theConnectionDetailsBeanPointsProducersConsumersAndStreamsAtBrook(@BrookBootstrap String bootstrap) throws Exception {
    assertThat(System.getProperty("spring.kafka.bootstrap-servers")).isNull();
    assertThat(kafka.getBootstrapServers()).containsExactly("localhost:9092"); // the properties know nothing of Brook
    assertThat(connection).isInstanceOf(BrookKafkaConnectionDetails.class);
    assertThat(connection.getStreams().getBootstrapServers()).isEqualTo(List.of(bootstrap));
    assertThat(String.valueOf(streams.getStreamsConfiguration().get("bootstrap.servers"))).contains(bootstrap);

    orders.place("o-2", "two pears");
    assertThat(received.items.poll(60, TimeUnit.SECONDS)).isEqualTo("two pears");
    assertThat(received.shipped.poll(60, TimeUnit.SECONDS)).isEqualTo("TWO PEARS"); // through Kafka Streams
  }
}
