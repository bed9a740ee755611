package dev.brook.broker.security.oauth;

import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/**
 * A client login callback handler for tests (Kafka's {@code sasl.login.callback.handler.class}) that
 * hands the client the JWT in its JAAS option {@code token}, as is, whatever it holds: the client
 * sends bad tokens (expired, unsigned, foreign) to the broker without judging them itself. The
 * client is told the token lives an hour, so it neither refreshes nor re-authenticates.
 */
public final class StaticTokenLoginHandler implements AuthenticateCallbackHandler {
  private String token;

  @Override
  public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    for (AppConfigurationEntry e : jaasConfigEntries) {
      Object t = e.getOptions().get("token");
      if (t != null) token = (String) t;
    }
    if (token == null) throw new IllegalArgumentException("JAAS option token=\"<jwt>\" is required");
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback c : callbacks) {
      if (c instanceof OAuthBearerTokenCallback tc) {
        long now = System.currentTimeMillis();
        String value = token;
        tc.token(new OAuthBearerToken() {
          @Override
          public String value() {
            return value;
          }

          @Override
          public Set<String> scope() {
            return Set.of();
          }

          @Override
          public long lifetimeMs() {
            return now + 3_600_000;
          }

          @Override
          public String principalName() {
            return "static";
          }

          @Override
          public Long startTimeMs() {
            return now;
          }
        });
      } else if (!(c instanceof SaslExtensionsCallback)) {
        throw new UnsupportedCallbackException(c);
      }
    }
  }

  @Override
  public void close() {}
}
