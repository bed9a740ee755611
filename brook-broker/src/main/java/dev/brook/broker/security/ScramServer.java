package dev.brook.broker.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The server side of SCRAM (RFC 5802, SHA-256/512 per RFC 7677) without channel binding, as Kafka
 * serves it: client-first ({@code n,,n=<user>,r=<nonce>}), server-first ({@code r=<nonce+ours>,
 * s=<salt>,i=<iterations>}), client-final ({@code c=biws,r=…,p=<proof>}), server-final ({@code
 * v=<signature>}). The proof is checked as H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey,
 * compared in constant time; the server never derives a key from a password. An unknown user gets a
 * made-up salt and fails at the proof, like a wrong password, so the exchange does not reveal which
 * users exist. Kafka's delegation-token extension ({@code tokenauth}) is refused. As Kafka's
 * SaslServerAuthenticator, a failed exchange tells the client only "invalid credentials with SASL
 * mechanism …" (the detail is the cause, for the broker's log); only a refused authorization id is
 * named to the client, as Kafka names it.
 */
final class ScramServer implements SaslMechanismServer {
  private enum State { CLIENT_FIRST, CLIENT_FINAL, COMPLETE, FAILED }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final ScramMechanism mechanism;
  private final ScramCredentialStore store;
  private State state = State.CLIENT_FIRST;
  private String user;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;
  private String gs2Header;
  private ScramCredential credential;
  private boolean known;

  ScramServer(ScramMechanism mechanism, ScramCredentialStore store) {
    this.mechanism = mechanism;
    this.store = store;
  }

  @Override
  public byte[] evaluate(byte[] response) {
    try {
      return switch (state) {
        case CLIENT_FIRST -> clientFirst(new String(response, StandardCharsets.UTF_8));
        case CLIENT_FINAL -> clientFinal(new String(response, StandardCharsets.UTF_8));
        case COMPLETE, FAILED -> throw new SaslAuthenticationException("SCRAM exchange already ended");
      };
    } catch (NamedToClient e) {
      state = State.FAILED;
      throw e;
    } catch (SaslAuthenticationException e) {
      state = State.FAILED;
      throw new SaslAuthenticationException("Authentication failed during authentication due to invalid credentials "
          + "with SASL mechanism " + mechanism.mechanismName(), e);
    }
  }

  /** A failure whose message Kafka sends to the client as it is. */
  private static final class NamedToClient extends SaslAuthenticationException {
    private static final long serialVersionUID = 1L;

    NamedToClient(String message) {
      super(message);
    }
  }

  private byte[] clientFirst(String message) {
    // gs2-header: "n," or "y," (no channel binding), then an optional "a=<authzid>", then ","
    if (!(message.startsWith("n,") || message.startsWith("y,"))) {
      throw new SaslAuthenticationException("Invalid SCRAM client first message: channel binding is not supported");
    }
    int headerEnd = message.indexOf(',', 2);
    if (headerEnd < 0) throw new SaslAuthenticationException("Invalid SCRAM client first message");
    gs2Header = message.substring(0, headerEnd + 1);
    String authzid = gs2Header.length() > 3 && gs2Header.startsWith("a=", 2) ? saslName(gs2Header.substring(4, headerEnd)) : "";
    clientFirstBare = message.substring(headerEnd + 1);
    String name = null;
    String clientNonce = null;
    for (String attr : clientFirstBare.split(",")) {
      if (attr.startsWith("n=")) name = saslName(attr.substring(2));
      else if (attr.startsWith("r=")) clientNonce = attr.substring(2);
      else if (attr.startsWith("m=")) throw new SaslAuthenticationException("Invalid SCRAM client first message: mandatory extension");
      else if (attr.startsWith("tokenauth=")) throw new SaslAuthenticationException("Authentication failed: delegation tokens are not supported");
    }
    if (name == null || name.isEmpty() || clientNonce == null || clientNonce.isEmpty()) {
      throw new SaslAuthenticationException("Invalid SCRAM client first message: user name and nonce are required");
    }
    if (!authzid.isEmpty() && !authzid.equals(name)) {
      throw new NamedToClient("Authentication failed: Client requested an authorization id that is different from username");
    }
    user = name;
    Optional<ScramCredential> c;
    try {
      c = store.credential(name, mechanism);
    } catch (IOException e) {
      throw new SaslAuthenticationException("Authentication failed: credentials could not be read");
    }
    known = c.isPresent();
    credential = c.orElseGet(this::madeUp);
    nonce = clientNonce + randomNonce();
    serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
    state = State.CLIENT_FINAL;
    return serverFirst.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] clientFinal(String message) {
    int proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) throw new SaslAuthenticationException("Invalid SCRAM client final message: no proof");
    String withoutProof = message.substring(0, proofAt);
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw new SaslAuthenticationException("Invalid SCRAM client final message: proof is not base64");
    }
    String channelBinding = null;
    String finalNonce = null;
    for (String attr : withoutProof.split(",")) {
      if (attr.startsWith("c=")) channelBinding = attr.substring(2);
      else if (attr.startsWith("r=")) finalNonce = attr.substring(2);
    }
    String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
    if (!expectedBinding.equals(channelBinding)) throw new SaslAuthenticationException("Invalid SCRAM client final message: channel binding");
    // The final nonce must be the one this exchange agreed (client's + ours), exactly (RFC 5802
    // 5.1; Kafka 4.x, since CVE-2024-56128). librdkafka before 2.6.1 (Debian 12's kcat and
    // confluent-kafka) sends its own nonce again in front of it: Kafka 4.1.1 refuses that, so does Brook.
    if (finalNonce == null || !finalNonce.equals(nonce)) {
      throw new SaslAuthenticationException("Invalid SCRAM client final message: nonce mismatch");
    }
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] clientSignature = mechanism.hmac(credential.storedKey(), authMessage);
    if (proof.length != clientSignature.length) throw new SaslAuthenticationException("Authentication failed: Invalid user credentials");
    byte[] clientKey = new byte[proof.length];
    for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
    boolean ok = MessageDigest.isEqual(mechanism.hash(clientKey), credential.storedKey()) & known;
    if (!ok) throw new SaslAuthenticationException("Authentication failed: Invalid user credentials");
    byte[] serverSignature = mechanism.hmac(credential.serverKey(), authMessage);
    state = State.COMPLETE;
    return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
  }

  private ScramCredential madeUp() {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] key = new byte[mechanism == ScramMechanism.SCRAM_SHA_256 ? 32 : 64];
    RANDOM.nextBytes(key);
    return new ScramCredential(salt, key, key, ScramMechanism.MIN_ITERATIONS);
  }

  private static String randomNonce() {
    byte[] b = new byte[18];
    RANDOM.nextBytes(b);
    return Base64.getEncoder().withoutPadding().encodeToString(b).replace('+', '-').replace('/', '_');
  }

  /** RFC 5802 saslname: "=2C" is ",", "=3D" is "="; any other "=" is invalid. */
  private static String saslName(String s) {
    String out = s.replace("=2C", ",").replace("=3D", "=");
    if (s.replaceAll("=2C|=3D", "").contains("=")) throw new SaslAuthenticationException("Invalid SCRAM user name");
    return out;
  }

  @Override
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  @Override
  public String authorizationId() {
    return user;
  }
}
