package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaPropertiesFormatVersionTest {
  private static final String BROOK_COMMENT = "#Written by Brook when this log directory was first used; do not edit.\n";
  @TempDir Path dir;

  private Path file() {
    return dir.resolve(MetaProperties.FILE_NAME);
  }

  @Test
  void aNewDirectoryRecordsTheCurrentFormatVersion() throws Exception {
    MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid);
    assertThat(Files.readString(file())).contains("brook.format.version=" + MetaProperties.FORMAT_VERSION);
    assertThat(MetaProperties.formatVersion(file())).isEqualTo(2);
  }

  @Test
  void aBrookDirectoryWithoutTheKeyIsVersionOneAndIsStampedOnOpen() throws Exception {
    // As today's main (f73d531 and later) writes it: Kafka's coordinator records, no format version.
    Files.writeString(file(), BROOK_COMMENT + "brook.coordinator.record.format=kafka\ncluster.id=c\nnode.id=1\nversion=1\n");
    assertThat(MetaProperties.formatVersion(file())).isEqualTo(1);
    assertThat(MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid)).isEqualTo(new MetaProperties(1, "c"));
    assertThat(MetaProperties.formatVersion(file())).isEqualTo(MetaProperties.FORMAT_VERSION);
    assertThat(Files.readString(file())).contains("brook.coordinator.record.format=kafka", "cluster.id=c");
  }

  @Test
  void aLegacyBrookDirectoryStaysVersionOneUntilItsRecordsAreMarked() throws Exception {
    Files.writeString(file(), BROOK_COMMENT + "cluster.id=c\nnode.id=1\nversion=1\n");
    MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid);
    assertThat(MetaProperties.formatVersion(file())).isEqualTo(1);
    assertThat(MetaProperties.hasLegacyCoordinatorRecords(dir)).isTrue();
    MetaProperties.markKafkaCoordinatorRecords(dir);
    assertThat(MetaProperties.formatVersion(file())).isEqualTo(MetaProperties.FORMAT_VERSION);
  }

  @Test
  void aKafkaDirectoryIsLeftAsKafkaWroteIt() throws Exception {
    String kafka = "#\n#Mon Dec 07 04:30:00 UTC 2026\nnode.id=1\ndirectory.id=abc\nversion=1\ncluster.id=xyz\n";
    Files.writeString(file(), kafka);
    MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid);
    assertThat(Files.readString(file())).isEqualTo(kafka);
  }

  @Test
  void aNewerFormatRefusesToStartWithOneLineNamingTheFileAndVersions() throws Exception {
    String newer = BROOK_COMMENT + "brook.coordinator.record.format=kafka\nbrook.format.version=3\ncluster.id=c\nnode.id=1\nversion=1\n";
    Files.writeString(file(), newer);
    assertThatThrownBy(() -> MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file().toString())
        .hasMessageContaining("brook.format.version=3")
        .hasMessageContaining("up to 2")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(Files.readString(file())).isEqualTo(newer); // untouched
  }
}
