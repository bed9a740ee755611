package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.txn.MarkerWriter;
import dev.brook.broker.txn.MemoryTxnLog;
import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TxnCoordinatorConfig;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.GroupCoordinatorConfig;
import dev.brook.broker.group.GroupScheduler;
import dev.brook.broker.group.MemoryGroupLog;
import dev.brook.storage.Clock;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every version the pinned client library defines (EndTxn up to v4) for the transaction APIs:
 * requests parse from the wire, responses serialize at that version and parse back, and the
 * transaction goes Empty → Ongoing → CompleteCommit at each version.
 */
class TxnApisVersionsTest {
  static final TopicPartition TP = new TopicPartition("t", 0);
  private final ApiDispatcher dispatcher = new ApiDispatcher();
  private TransactionCoordinator coordinator;
  private final MemoryGroupLog groupLog = new MemoryGroupLog();

  @BeforeEach
  void start() throws Exception {
    MarkerWriter markers = (pid, epoch, coordinatorEpoch, commit, partitions, stillNeeded) -> {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) out.put(tp, Errors.NONE);
      return CompletableFuture.completedFuture(out);
    };
    long[] nextPid = {1000};
    GroupCoordinator groups = new GroupCoordinator(
        new GroupCoordinatorConfig(1, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 100, 4096),
        new GroupScheduler() {
          @Override
          public void execute(Runnable task) {
            task.run();
          }

          @Override
          public Cancellable schedule(long delayMs, Runnable task) {
            return Cancellable.NONE;
          }
        },
        groupLog, Clock.SYSTEM);
    groups.startup(Runnable::run);
    coordinator = new TransactionCoordinator(new TxnCoordinatorConfig(3, 1 << 20, 60_000, 1000, 3_600_000),
        new MemoryTxnLog(), markers, () -> nextPid[0]++, groups::partitionFor, tp -> true, Clock.SYSTEM, Runnable::run, Runnable::run);
    coordinator.load();
    dispatcher.register(ApiKeys.INIT_PRODUCER_ID, new TxnInitProducerIdHandler(coordinator,
        (ctx, r) -> CompletableFuture.completedFuture(new InitProducerIdResponseData())));
    dispatcher.register(ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnHandler(coordinator));
    dispatcher.register(ApiKeys.ADD_OFFSETS_TO_TXN, new AddOffsetsToTxnHandler(coordinator));
    dispatcher.register(ApiKeys.END_TXN, ApiKeys.END_TXN.oldestVersion(), (short) 4, new EndTxnHandler(coordinator));
    dispatcher.register(ApiKeys.TXN_OFFSET_COMMIT, new TxnOffsetCommitHandler(groups, coordinator::verifyPartition, Clock.SYSTEM, 4096));
    dispatcher.register(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersHandler(markers));
    dispatcher.register(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsHandler(coordinator));
    dispatcher.register(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsHandler(coordinator, Clock.SYSTEM));
  }

  private ApiMessage call(ApiKeys key, short version, ApiMessage request) throws Exception {
    assertThat(dispatcher.supports(key, version)).as("%s v%d registered", key, version).isTrue();
    RequestContext ctx = new RequestContext(new RequestHeader(key, version, "test", 7), 1,
        new InetSocketAddress("127.0.0.1", 1), "PLAINTEXT");
    org.apache.kafka.common.requests.AbstractRequest parsed =
        org.apache.kafka.common.requests.AbstractRequest.parseRequest(key, version, wire(request, version)).request;
    ApiMessage response = dispatcher.dispatch(ctx, parsed).get();
    AbstractResponse back = AbstractResponse.parseResponse(key, wire(response, version), version);
    assertThat(back.data()).isNotNull();
    return response;
  }

  private static ByteBufferAccessor wire(ApiMessage m, short version) {
    ByteBuffer b = MessageUtil.toByteBufferAccessor(m, version).buffer();
    if (b.position() > 0) b.flip();
    return new ByteBufferAccessor(b);
  }

  private static short max(ApiKeys key) {
    return key == ApiKeys.END_TXN ? 4 : key.latestVersion();
  }

  @Test
  void aWholeTransactionAtEveryVersion() throws Exception {
    for (short v = ApiKeys.INIT_PRODUCER_ID.oldestVersion(); v <= max(ApiKeys.INIT_PRODUCER_ID); v++) {
      String id = "tx-" + v;
      InitProducerIdResponseData init = (InitProducerIdResponseData) call(ApiKeys.INIT_PRODUCER_ID, v,
          new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(10_000));
      assertThat(Errors.forCode(init.errorCode())).isEqualTo(Errors.NONE);
      long pid = init.producerId();
      short epoch = init.producerEpoch();
      short addVersion = (short) Math.min(v, 3);
      AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
      topics.add(new AddPartitionsToTxnTopic().setName("t").setPartitions(List.of(0)));
      AddPartitionsToTxnResponseData added = (AddPartitionsToTxnResponseData) call(ApiKeys.ADD_PARTITIONS_TO_TXN, addVersion,
          new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(pid)
              .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics));
      assertThat(added.resultsByTopicV3AndBelow().find("t").resultsByPartition().find(0).partitionErrorCode()).isZero();
      AddOffsetsToTxnResponseData offsets = (AddOffsetsToTxnResponseData) call(ApiKeys.ADD_OFFSETS_TO_TXN,
          (short) Math.min(v, ApiKeys.ADD_OFFSETS_TO_TXN.latestVersion()),
          new AddOffsetsToTxnRequestData().setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch).setGroupId("g"));
      assertThat(offsets.errorCode()).isZero();
      TxnOffsetCommitResponseData committed = (TxnOffsetCommitResponseData) call(ApiKeys.TXN_OFFSET_COMMIT,
          (short) Math.min(v, ApiKeys.TXN_OFFSET_COMMIT.latestVersion()),
          new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId("g").setProducerId(pid).setProducerEpoch(epoch)
              .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("in").setPartitions(
                  List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3))))));
      assertThat(committed.topics().get(0).partitions().get(0).errorCode()).isZero();
      EndTxnResponseData end = (EndTxnResponseData) call(ApiKeys.END_TXN, (short) Math.min(v, 4),
          new EndTxnRequestData().setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch).setCommitted(true));
      assertThat(end.errorCode()).isZero();
      // A stale epoch is fenced: PRODUCER_FENCED from v2 on, INVALID_PRODUCER_EPOCH before.
      EndTxnResponseData stale = (EndTxnResponseData) call(ApiKeys.END_TXN, (short) Math.min(v, 4),
          new EndTxnRequestData().setTransactionalId(id).setProducerId(pid).setProducerEpoch((short) (epoch - 1)).setCommitted(true));
      assertThat(Errors.forCode(stale.errorCode()))
          .isIn(Errors.PRODUCER_FENCED, Errors.INVALID_PRODUCER_EPOCH);
    }
  }

  @Test
  void offsetsOutsideTheTransactionAreRefusedAndNeverWritten() throws Exception {
    InitProducerIdResponseData init = (InitProducerIdResponseData) call(ApiKeys.INIT_PRODUCER_ID, (short) 4,
        new InitProducerIdRequestData().setTransactionalId("o").setTransactionTimeoutMs(10_000));
    long pid = init.producerId();
    short epoch = init.producerEpoch();
    for (short v = ApiKeys.TXN_OFFSET_COMMIT.oldestVersion(); v <= ApiKeys.TXN_OFFSET_COMMIT.latestVersion(); v++) {
      // No AddOffsetsToTxn: the group's partition is not in any transaction of this producer.
      assertThat(txnOffsetCommit(v, "o", pid, epoch)).isEqualTo(Errors.INVALID_TXN_STATE);
      // An unknown producer id for the transactional id.
      assertThat(txnOffsetCommit(v, "o", pid + 1, epoch)).isEqualTo(Errors.INVALID_TXN_STATE);
      // An epoch older than the coordinator's: fenced (INVALID_PRODUCER_EPOCH before v3).
      assertThat(txnOffsetCommit(v, "o", pid, (short) (epoch - 1)))
          .isEqualTo(v >= 3 ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH);
    }
    // Nothing reached __consumer_offsets: no transactional batch without a marker to come.
    assertThat(groupLog.size(0)).isZero();
  }

  private Errors txnOffsetCommit(short version, String id, long pid, short epoch) throws Exception {
    TxnOffsetCommitResponseData r = (TxnOffsetCommitResponseData) call(ApiKeys.TXN_OFFSET_COMMIT, version,
        new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId("g").setProducerId(pid).setProducerEpoch(epoch)
            .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("in").setPartitions(
                List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3))))));
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  @Test
  void batchedAddPartitionsDescribeListAndWriteMarkersAtEveryVersion() throws Exception {
    InitProducerIdResponseData init = (InitProducerIdResponseData) call(ApiKeys.INIT_PRODUCER_ID, (short) 4,
        new InitProducerIdRequestData().setTransactionalId("b").setTransactionTimeoutMs(10_000));
    for (short v = 4; v <= ApiKeys.ADD_PARTITIONS_TO_TXN.latestVersion(); v++) {
      AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
      topics.add(new AddPartitionsToTxnTopic().setName("t").setPartitions(List.of(0)));
      AddPartitionsToTxnTransactionCollection txns = new AddPartitionsToTxnTransactionCollection();
      txns.add(new AddPartitionsToTxnTransaction().setTransactionalId("b").setProducerId(init.producerId())
          .setProducerEpoch(init.producerEpoch()).setVerifyOnly(v % 2 == 1).setTopics(topics));
      AddPartitionsToTxnResponseData r = (AddPartitionsToTxnResponseData) call(ApiKeys.ADD_PARTITIONS_TO_TXN, v,
          new AddPartitionsToTxnRequestData().setTransactions(txns));
      assertThat(r.resultsByTransaction().find("b").topicResults().find("t").resultsByPartition().find(0).partitionErrorCode())
          .isZero();
    }
    for (short v = ApiKeys.DESCRIBE_TRANSACTIONS.oldestVersion(); v <= ApiKeys.DESCRIBE_TRANSACTIONS.latestVersion(); v++) {
      DescribeTransactionsResponseData d = (DescribeTransactionsResponseData) call(ApiKeys.DESCRIBE_TRANSACTIONS, v,
          new DescribeTransactionsRequestData().setTransactionalIds(List.of("b", "nope")));
      assertThat(d.transactionStates().get(0).transactionState()).isEqualTo("Ongoing");
      assertThat(Errors.forCode(d.transactionStates().get(1).errorCode())).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
    }
    for (short v = ApiKeys.LIST_TRANSACTIONS.oldestVersion(); v <= ApiKeys.LIST_TRANSACTIONS.latestVersion(); v++) {
      ListTransactionsResponseData l = (ListTransactionsResponseData) call(ApiKeys.LIST_TRANSACTIONS, v,
          new ListTransactionsRequestData().setStateFilters(List.of("Ongoing", "Bogus")));
      assertThat(l.transactionStates()).extracting(ListTransactionsResponseData.TransactionState::transactionalId).containsExactly("b");
      assertThat(l.unknownStateFilters()).containsExactly("Bogus");
    }
    for (short v = ApiKeys.WRITE_TXN_MARKERS.oldestVersion(); v <= ApiKeys.WRITE_TXN_MARKERS.latestVersion(); v++) {
      WriteTxnMarkersResponseData w = (WriteTxnMarkersResponseData) call(ApiKeys.WRITE_TXN_MARKERS, v,
          new WriteTxnMarkersRequestData().setMarkers(List.of(new WritableTxnMarker().setProducerId(init.producerId())
              .setProducerEpoch(init.producerEpoch()).setTransactionResult(false).setCoordinatorEpoch(0)
              .setTopics(List.of(new WritableTxnMarkerTopic().setName("t").setPartitionIndexes(List.of(0)))))));
      assertThat(w.markers().get(0).topics().get(0).partitions().get(0).errorCode()).isZero();
    }
  }
}
