package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochFileCacheTest {
  @TempDir Path dir;

  @Test
  void endOffsetForEpochFollowsKafkaRules() {
    LeaderEpochFileCache c = new LeaderEpochFileCache(dir);
    assertThat(c.endOffsetFor(0, 10)).isEqualTo(EpochEndOffset.UNDEFINED);
    c.assign(2, 10);
    c.assign(4, 30);
    c.assign(5, 50);
    assertThat(c.endOffsetFor(5, 77)).isEqualTo(new EpochEndOffset(5, 77));
    assertThat(c.endOffsetFor(4, 77)).isEqualTo(new EpochEndOffset(4, 50));
    assertThat(c.endOffsetFor(3, 77)).isEqualTo(new EpochEndOffset(2, 30));
    assertThat(c.endOffsetFor(1, 77)).isEqualTo(new EpochEndOffset(1, 10));
    assertThat(c.endOffsetFor(6, 77)).isEqualTo(EpochEndOffset.UNDEFINED);
    assertThat(c.endOffsetFor(-1, 77)).isEqualTo(EpochEndOffset.UNDEFINED);
  }

  @Test
  void ignoresOlderEpochsAndPersistsAcrossReload() throws Exception {
    LeaderEpochFileCache c = new LeaderEpochFileCache(dir);
    c.assign(1, 0);
    c.assign(1, 5);
    c.assign(0, 7);
    c.assign(3, 9);
    assertThat(c.entries()).containsExactly(java.util.Map.entry(1, 0L), java.util.Map.entry(3, 9L));
    assertThat(Files.readAllLines(dir.resolve(LeaderEpochFileCache.FILE_NAME))).containsExactly("0", "2", "1 0", "3 9");
    assertThat(new LeaderEpochFileCache(dir).entries()).isEqualTo(c.entries());
    assertThat(new LeaderEpochFileCache(dir).latestEpoch()).hasValue(3);
  }

  @Test
  void truncationFromEndAndStart() {
    LeaderEpochFileCache c = new LeaderEpochFileCache(dir);
    c.assign(1, 0);
    c.assign(2, 10);
    c.assign(3, 20);
    c.truncateFromEnd(20);
    assertThat(c.latestEpoch()).hasValue(2);
    c.truncateFromStart(15);
    assertThat(c.entries()).containsExactly(java.util.Map.entry(2, 15L));
    c.assign(5, 12);
    assertThat(c.entries()).containsExactly(java.util.Map.entry(5, 12L));
    c.clear();
    assertThat(c.latestEpoch()).isEmpty();
  }

  @Test
  void malformedCheckpointIsIgnored() throws Exception {
    Files.writeString(dir.resolve(LeaderEpochFileCache.FILE_NAME), "0\n2\n1 x\n");
    assertThat(new LeaderEpochFileCache(dir).latestEpoch()).isEmpty();
  }
}
