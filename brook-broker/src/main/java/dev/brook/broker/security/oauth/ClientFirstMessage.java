package dev.brook.broker.security.oauth;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The OAUTHBEARER client's first (and only) message, RFC 7628 section 3.1: a GS2 header without
 * channel binding ({@code n,,} or {@code n,a=<authzid>,}), then key/value pairs each ended by
 * %x01, then a final %x01; the pair {@code auth=Bearer <token>} is required, the others are SASL
 * extensions (KIP-342). Parsing bounds nothing by itself: the frame holding the message is already
 * capped before authentication ({@code sasl.server.max.receive.size}).
 *
 * @param authorizationId the requested authorization id, empty when none
 * @param token the bearer token (a compact JWS, still unchecked)
 * @param extensions the other pairs, in the order sent
 */
public record ClientFirstMessage(String authorizationId, String token, Map<String, String> extensions) {
  private static final char SEP = '\u0001';

  /** Parses {@code message}; anything malformed is a {@link SaslAuthenticationException}. */
  public static ClientFirstMessage parse(byte[] message) {
    // ISO-8859-1 keeps one char per byte, so a non-ASCII byte fails the character checks below.
    String s = new String(message, StandardCharsets.ISO_8859_1);
    if (!(s.startsWith("n,") || s.startsWith("y,"))) throw invalid("a GS2 header without channel binding ('n,')");
    int comma = s.indexOf(',', 2);
    if (comma < 0) throw invalid("a GS2 header ending with ','");
    String authz = s.substring(2, comma);
    String authorizationId = "";
    if (!authz.isEmpty()) {
      if (!authz.startsWith("a=")) throw invalid("'a=<authzid>' or nothing between the GS2 header's commas");
      authorizationId = saslName(authz.substring(2));
    }
    String rest = s.substring(comma + 1);
    if (rest.length() < 2 || rest.charAt(0) != SEP || rest.charAt(rest.length() - 1) != SEP) {
      throw invalid("key/value pairs between %x01 separators");
    }
    String pairs = rest.substring(1, rest.length() - 1);
    Map<String, String> values = new LinkedHashMap<>();
    int at = 0;
    while (at < pairs.length()) {
      int end = pairs.indexOf(SEP, at);
      if (end < 0) throw invalid("each key/value pair ended by %x01");
      String pair = pairs.substring(at, end);
      int eq = pair.indexOf('=');
      if (eq <= 0) throw invalid("key=value pairs");
      String key = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (!isKey(key)) throw invalid("keys of letters only");
      if (!isValue(value)) throw invalid("values of printable characters");
      if (values.putIfAbsent(key, value) != null) throw invalid("each key once");
      at = end + 1;
    }
    String auth = values.remove("auth");
    if (auth == null) throw invalid("an auth=Bearer <token> pair");
    return new ClientFirstMessage(authorizationId, bearerToken(auth), Map.copyOf(values));
  }

  /** {@code Bearer <token>}: the scheme in any case, one or more spaces, a token of base64url and dots. */
  private static String bearerToken(String auth) {
    int space = auth.indexOf(' ');
    if (space < 0 || !auth.substring(0, space).equalsIgnoreCase("Bearer")) throw invalid("auth=Bearer <token>");
    int start = space;
    while (start < auth.length() && auth.charAt(start) == ' ') start++;
    String token = auth.substring(start);
    if (token.isEmpty()) throw invalid("a bearer token");
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) throw invalid("a bearer token of base64url characters and dots");
    }
    return token;
  }

  private static boolean isKey(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    }
    return true;
  }

  private static boolean isValue(String value) {
    if (value.isEmpty()) return false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= 0x21 && c <= 0x7E) || c == ' ' || c == '\t' || c == '\r' || c == '\n')) return false;
    }
    return true;
  }

  /** RFC 5801 saslname: any ASCII but ',' and '=', which are written =2C and =3D. */
  private static String saslName(String raw) {
    if (raw.isEmpty()) throw invalid("a non-empty authorization id");
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '=') {
        if (raw.startsWith("=2C", i)) out.append(',');
        else if (raw.startsWith("=3D", i)) out.append('=');
        else throw invalid("an authorization id with '=' only as =2C or =3D");
        i += 2;
      } else if (c == 0 || c > 0x7F || c == ',') {
        throw invalid("an authorization id of ASCII characters");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static SaslAuthenticationException invalid(String expected) {
    return new SaslAuthenticationException("Invalid OAUTHBEARER client message: expected " + expected);
  }
}
