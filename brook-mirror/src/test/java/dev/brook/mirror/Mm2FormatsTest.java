package dev.brook.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.Heartbeat;
import org.junit.jupiter.api.Test;

/** What brook mirror writes, read by MirrorMaker 2's own classes (connect-mirror-client 4.1.1). */
class Mm2FormatsTest {
  @Test
  void mm2ReadsOurCheckpoints() {
    Mm2Formats.Checkpoint ours = new Mm2Formats.Checkpoint("billing", new TopicPartition("A.orders", 3), 1234, 987, "meta-ü");
    Checkpoint theirs = Checkpoint.deserializeRecord(new ConsumerRecord<>("A.checkpoints.internal", 0, 0, ours.key(), ours.value()));
    assertThat(theirs.consumerGroupId()).isEqualTo("billing");
    assertThat(theirs.topicPartition()).isEqualTo(new TopicPartition("A.orders", 3));
    assertThat(theirs.upstreamOffset()).isEqualTo(1234);
    assertThat(theirs.downstreamOffset()).isEqualTo(987);
    assertThat(theirs.metadata()).isEqualTo("meta-ü");
    assertThat(Mm2Formats.Checkpoint.read(ours.key(), ours.value())).isEqualTo(ours);
  }

  @Test
  void checkpointWithoutMetadataHasAnEmptyString() {
    Mm2Formats.Checkpoint ours = new Mm2Formats.Checkpoint("g", new TopicPartition("t", 0), 1, 2, null);
    assertThat(Checkpoint.deserializeRecord(new ConsumerRecord<>("x", 0, 0, ours.key(), ours.value())).metadata()).isEmpty();
  }

  @Test
  void offsetSyncLayoutIsMm2s() {
    Mm2Formats.OffsetSync s = new Mm2Formats.OffsetSync(new TopicPartition("orders", 2), 100, 42);
    // MM2's OffsetSync (connect-mirror): key = topic STRING, partition INT32; value = two INT64.
    assertThat(s.key()).containsExactly(0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0, 0, 0, 2);
    assertThat(s.value()).containsExactly(0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 42);
    assertThat(Mm2Formats.OffsetSync.read(s.key(), s.value())).isEqualTo(s);
  }

  @Test
  void mm2ReadsOurHeartbeats() {
    Mm2Formats.Heartbeat ours = new Mm2Formats.Heartbeat("east-1", "wést", 1_765_000_000_123L);
    Heartbeat theirs = Heartbeat.deserializeRecord(new ConsumerRecord<>("heartbeats", 0, 0, ours.key(), ours.value()));
    assertThat(theirs.sourceClusterAlias()).isEqualTo("east-1");
    assertThat(theirs.targetClusterAlias()).isEqualTo("wést");
    assertThat(theirs.timestamp()).isEqualTo(1_765_000_000_123L);
    assertThat(Mm2Formats.Heartbeat.read(ours.key(), ours.value())).isEqualTo(ours);
  }
}
