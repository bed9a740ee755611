package dev.brook.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * SASL/PLAIN (RFC 4616): one message {@code [authzid] NUL authcid NUL passwd}, checked against the
 * listener's JAAS {@code user_<name>="<password>"} options. The comparison is constant-time and the
 * same for an unknown user as for a wrong password. An authorization id other than the user is
 * refused, as Kafka does.
 */
final class PlainServer implements SaslMechanismServer {
  private static final byte[] NO_PASSWORD = new byte[32];
  private final Map<String, String> passwords;
  private String user;

  PlainServer(Map<String, String> passwords) {
    this.passwords = passwords;
  }

  @Override
  public byte[] evaluate(byte[] response) {
    String message = new String(response, StandardCharsets.UTF_8);
    int first = message.indexOf('\0');
    int second = first < 0 ? -1 : message.indexOf('\0', first + 1);
    if (second < 0 || message.indexOf('\0', second + 1) >= 0) {
      throw new SaslAuthenticationException("Invalid SASL/PLAIN response: expected 3 tokens");
    }
    String authzid = message.substring(0, first);
    String authcid = message.substring(first + 1, second);
    byte[] password = message.substring(second + 1).getBytes(StandardCharsets.UTF_8);
    if (authcid.isEmpty()) throw new SaslAuthenticationException("Authentication failed: username not specified");
    String expected = passwords.get(authcid);
    byte[] expectedBytes = expected == null ? NO_PASSWORD : expected.getBytes(StandardCharsets.UTF_8);
    boolean ok = MessageDigest.isEqual(expectedBytes, password) & expected != null;
    if (!ok) throw new SaslAuthenticationException("Authentication failed: Invalid username or password");
    if (!authzid.isEmpty() && !authzid.equals(authcid)) {
      throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
    }
    user = authcid;
    return new byte[0];
  }

  @Override
  public boolean isComplete() {
    return user != null;
  }

  @Override
  public String authorizationId() {
    return user;
  }
}
