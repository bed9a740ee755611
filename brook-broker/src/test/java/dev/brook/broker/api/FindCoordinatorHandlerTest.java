package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** FindCoordinator answers the leader of the key's internal-topic partition, for every version. */
class FindCoordinatorHandlerTest {
  static final Node B1 = new Node(1, "h1", 9091);
  static final Node B2 = new Node(2, "h2", 9092);
  static final Node B3 = new Node(3, "h3", 9093);

  final AtomicBoolean offsetsReady = new AtomicBoolean(true);
  /** Leaders: partitions of __consumer_offsets (3 partitions) and __transaction_state (2). */
  final Map<TopicPartition, Node> leaders = new java.util.HashMap<>(Map.of(
      new TopicPartition("__consumer_offsets", 0), B1,
      new TopicPartition("__consumer_offsets", 1), B2,
      new TopicPartition("__transaction_state", 0), B3,
      new TopicPartition("__transaction_state", 1), B1));

  final FindCoordinatorHandler handler = new FindCoordinatorHandler(
      FindCoordinatorHandler.partitionLeader("__consumer_offsets", k -> Utils.abs(k.hashCode()) % 3, offsetsReady::get,
          tp -> Optional.ofNullable(leaders.get(tp))),
      FindCoordinatorHandler.partitionLeader("__transaction_state", k -> Utils.abs(k.hashCode()) % 2, () -> true,
          tp -> Optional.ofNullable(leaders.get(tp))));

  static String keyOn(int partition, int partitions) {
    for (int i = 0; ; i++) {
      if (Utils.abs(("k" + i).hashCode()) % partitions == partition) return "k" + i;
    }
  }

  FindCoordinatorResponseData find(short version, CoordinatorType type, String... keys) {
    FindCoordinatorRequestData req = new FindCoordinatorRequestData().setKeyType(type.id());
    if (version < 4) req.setKey(keys[0]);
    else req.setCoordinatorKeys(List.of(keys));
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FIND_COORDINATOR, version, "test", 1), 1, null, "PLAINTEXT");
    return (FindCoordinatorResponseData) handler.handle(ctx, req).join();
  }

  @Test
  void oldVersionsAnswerTheLeaderOfTheGroupsPartition() {
    for (short v = 0; v <= 3; v++) {
      FindCoordinatorResponseData r = find(v, CoordinatorType.GROUP, keyOn(1, 3));
      assertThat(r.errorCode()).isZero();
      assertThat(r.nodeId()).isEqualTo(2);
      assertThat(r.host()).isEqualTo("h2");
      assertThat(r.port()).isEqualTo(9092);
    }
  }

  @Test
  void batchedKeysAreEachAnsweredByTheirLeader() {
    for (short v = 4; v <= ApiKeys.FIND_COORDINATOR.latestVersion(); v++) {
      FindCoordinatorResponseData r = find(v, CoordinatorType.GROUP, keyOn(0, 3), keyOn(1, 3), keyOn(2, 3), "");
      assertThat(r.coordinators()).extracting(FindCoordinatorResponseData.Coordinator::nodeId).containsExactly(1, 2, -1, -1);
      assertThat(r.coordinators()).extracting(c -> Errors.forCode(c.errorCode()))
          .containsExactly(Errors.NONE, Errors.NONE, Errors.COORDINATOR_NOT_AVAILABLE, Errors.INVALID_REQUEST);
      assertThat(r.coordinators().get(2).host()).isEmpty();
      assertThat(r.coordinators().get(2).port()).isEqualTo(-1);
    }
  }

  @Test
  void transactionKeysUseTheirOwnTopicAndPartitioning() {
    FindCoordinatorResponseData r = find((short) 4, CoordinatorType.TRANSACTION, keyOn(0, 2), keyOn(1, 2));
    assertThat(r.coordinators()).extracting(FindCoordinatorResponseData.Coordinator::nodeId).containsExactly(3, 1);
    assertThat(find((short) 1, CoordinatorType.TRANSACTION, keyOn(0, 2)).nodeId()).isEqualTo(3);
  }

  @Test
  void noTopicYetOrNoLeaderIsCoordinatorNotAvailable() {
    offsetsReady.set(false);
    assertThat(find((short) 3, CoordinatorType.GROUP, keyOn(0, 3)).errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
    offsetsReady.set(true);
    leaders.remove(new TopicPartition("__consumer_offsets", 0));
    FindCoordinatorResponseData r = find((short) 3, CoordinatorType.GROUP, keyOn(0, 3));
    assertThat(r.errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
    assertThat(r.nodeId()).isEqualTo(-1);
    leaders.put(new TopicPartition("__consumer_offsets", 0), B3);
    assertThat(find((short) 3, CoordinatorType.GROUP, keyOn(0, 3)).nodeId()).isEqualTo(3);
  }

  @Test
  void unknownKeyTypesAreInvalid() {
    FindCoordinatorRequestData req = new FindCoordinatorRequestData().setKeyType((byte) 2).setCoordinatorKeys(List.of("x"));
    RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FIND_COORDINATOR, (short) 6, "test", 1), 1, null, "PLAINTEXT");
    FindCoordinatorResponseData r = (FindCoordinatorResponseData) handler.handle(ctx, req).join();
    assertThat(r.coordinators().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
  }
}
