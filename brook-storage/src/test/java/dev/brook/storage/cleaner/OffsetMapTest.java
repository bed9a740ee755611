package dev.brook.storage.cleaner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OffsetMapTest {

  @Test
  void keepsTheLatestOffsetPerKey() {
    OffsetMap map = new OffsetMap(24 * 1000, 0.9);
    for (int i = 0; i < 500; i++) {
      put(map, "key-" + (i % 100), i);
    }
    assertThat(map.size()).isEqualTo(100);
    for (int k = 0; k < 100; k++) {
      assertThat(get(map, "key-" + k)).isEqualTo(400 + k);
    }
    assertThat(get(map, "absent")).isEqualTo(-1);
    assertThat(map.latestOffset()).isEqualTo(499);
  }

  @Test
  void memoryBoundsTheEntriesAndAFullMapRefusesNewKeys() {
    OffsetMap map = new OffsetMap(24 * 10, 0.5);
    assertThat(map.slots()).isEqualTo(10);
    assertThat(map.maxEntries()).isEqualTo(5);
    for (int i = 0; i < 5; i++) {
      put(map, "k" + i, i);
    }
    assertThat(map.isFull()).isTrue();
    put(map, "k1", 99); // an existing key may still move
    assertThat(get(map, "k1")).isEqualTo(99);
    assertThatThrownBy(() -> put(map, "new", 100)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void clearForgetsEverything() {
    OffsetMap map = new OffsetMap(24 * 64, 0.9);
    put(map, "a", 1);
    map.clear();
    assertThat(map.size()).isZero();
    assertThat(get(map, "a")).isEqualTo(-1);
    assertThat(map.latestOffset()).isEqualTo(-1);
  }

  @Test
  void readsKeysFromDirectBuffersAndSubRangesWithoutMovingThem() {
    OffsetMap map = new OffsetMap(24 * 64, 0.9);
    ByteBuffer direct = ByteBuffer.allocateDirect(16);
    direct.put(3, "abc".getBytes(StandardCharsets.UTF_8));
    direct.position(1).limit(9);
    map.put(direct, 3, 3, 42);
    assertThat(direct.position()).isEqualTo(1);
    assertThat(direct.limit()).isEqualTo(9);
    assertThat(get(map, "abc")).isEqualTo(42);
    assertThat(get(map, "ab")).isEqualTo(-1);
  }

  @Test
  void rejectsTooLittleMemory() {
    assertThatThrownBy(() -> new OffsetMap(10, 0.9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OffsetMap(1000, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  private static void put(OffsetMap map, String key, long offset) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    map.put(ByteBuffer.wrap(k), 0, k.length, offset);
  }

  private static long get(OffsetMap map, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return map.get(ByteBuffer.wrap(k), 0, k.length);
  }
}
