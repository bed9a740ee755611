package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The TLS side of one listener, built once at startup from Kafka's {@code ssl.*} keys (JDK
 * provider): the key and trust managers, enabled protocols and cipher suites, client
 * authentication, and how a client certificate becomes a principal. Makes a server engine per
 * accepted connection and, for this broker's own connections to the listener of another broker,
 * client sockets (with {@code ssl.endpoint.identification.algorithm}). Immutable, thread-safe.
 */
public final class TlsContext {
  /** {@code ssl.client.auth}. */
  public enum ClientAuth { NONE, REQUESTED, REQUIRED }

  private final SSLContext context;
  private final String[] protocols;
  private final String[] cipherSuites;
  private final ClientAuth clientAuth;
  private final SslPrincipalMapper principals;
  private final String endpointIdentification;

  private TlsContext(SSLContext context, String[] protocols, String[] cipherSuites, ClientAuth clientAuth,
      SslPrincipalMapper principals, String endpointIdentification) {
    this.context = context;
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
    return new TlsContext(ctx, protocols, cipherSuites, auth, mapper, eia == null || eia.isBlank() ? null : eia);
  }

  private static String[] checked(String key, List<String> wanted, String[] supported) {
    List<String> known = Arrays.asList(supported);
    for (String w : wanted) {
      if (!known.contains(w)) throw new ConfigException(key, w + " is not supported by this JDK");
    }
    if (wanted.isEmpty()) throw new ConfigException(key, "must not be empty");
    return wanted.toArray(new String[0]);
  }

  /** A server-side engine for one accepted connection. */
  public SSLEngine serverEngine() {
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
