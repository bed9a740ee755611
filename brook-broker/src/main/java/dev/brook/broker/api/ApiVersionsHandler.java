package dev.brook.broker.api;

import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: exactly the APIs and versions the dispatcher has handlers for. No feature levels are
 * finalized, so clients use the behaviour that needs none (for example transactions v1).
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {
  /** KIP-511: client software name and version, when sent, must look like this. */
  private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

  private final ApiDispatcher dispatcher;

  public ApiVersionsHandler(ApiDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiVersionsRequestData request) {
    ApiVersionsResponseData response = new ApiVersionsResponseData().setApiKeys(dispatcher.supportedApis());
    if (ctx.apiVersion() >= 3
        && !(SOFTWARE.matcher(request.clientSoftwareName()).matches()
            && SOFTWARE.matcher(request.clientSoftwareVersion()).matches())) {
      response.setErrorCode(Errors.INVALID_REQUEST.code());
    }
    return CompletableFuture.completedFuture(response);
  }
}
