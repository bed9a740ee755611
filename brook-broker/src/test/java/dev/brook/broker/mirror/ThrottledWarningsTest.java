package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledWarningsTest {
  private final AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(30)); // wraps mid-test
  private final ThrottledWarnings warnings = new ThrottledWarnings(LoggerFactory.getLogger(ThrottledWarningsTest.class), nanos::get);

  @Test
  void aKeyIsWarnedOfOnceAMinute() {
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isTrue();
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isFalse();
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isTrue();
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isFalse();
  }

  @Test
  void keysAreThrottledApart() {
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isTrue();
    assertThat(warnings.warn("metadata:west", "link {} down", "west")).isTrue();
    assertThat(warnings.warn("metadata:east", "link {} down", "east")).isFalse();
  }
}
