package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.brook.testkit.BrookTestBroker;
import org.junit.jupiter.api.Test;

/**
 * The AOT training workload runs cleanly against a real broker: if a broker change made it fail,
 * {@code bin/brook} would fall back to starting without the cache, and only this test would say so.
 */
class AotTrainingIT {
  @Test
  void trainingWorkloadSucceedsAgainstABroker() {
    try (BrookTestBroker brook = BrookTestBroker.start()) {
      // The workload checks every answer itself: a fetch error, or a high watermark other than the
      // records it produced, throws.
      assertThatCode(() -> AotTraining.run(brook.broker().listener())).doesNotThrowAnyException();
    }
  }

  @Test
  void trainingRunsOnlyWhenAsked() {
    assertThat(AotTraining.requested()).isFalse();
  }
}
