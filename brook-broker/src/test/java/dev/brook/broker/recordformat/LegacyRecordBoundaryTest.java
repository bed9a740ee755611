package dev.brook.broker.recordformat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.cluster.MetaProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegacyRecordBoundaryTest {
  @TempDir Path dir;

  @Test
  void aNewBrookDirectoryIsNeverLegacy() throws Exception {
    MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid);
    assertThat(Files.readString(dir.resolve(MetaProperties.FILE_NAME))).contains(MetaProperties.RECORD_FORMAT_KEY + "=kafka");
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir)).isFalse();
    Files.createDirectories(dir.resolve("__consumer_offsets-0"));
    LegacyRecordBoundary.markOnUpgrade(dir, List.of());
    assertThat(LegacyRecordBoundary.of(dir.resolve("__consumer_offsets-0"))).isZero();
  }

  @Test
  void aKafkaLogDirectoryIsNeverLegacy() throws Exception {
    Files.writeString(dir.resolve(MetaProperties.FILE_NAME),
        "#\n#Mon Dec 07 04:30:00 UTC 2026\nnode.id=1\ndirectory.id=abc\nversion=1\ncluster.id=xyz\n");
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir)).isFalse();
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir.resolve("missing"))).isFalse();
  }

  @Test
  void anOlderBrookDirectoryIsLegacyUntilMarked() throws Exception {
    Files.writeString(dir.resolve(MetaProperties.FILE_NAME),
        "#Written by Brook when this log directory was first used; do not edit.\ncluster.id=c\nnode.id=1\nversion=1\n");
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir)).isTrue();
    LegacyRecordBoundary.markOnUpgrade(dir, List.of());
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir)).isFalse();
    assertThat(MetaProperties.loadOrCreate(dir, 1, "c", Uuid::randomUuid)).isEqualTo(new MetaProperties(1, "c"));
  }
}
