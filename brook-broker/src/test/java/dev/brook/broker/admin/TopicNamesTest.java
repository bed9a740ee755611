package dev.brook.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicNamesTest {
  @Test
  void legalNamesUseAlphanumericsDotUnderscoreDash() {
    assertThat(TopicNames.isValid("orders")).isTrue();
    assertThat(TopicNames.isValid("Orders.v2_eu-west-1")).isTrue();
    assertThat(TopicNames.isValid("__consumer_offsets")).isTrue();
    assertThat(TopicNames.isValid("a".repeat(249))).isTrue();
  }

  @Test
  void illegalNamesAreRejectedWithKafkasReasons() {
    assertThat(TopicNames.invalidReason("")).hasValueSatisfying(r -> assertThat(r).contains("empty"));
    assertThat(TopicNames.invalidReason(".")).isPresent();
    assertThat(TopicNames.invalidReason("..")).isPresent();
    assertThat(TopicNames.invalidReason("a".repeat(250))).hasValueSatisfying(r -> assertThat(r).contains("249"));
    assertThat(TopicNames.invalidReason("with space")).hasValueSatisfying(r -> assertThat(r).contains("illegal"));
    assertThat(TopicNames.invalidReason("slash/topic")).isPresent();
    assertThat(TopicNames.invalidReason("ümlaut")).isPresent();
    assertThat(TopicNames.invalidReason("colon:x")).isPresent();
    assertThat(TopicNames.invalidReason(null)).isPresent();
  }

  @Test
  void dotAndUnderscoreCollide() {
    assertThat(TopicNames.collisionKey("a.b")).isEqualTo(TopicNames.collisionKey("a_b"));
    assertThat(TopicNames.collisionKey("a.b")).isNotEqualTo(TopicNames.collisionKey("a-b"));
    assertThat(TopicNames.hasCollisionChars("ab")).isFalse();
    assertThat(TopicNames.hasCollisionChars("a.b")).isTrue();
  }

  @Test
  void internalTopics() {
    assertThat(TopicNames.isInternal("__consumer_offsets")).isTrue();
    assertThat(TopicNames.isInternal("__transaction_state")).isTrue();
    assertThat(TopicNames.isInternal("__other")).isFalse();
  }
}
