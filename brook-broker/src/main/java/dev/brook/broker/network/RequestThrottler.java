package dev.brook.broker.network;

import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.quota.QuotaType;
import dev.brook.broker.security.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.BaseRecords;

/**
 * Applies client quotas to a request once it is answered: produce bytes, fetch bytes (of consumers;
 * replicas are not metered) and request-handling time are recorded against the client's quotas; the
 * longest wait any of them asks for goes into the response's {@code throttle_time_ms}, and the
 * connection stops reading for that long (KIP-219: the client backs off too, the broker does not
 * delay the response).
 */
final class RequestThrottler {
  private final ClientQuotas quotas;

  RequestThrottler(ClientQuotas quotas) {
    this.quotas = quotas;
  }

  boolean enabled() {
    return quotas.enabled();
  }

  /**
   * Records the request and returns the throttle in ms (0: none).
   *
   * @param requestBytes the request's frame size
   * @param handlerNanos time spent serving it on the connection's thread
   */
  long record(Session session, String clientId, ApiKeys key, boolean replicaFetch, int requestBytes,
      ApiMessage response, long handlerNanos) {
    String user = session.principal().getName();
    String client = clientId == null ? "" : clientId;
    long throttle = 0;
    if (key == ApiKeys.PRODUCE) {
      throttle = quotas.record(QuotaType.PRODUCE, user, client, requestBytes);
    } else if (key == ApiKeys.FETCH && !replicaFetch && response instanceof FetchResponseData fetch) {
      throttle = quotas.record(QuotaType.FETCH, user, client, recordBytes(fetch));
    }
    if (!replicaFetch) {
      // request_percentage: percent of one thread's time per second.
      throttle = Math.max(throttle, quotas.record(QuotaType.REQUEST, user, client, handlerNanos / 1e7));
    }
    return throttle;
  }

  private static long recordBytes(FetchResponseData fetch) {
    long bytes = 0;
    for (var topic : fetch.responses()) {
      for (var p : topic.partitions()) {
        if (p.records() instanceof BaseRecords r) bytes += r.sizeInBytes();
      }
    }
    return bytes;
  }

  /** Sets {@code throttle_time_ms} on any response that has it (every generated response but a few). */
  static void setThrottle(ApiMessage response, int ms) {
    MethodHandle setter = SETTERS.get(response.getClass());
    try {
      setter.invoke(response, ms);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot set throttle_time_ms on " + response.getClass().getSimpleName(), e);
    }
  }

  private static final ClassValue<MethodHandle> SETTERS = new ClassValue<>() {
    @Override
    protected MethodHandle computeValue(Class<?> type) {
      try {
        return MethodHandles.publicLookup()
            .findVirtual(type, "setThrottleTimeMs", MethodType.methodType(type, int.class))
            .asType(MethodType.methodType(void.class, ApiMessage.class, int.class));
      } catch (NoSuchMethodException | IllegalAccessException e) {
        return MethodHandles.empty(MethodType.methodType(void.class, ApiMessage.class, int.class));
      }
    }
  };
}
