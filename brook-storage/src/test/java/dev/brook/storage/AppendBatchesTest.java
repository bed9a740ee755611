package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

/** One append's batches: offsets and epoch assigned (leader) or checked (follower), the max timestamp, bad buffers refused. */
class AppendBatchesTest {
  final AppendBatches batches = new AppendBatches(new LogId("t", 0));

  @Test
  void aLeadersBatchesGetConsecutiveOffsetsFromTheLogEndAndItsEpoch() {
    ByteBuffer buf = Batches.concat(
        Batches.batchWithTimestamps(Compression.NONE, 5, 7),
        Batches.batchWithTimestamps(Compression.NONE, 9, 3, 4),
        Batches.batchWithTimestamps(Compression.NONE, 1));
    batches.assignAsLeader(buf, 100, 6);
    assertThat(batches.count()).isEqualTo(3);
    assertThat(batches.first()).isEqualTo(100);
    assertThat(batches.next()).isEqualTo(106);
    assertThat(batches.maxTimestamp()).isEqualTo(9);
    assertThat(batches.offsetOfMaxTimestamp()).isEqualTo(102);
    int second = RecordBatchHeader.sizeInBytes(buf, 0);
    assertThat(RecordBatchHeader.baseOffset(buf, second)).isEqualTo(102);
    assertThat(RecordBatchHeader.partitionLeaderEpoch(buf, second)).isEqualTo(6);
    assertThat(buf.position()).isZero();
  }

  @Test
  void aFollowersBatchesKeepTheirOffsetsWhichMayNotGoBelowTheLogEnd() {
    ByteBuffer a = Batches.batchWithTimestamps(Compression.NONE, 5, 7);
    RecordBatchHeader.setBaseOffset(a, 0, 10);
    ByteBuffer b = Batches.batchWithTimestamps(Compression.NONE, 8);
    RecordBatchHeader.setBaseOffset(b, 0, 15); // a gap (compacted away on the leader) is allowed
    ByteBuffer buf = Batches.concat(a, b);
    batches.checkAsFollower(buf, 10);
    assertThat(batches.count()).isEqualTo(2);
    assertThat(batches.first()).isEqualTo(10);
    assertThat(batches.next()).isEqualTo(16);
    assertThat(batches.maxTimestamp()).isEqualTo(8);
    assertThat(batches.offsetOfMaxTimestamp()).isEqualTo(15);
    assertThatThrownBy(() -> batches.checkAsFollower(buf, 11))
        .isInstanceOf(InvalidBatchException.class).hasMessageContaining("below the expected offset 11");
    ByteBuffer overlapping = Batches.concat(a, a);
    assertThatThrownBy(() -> batches.checkAsFollower(overlapping, 10)).isInstanceOf(InvalidBatchException.class);
  }

  @Test
  void aBufferThatIsNotWholeV2BatchesIsRefused() {
    ByteBuffer one = Batches.batchWithTimestamps(Compression.NONE, 1);
    assertThatThrownBy(() -> batches.assignAsLeader(ByteBuffer.allocate(0), 0, 0)).hasMessageContaining("empty append");
    ByteBuffer cut = Batches.copy(one).limit(one.limit() - 1);
    assertThatThrownBy(() -> batches.assignAsLeader(cut, 0, 0)).hasMessageContaining("does not fit");
    ByteBuffer headerOnly = Batches.concat(one, ByteBuffer.allocate(10));
    assertThatThrownBy(() -> batches.assignAsLeader(headerOnly, 0, 0)).hasMessageContaining("partial batch header");
    ByteBuffer magic1 = Batches.copy(one);
    magic1.put(16, (byte) 1);
    assertThatThrownBy(() -> batches.checkAsFollower(magic1, 0)).hasMessageContaining("unsupported magic 1");
  }
}
