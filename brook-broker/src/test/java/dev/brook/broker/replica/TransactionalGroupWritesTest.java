package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupRecord;
import dev.brook.broker.group.ReplicaGroupLog;
import dev.brook.broker.txn.LocalMarkerWriter;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log side of transactional offset commits: the group coordinator's transactional batch is
 * fenced by producer epoch only, a marker appended as leader is told to the topic's marker listener,
 * and reading the partition back gives the transactional offsets and the markers in log order.
 */
class TransactionalGroupWritesTest {
  static final TopicPartition TP = new TopicPartition(ReplicaGroupLog.TOPIC, 0);

  record Seen(TopicPartition partition, long producerId, boolean commit, long offset) {}

  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  ReplicaGroupLog groupLog;
  LocalMarkerWriter markers;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
    replicas.setMarkerListener(ReplicaGroupLog.TOPIC, (tp, pid, commit, offset) -> seen.add(new Seen(tp, pid, commit, offset)));
    replicas.createPartition(TP, Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    groupLog = new ReplicaGroupLog(replicas, Clock.SYSTEM);
    markers = new LocalMarkerWriter(replicas, Clock.SYSTEM, 5_000);
  }

  @AfterEach
  void close() throws Exception {
    replicas.close();
    logs.close();
  }

  static List<GroupRecord> offset(long offset) {
    return List.of(new GroupRecord.OffsetRecord("g", new TopicPartition("t", 0), new CommittedOffset(offset, -1, "", 1L, -1)));
  }

  @Test
  void transactionalOffsetsAndMarkersReadBackInLogOrder() throws Exception {
    groupLog.appendTransactional(0, 10, (short) 0, offset(1)).join();
    groupLog.appendTransactional(0, 10, (short) 0, offset(2)).join(); // same sequence again: not a duplicate
    groupLog.append(0, offset(3)).join();
    assertThat(markers.write(10, (short) 0, 4, true, List.of(TP), () -> true).join()).containsEntry(TP, Errors.NONE);

    List<GroupRecord> read = groupLog.read(0);
    assertThat(read).hasSize(4);
    assertThat(read.get(0)).isInstanceOfSatisfying(GroupRecord.TransactionalOffsetRecord.class,
        r -> assertThat(r.producerId()).isEqualTo(10));
    assertThat(read.get(1)).isInstanceOf(GroupRecord.TransactionalOffsetRecord.class);
    assertThat(read.get(2)).isInstanceOf(GroupRecord.OffsetRecord.class);
    assertThat(read.get(3)).isEqualTo(new GroupRecord.TxnMarker(10, true, 3));
    assertThat(seen).containsExactly(new Seen(TP, 10, true, 3));
  }

  @Test
  void anOlderProducerEpochIsFenced() throws Exception {
    groupLog.appendTransactional(0, 10, (short) 1, offset(1)).join();
    assertThat(markers.write(10, (short) 1, 0, false, List.of(TP), () -> true).join()).containsEntry(TP, Errors.NONE);
    assertThatThrownBy(() -> groupLog.appendTransactional(0, 10, (short) 0, offset(2)).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(InvalidProducerEpochException.class);
    assertThat(seen).containsExactly(new Seen(TP, 10, false, 1));
    assertThat(groupLog.read(0)).hasSize(2);
  }
}
