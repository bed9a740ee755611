package dev.brook.storage.cleaner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.LogId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanerCheckpointTest {
  @TempDir Path dir;

  @Test
  void roundTripsInKafkasTextFormat() throws Exception {
    CleanerCheckpoint cp = new CleanerCheckpoint(dir);
    assertThat(cp.read()).isEmpty();
    cp.write(Map.of(new LogId("my-topic", 3), 1234L, new LogId("a", 0), 7L));
    assertThat(Files.readString(cp.file())).isEqualTo("0\n2\na 0 7\nmy-topic 3 1234\n");
    assertThat(new CleanerCheckpoint(dir).read())
        .containsEntry(new LogId("my-topic", 3), 1234L)
        .containsEntry(new LogId("a", 0), 7L);
    cp.update(new LogId("a", 0), 9L);
    cp.remove(new LogId("my-topic", 3));
    assertThat(cp.read()).containsOnly(Map.entry(new LogId("a", 0), 9L));
  }

  @Test
  void malformedFileIsIgnoredNotFatal() throws Exception {
    CleanerCheckpoint cp = new CleanerCheckpoint(dir);
    Files.writeString(cp.file(), "0\n3\nt 0 5\n");
    assertThat(cp.read()).isEmpty();
    Files.writeString(cp.file(), "garbage");
    assertThat(cp.read()).isEmpty();
  }

  @Test
  void kafkasEmptyFileReadsAsNothingCleanedYet() throws Exception {
    CleanerCheckpoint cp = new CleanerCheckpoint(dir);
    Files.writeString(cp.file(), ""); // what Kafka 4.1 leaves before its first clean
    assertThat(cp.read()).isEmpty();
    cp.update(new LogId("t", 0), 3L);
    assertThat(new CleanerCheckpoint(dir).read()).containsOnly(Map.entry(new LogId("t", 0), 3L));
  }
}
