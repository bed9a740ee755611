package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The TLS side of one listener, built at startup from Kafka's {@code ssl.*} keys, and again when
 * a dynamic config changes its key or trust store ({@code DynamicBrokerConfigs}) (JDK
 * provider): the key and trust managers, enabled protocols and cipher suites, client
 * authentication, and how a client certificate becomes a principal. Makes a server engine per
 * accepted connection and, for this broker's own connections to the listener of another broker,
 * client sockets (with {@code ssl.endpoint.identification.algorithm}). Immutable, thread-safe.
 */
public final class TlsContext {
  /** {@code ssl.client.auth}. */
  public enum ClientAuth { NONE, REQUESTED, REQUIRED }

  /**
   * Which TLS implementation encrypts a listener's connections ({@code ssl.engine.provider}): the
   * JDK's {@code SSLEngine}, or OpenSSL (BoringSSL) through Netty's tcnative, whose native library
   * ships inside its Maven artifact. Client sockets (broker to broker) always use the JDK.
   */
  public enum Engine { JDK, OPENSSL }

  private final SSLContext context;
  private final String[] protocols;
  private final String[] cipherSuites;
  private final ClientAuth clientAuth;
  private final SslPrincipalMapper principals;
  private final String endpointIdentification;
  /** The leaf certificate of each key entry of the key store, in alias order (empty without one). */
  private final List<X509Certificate> certificates;
  private final boolean hasTrustStore;
  /** Server engines from OpenSSL; null when the JDK's make them. */
  private final SslContext openSsl;

  private TlsContext(SSLContext context, String[] protocols, String[] cipherSuites, ClientAuth clientAuth,
      SslPrincipalMapper principals, String endpointIdentification, List<X509Certificate> certificates,
      boolean hasTrustStore, SslContext openSsl) {
    this.context = context;
    this.openSsl = openSsl;
    this.certificates = certificates;
    this.hasTrustStore = hasTrustStore;
    this.protocols = protocols;
    this.cipherSuites = cipherSuites;
    this.clientAuth = clientAuth;
    this.principals = principals;
    this.endpointIdentification = endpointIdentification;
  }

  /**
   * Builds the listener's context; {@code server} requires a key store (a listener must present a
   * certificate). Fails naming the key when a store cannot load or a protocol or suite is unknown.
   */
  public static TlsContext create(ListenerSettings s, boolean server) {
    KeyStore keys = KeyStores.keyStore(s);
    if (server && keys == null) {
      throw new ConfigException(s.keyName("ssl.keystore.location"),
          "listener " + s.listenerName() + " uses TLS and needs a key store (ssl.keystore.location, or ssl.keystore.type=PEM with ssl.keystore.certificate.chain and ssl.keystore.key)");
    }
    KeyStore trust = KeyStores.trustStore(s);
    SSLContext ctx;
    try {
      KeyManagerFactory kmf = null;
      if (keys != null) {
        kmf = KeyManagerFactory.getInstance(s.getString("ssl.keymanager.algorithm"));
        kmf.init(keys, KeyStores.keyPassword(s));
      }
      TrustManagerFactory tmf = null;
      if (trust != null) {
        tmf = TrustManagerFactory.getInstance(s.getString("ssl.trustmanager.algorithm"));
        tmf.init(trust);
      }
      ctx = SSLContext.getInstance(s.getString("ssl.protocol"));
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
    } catch (GeneralSecurityException e) {
      throw new ConfigException(s.keyName(keys == null ? "ssl.truststore.location" : "ssl.keystore.location"),
          "cannot initialize TLS for listener " + s.listenerName() + ": " + e.getMessage());
    }
    String[] protocols = checked(s.keyName("ssl.enabled.protocols"), s.getList("ssl.enabled.protocols"),
        ctx.getSupportedSSLParameters().getProtocols());
    List<String> suites = s.getList("ssl.cipher.suites");
    String[] cipherSuites = suites.isEmpty() ? null
        : checked(s.keyName("ssl.cipher.suites"), suites, ctx.getSupportedSSLParameters().getCipherSuites());
    ClientAuth auth = ClientAuth.valueOf(s.getString("ssl.client.auth").toUpperCase(java.util.Locale.ROOT));
    SslPrincipalMapper mapper = SslPrincipalMapper.parse(s.keyName("ssl.principal.mapping.rules"),
        s.getString("ssl.principal.mapping.rules"));
    String eia = s.getString("ssl.endpoint.identification.algorithm");
    SslContext openSsl = server && engine(s) == Engine.OPENSSL
        ? openSslContext(s, keys, trust, protocols, cipherSuites, auth) : null;
    return new TlsContext(ctx, protocols, cipherSuites, auth, mapper, eia == null || eia.isBlank() ? null : eia,
        leafCertificates(s, keys), trust != null, openSsl);
  }

  /**
   * The engine {@code ssl.engine.provider} asks for: {@code jdk}, {@code openssl} (failing naming the
   * key when tcnative's library cannot load on this machine), or {@code auto}: OpenSSL when it
   * loads, else the JDK's.
   */
  static Engine engine(ListenerSettings s) {
    String wanted = s.getString("ssl.engine.provider").toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "jdk" -> Engine.JDK;
      case "openssl" -> {
        if (!OpenSsl.isAvailable()) {
          throw new ConfigException(s.keyName("ssl.engine.provider"), "OpenSSL (netty-tcnative) is not available on this machine: "
              + OpenSsl.unavailabilityCause() + "; use jdk or auto");
        }
        yield Engine.OPENSSL;
      }
      default -> OpenSsl.isAvailable() ? Engine.OPENSSL : Engine.JDK; // auto, checked by the key's definition
    };
  }

  private static SslContext openSslContext(ListenerSettings s, KeyStore keys, KeyStore trust, String[] protocols,
      String[] cipherSuites, ClientAuth auth) {
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(s.getString("ssl.keymanager.algorithm"));
      kmf.init(keys, KeyStores.keyPassword(s));
      SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.OPENSSL).protocols(protocols);
      if (trust != null) {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(s.getString("ssl.trustmanager.algorithm"));
        tmf.init(trust);
        b.trustManager(tmf);
      }
      if (cipherSuites != null) b.ciphers(Arrays.asList(cipherSuites));
      b.clientAuth(switch (auth) {
        case REQUIRED -> io.netty.handler.ssl.ClientAuth.REQUIRE;
        case REQUESTED -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
        case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
      });
      return b.build();
    } catch (GeneralSecurityException | SSLException | RuntimeException e) {
      throw new ConfigException(s.keyName("ssl.engine.provider"), "cannot initialize OpenSSL for listener "
          + s.listenerName() + ": " + e.getMessage());
    }
  }

  /** The engine this listener's connections get. */
  public Engine engine() {
    return openSsl != null ? Engine.OPENSSL : Engine.JDK;
  }

  private static List<X509Certificate> leafCertificates(ListenerSettings s, KeyStore keys) {
    if (keys == null) return List.of();
    try {
      List<String> aliases = new ArrayList<>(Collections.list(keys.aliases()));
      aliases.sort(null);
      List<X509Certificate> out = new ArrayList<>();
      for (String alias : aliases) {
        if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate c) out.add(c);
      }
      if (out.isEmpty()) throw new ConfigException(s.keyName("ssl.keystore.location"), "the key store holds no private key entry with an X.509 certificate");
      return List.copyOf(out);
    } catch (KeyStoreException e) {
      throw new ConfigException(s.keyName("ssl.keystore.location"), "cannot read the key store: " + e.getMessage());
    }
  }

  /**
   * Why {@code next} may not replace this context on a running listener, or empty when it may: as
   * Kafka checks a dynamic update, the key store must hold as many key entries, each with the same
   * subject DN (unless {@code allowDnChanges}) and subject alternative names (unless {@code
   * allowSanChanges}), so that clients checking the broker's name keep accepting it; and a trust
   * store cannot be added to a listener that had none.
   */
  public Optional<String> incompatibility(TlsContext next, boolean allowDnChanges, boolean allowSanChanges) {
    if (!hasTrustStore && next.hasTrustStore) {
      return Optional.of("Cannot add SSL truststore to an existing listener for which no truststore was configured.");
    }
    if ((allowDnChanges && allowSanChanges) || next.certificates.isEmpty() && certificates.isEmpty()) return Optional.empty();
    if (next.certificates.size() != certificates.size()) {
      return Optional.of("Keystore entries do not match, existing store contains " + certificates.size()
          + " entries, new store contains " + next.certificates.size() + " entries");
    }
    for (int i = 0; i < certificates.size(); i++) {
      X509Certificate old = certificates.get(i);
      X509Certificate now = next.certificates.get(i);
      if (!allowDnChanges && !old.getSubjectX500Principal().equals(now.getSubjectX500Principal())
          && !old.getSubjectX500Principal().getName().equalsIgnoreCase(now.getSubjectX500Principal().getName())) {
        return Optional.of("Keystore DistinguishedName does not match: existing DN=" + old.getSubjectX500Principal()
            + ", new DN=" + now.getSubjectX500Principal() + " (set ssl.allow.dn.changes=true to allow it)");
      }
      if (!allowSanChanges && !subjectAltNames(old).equals(subjectAltNames(now))) {
        return Optional.of("Keystore SubjectAltNames do not match: existing SANs=" + subjectAltNames(old)
            + ", new SANs=" + subjectAltNames(now) + " (set ssl.allow.san.changes=true to allow it)");
      }
    }
    return Optional.empty();
  }

  private static Set<List<?>> subjectAltNames(X509Certificate c) {
    try {
      Collection<List<?>> names = c.getSubjectAlternativeNames();
      return names == null ? Set.of() : new HashSet<>(names);
    } catch (CertificateParsingException e) {
      return Set.of(List.of("unparseable: " + e.getMessage()));
    }
  }

  /** The leaf certificates this listener presents (tests, logs). */
  public List<X509Certificate> certificates() {
    return certificates;
  }

  private static String[] checked(String key, List<String> wanted, String[] supported) {
    List<String> known = Arrays.asList(supported);
    for (String w : wanted) {
      if (!known.contains(w)) throw new ConfigException(key, w + " is not supported by this JDK");
    }
    if (wanted.isEmpty()) throw new ConfigException(key, "must not be empty");
    return wanted.toArray(new String[0]);
  }

  /** A server-side engine for one accepted connection; OpenSSL's buffers come from {@code alloc}. */
  public SSLEngine serverEngine(ByteBufAllocator alloc) {
    if (openSsl != null) return openSsl.newEngine(alloc);
    SSLEngine e = context.createSSLEngine();
    e.setUseClientMode(false);
    e.setEnabledProtocols(protocols);
    if (cipherSuites != null) e.setEnabledCipherSuites(cipherSuites);
    switch (clientAuth) {
      case REQUIRED -> e.setNeedClientAuth(true);
      case REQUESTED -> e.setWantClientAuth(true);
      case NONE -> e.setNeedClientAuth(false);
    }
    return e;
  }

  /** The context itself, for a server that sets up its own TLS (the HTTP port's HTTPS). */
  public SSLContext sslContext() {
    return context;
  }

  /**
   * The listener's server parameters (protocols, cipher suites) without client authentication: for the
   * HTTP port, where callers authenticate with HTTP Basic instead.
   */
  public SSLParameters serverParametersWithoutClientAuth() {
    SSLParameters p = context.getDefaultSSLParameters();
    p.setProtocols(protocols);
    if (cipherSuites != null) p.setCipherSuites(cipherSuites);
    p.setNeedClientAuth(false);
    p.setWantClientAuth(false);
    return p;
  }

  /** A client engine for a connection to {@code host:port} (tests and tools). */
  public SSLEngine clientEngine(String host, int port) {
    SSLEngine e = context.createSSLEngine(host, port);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setProtocols(protocols);
    if (cipherSuites != null) p.setCipherSuites(cipherSuites);
    if (endpointIdentification != null) p.setEndpointIdentificationAlgorithm(endpointIdentification);
    e.setSSLParameters(p);
    return e;
  }

  /**
   * Connects to {@code address} and completes the TLS handshake (checking the server's name when
   * {@code ssl.endpoint.identification.algorithm} is set). Blocking; for broker-to-broker connections.
   */
  public SSLSocket connect(InetSocketAddress address, int connectTimeoutMs) throws IOException {
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true);
      plain.connect(address, connectTimeoutMs);
      plain.setSoTimeout(connectTimeoutMs);
      SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, address.getHostString(), address.getPort(), true);
      SSLParameters p = s.getSSLParameters();
      p.setProtocols(protocols);
      if (cipherSuites != null) p.setCipherSuites(cipherSuites);
      if (endpointIdentification != null) p.setEndpointIdentificationAlgorithm(endpointIdentification);
      s.setSSLParameters(p);
      s.startHandshake();
      return s;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  /**
   * The principal of a completed handshake: {@code User:<mapped DN>} of the client certificate,
   * {@code User:ANONYMOUS} without one; empty when no mapping rule matches the name (the
   * connection must not be served).
   */
  public Optional<KafkaPrincipal> principal(SSLSession session) {
    X500Principal subject;
    try {
      subject = (X500Principal) session.getPeerPrincipal();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.of(KafkaPrincipal.ANONYMOUS);
    }
    return principals.map(subject.getName()).map(name -> new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name));
  }
}
