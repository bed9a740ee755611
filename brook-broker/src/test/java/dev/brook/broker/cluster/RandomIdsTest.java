package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomIdsTest {
  @Test
  void uuidsAreDistinctVersion4IdsThatKafkaWouldAccept() {
    Set<Uuid> seen = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      Uuid id = RandomIds.uuid();
      assertThat(seen.add(id)).as("id %s repeated", id).isTrue();
      UUID asJava = new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
      assertThat(asJava.version()).isEqualTo(4);
      assertThat(asJava.variant()).isEqualTo(2);
      // one in 64 raw ids starts with '-' in base64: 20,000 draws would meet ~300 of them
      assertThat(id.toString()).doesNotStartWith("-").hasSize(22);
      assertThat(id).isNotEqualTo(Uuid.ZERO_UUID).isNotEqualTo(Uuid.METADATA_TOPIC_ID);
    }
  }

  @Test
  void intsAndBytesAreRandom() {
    Set<Integer> ints = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ints.add(RandomIds.nextInt());
    }
    assertThat(ints).hasSizeGreaterThan(990);
    assertThat(RandomIds.bytes(32)).hasSize(32).isNotEqualTo(new byte[32]);
  }

  @Test
  void withoutTheDeviceTheBytesComeFromSecureRandom(@TempDir Path dir) throws Exception {
    byte[] a = RandomIds.bytes(dir.resolve("no-such-device"), 32);
    byte[] b = RandomIds.bytes(dir.resolve("no-such-device"), 32);
    assertThat(a).hasSize(32).isNotEqualTo(b);
    // a device that ends early (a short file) is not trusted either
    Path shortFile = Files.write(dir.resolve("short"), new byte[] {1, 2, 3});
    assertThat(RandomIds.bytes(shortFile, 32)).hasSize(32).isNotEqualTo(RandomIds.bytes(shortFile, 32));
  }
}
