package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class ApiDispatcherTest {
  private static final ApiHandler<ListGroupsRequestData> HANDLER =
      (ctx, r) -> CompletableFuture.completedFuture(new ListGroupsResponseData());

  @Test
  void secondRegistrationOfAKeyIsAWiringError() {
    ApiDispatcher dispatcher = new ApiDispatcher();
    dispatcher.register(ApiKeys.LIST_GROUPS, HANDLER);
    assertThatThrownBy(() -> dispatcher.register(ApiKeys.LIST_GROUPS, HANDLER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("LIST_GROUPS is registered twice");
  }
}
