package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class CommitWorkloadTest {
  @Test
  void threadsShareThePartitionsWithoutOverlap() {
    assertThat(CommitWorkload.share(16, 8, 3)).containsExactly(3, 11);
    assertThat(CommitWorkload.share(5, 2, 0)).containsExactly(0, 2, 4);
    assertThat(CommitWorkload.share(5, 2, 1)).containsExactly(1, 3);
  }

  @Test
  void aPartitionErrorFailsTheRun() {
    OffsetCommitResponseData r = new OffsetCommitResponseData().setTopics(List.of(new OffsetCommitResponseTopic()
        .setName("t").setPartitions(List.of(new OffsetCommitResponsePartition().setPartitionIndex(0),
            new OffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode(Errors.NOT_COORDINATOR.code())))));
    assertThatThrownBy(() -> CommitWorkload.checkCommitted(r)).hasMessageContaining("t-1").hasMessageContaining("NOT_COORDINATOR");
  }
}
