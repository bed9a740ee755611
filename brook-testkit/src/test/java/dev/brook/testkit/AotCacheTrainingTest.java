package dev.brook.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** The training run itself (without {@code -XX:AOTCacheOutput} it is only a start, a Metadata answer and a stop). */
class AotCacheTrainingTest {
  @Test
  void startsABrokerWithATopicGetsAMetadataAnswerAndStops() {
    assertThatCode(() -> AotCacheTraining.main(new String[0])).doesNotThrowAnyException();
  }
}
