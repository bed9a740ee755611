package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.createPartition;
import static dev.brook.broker.PartitionTestSupport.produceData;
import static dev.brook.broker.PartitionTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.Partition;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** acks=0: no response when it works; a closed connection (as Kafka does) when it fails. */
class AcksZeroIT {
  @TempDir Path dir;
  Broker broker;
  Partition partition;

  @BeforeEach
  void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
    partition = createPartition(broker, "t", 0, Uuid.randomUuid(), Map.of());
  }

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void successfulAcksZeroProduceIsNotAnsweredAndTheConnectionGoesOn() throws Exception {
    try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
      short v = 9;
      client.send(new ProduceRequest.Builder(v, v, produceData("t", null, 0, records("a", "b"), (short) 0)).build(v));
      // The next answer on the wire belongs to the next request: the produce got none.
      int correlation = client.send(new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("acks-zero-test").setClientSoftwareVersion("1"), (short) 3));
      ApiVersionsResponse r = (ApiVersionsResponse) client.receive(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, (short) 3, correlation);
      assertThat(r.data().errorCode()).isZero();
      assertThat(partition.logEndOffset()).isEqualTo(2);
    }
  }

  @Test
  void failedAcksZeroProduceClosesTheConnectionAfterEarlierAnswers() throws Exception {
    try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
      short v = 9;
      int first = client.send(new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("acks-zero-test").setClientSoftwareVersion("1"), (short) 3));
      client.send(new ProduceRequest.Builder(v, v, produceData("no-such-topic", null, 0, records("a"), (short) 0)).build(v));
      ApiVersionsResponse r = (ApiVersionsResponse) client.receive(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, (short) 3, first);
      assertThat(r.data().errorCode()).isZero();
      assertThat(client.isClosedByPeer()).isTrue();
    }
  }
}
