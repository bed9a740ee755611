package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.createPartition;
import static dev.brook.broker.PartitionTestSupport.fetch;
import static dev.brook.broker.PartitionTestSupport.fetchData;
import static dev.brook.broker.PartitionTestSupport.onlyPartition;
import static dev.brook.broker.PartitionTestSupport.produce;
import static dev.brook.broker.PartitionTestSupport.records;
import static dev.brook.broker.PartitionTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InitProducerId and sequence checks over raw requests, and what survives a broker restart. */
class IdempotenceAndRestartIT {
  @TempDir Path dir;
  final Uuid topicId = Uuid.randomUuid();
  Broker broker;
  RawClient client;

  private void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
    createPartition(broker, "t", 0, topicId);
    client = new RawClient("127.0.0.1", broker.port());
  }

  private void restart() throws Exception {
    client.close();
    broker.close();
    start();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) client.close();
    if (broker != null) broker.close();
  }

  private InitProducerIdResponseData initProducerId(String transactionalId) throws Exception {
    InitProducerIdRequestData d = new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60000)
        .setProducerId(-1).setProducerEpoch((short) -1);
    return client.call(new InitProducerIdRequest.Builder(d).build((short) 4), InitProducerIdResponse.class).data();
  }

  private PartitionProduceResponse send(long pid, short epoch, int seq, String... values) throws Exception {
    return produce(client, "t", 0, records(CompressionType.NONE, pid, epoch, seq, values));
  }

  @Test
  void duplicatesGetTheOriginalOffsetsAndGapsAreOutOfOrder() throws Exception {
    start();
    InitProducerIdResponseData id = initProducerId(null);
    assertThat(id.errorCode()).isZero();
    assertThat(id.producerEpoch()).isZero();
    long pid = id.producerId();
    assertThat(send(pid, (short) 0, 0, "a", "b", "c").baseOffset()).isZero();
    assertThat(send(pid, (short) 0, 3, "d").baseOffset()).isEqualTo(3);
    PartitionProduceResponse dup = send(pid, (short) 0, 0, "a", "b", "c");
    assertThat(Errors.forCode(dup.errorCode())).isEqualTo(Errors.NONE);
    assertThat(dup.baseOffset()).isZero();
    assertThat(Errors.forCode(send(pid, (short) 0, 9, "gap").errorCode())).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(Errors.forCode(send(pid + 1000, (short) 0, 5, "unknown").errorCode())).isEqualTo(Errors.UNKNOWN_PRODUCER_ID);
    assertThat(send(pid, (short) 1, 0, "bumped").baseOffset()).isEqualTo(4);
    assertThat(Errors.forCode(send(pid, (short) 0, 4, "stale").errorCode())).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
    assertThat(values(onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12)))).containsExactly("a", "b", "c", "d", "bumped");
    assertThat(initProducerId(null).producerId()).isNotEqualTo(pid);

    org.apache.kafka.common.message.DescribeProducersRequestData d = new org.apache.kafka.common.message.DescribeProducersRequestData();
    d.topics().add(new org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest().setName("t").setPartitionIndexes(java.util.List.of(0, 9)));
    var described = client.call(new org.apache.kafka.common.requests.DescribeProducersRequest.Builder(d).build((short) 0),
        org.apache.kafka.common.requests.DescribeProducersResponse.class).data().topics().get(0).partitions();
    assertThat(described.get(0).activeProducers()).singleElement().satisfies(p -> {
      assertThat(p.producerId()).isEqualTo(pid);
      assertThat(p.producerEpoch()).isEqualTo(1);
      assertThat(p.lastSequence()).isZero();
    });
    assertThat(Errors.forCode(described.get(1).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void transactionalIdIsServedByTheTransactionCoordinator() throws Exception {
    start();
    InitProducerIdResponseData[] answer = new InitProducerIdResponseData[1];
    // The first transactional request creates __transaction_state (COORDINATOR_NOT_AVAILABLE
    // meanwhile), and the coordinator loads it (COORDINATOR_LOAD_IN_PROGRESS): clients retry both.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
      answer[0] = initProducerId("tx");
      Errors e = Errors.forCode(answer[0].errorCode());
      return e != Errors.COORDINATOR_LOAD_IN_PROGRESS && e != Errors.COORDINATOR_NOT_AVAILABLE;
    });
    InitProducerIdResponseData r = answer[0];
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    assertThat(r.producerEpoch()).isZero();
  }

  @Test
  void restartKeepsRecordsProducerStateAndUniqueProducerIds() throws Exception {
    start();
    long pid = initProducerId(null).producerId();
    send(pid, (short) 0, 0, "a", "b");
    send(pid, (short) 0, 2, "c");
    produce(client, "t", 0, records(CompressionType.ZSTD, -1, (short) -1, -1, "z1", "z2"));
    restart();
    assertThat(values(onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12)))).containsExactly("a", "b", "c", "z1", "z2");
    PartitionProduceResponse dup = send(pid, (short) 0, 2, "c");
    assertThat(dup.errorCode()).isZero();
    assertThat(dup.baseOffset()).isEqualTo(2);
    assertThat(Errors.forCode(send(pid, (short) 0, 7, "gap").errorCode())).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(send(pid, (short) 0, 3, "d").baseOffset()).isEqualTo(5);
    long after = initProducerId(null).producerId();
    assertThat(after).isGreaterThan(pid);
  }
}
