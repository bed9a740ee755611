package dev.brook.broker.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the JDK's {@code keytool} (nothing checked in that could
 * expire): a CA, a broker certificate for {@code localhost}/{@code 127.0.0.1} signed by it, a client
 * certificate {@code CN=alice,OU=eng,O=Brook} signed by it, and a trust store holding the CA. Made
 * once per JVM in a temporary directory; all stores are PKCS12 with password {@link #PASSWORD}, and
 * JKS and PEM forms are made on request. brook-cli's security ITs use this class too, through this
 * module's test-jar (see its pom).
 */
public final class TestCertificates {
  public static final String PASSWORD = "test-secret";
  public static final String CLIENT_DN = "CN=alice,OU=eng,O=Brook";
  private static TestCertificates instance;

  public final Path dir;
  public final Path brokerKeyStore;
  public final Path clientKeyStore;
  public final Path otherClientKeyStore;
  public final Path trustStore;
  private final Path ca;
  private final Path caCert;

  private TestCertificates(Path dir) throws Exception {
    this.dir = dir;
    ca = dir.resolve("ca.p12");
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Brook Test CA",
        "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString());
    caCert = dir.resolve("ca.pem");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caCert.toString());
    trustStore = dir.resolve("truststore.p12");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", trustStore.toString());
    brokerKeyStore = signed("broker", "CN=localhost,O=Brook", "SAN=dns:localhost,ip:127.0.0.1", ca, caCert);
    clientKeyStore = signed("alice", CLIENT_DN, null, ca, caCert);
    otherClientKeyStore = signedBySelf("mallory", "CN=mallory,O=Elsewhere");
  }

  /** The certificates of this JVM, made on first use. */
  public static synchronized TestCertificates get() throws Exception {
    if (instance == null) instance = new TestCertificates(Files.createTempDirectory("brook-certs"));
    return instance;
  }

  /**
   * Another key store signed by the CA (a new key pair and serial number): for the broker's name
   * with {@code dn = "CN=localhost,O=Brook"} and {@code san = "SAN=dns:localhost,ip:127.0.0.1"}, a
   * rotated broker certificate.
   */
  public synchronized Path signedKeyStore(String alias, String dn, String san) throws Exception {
    return signed(alias, dn, san, ca, caCert);
  }

  private Path signed(String alias, String dn, String san, Path ca, Path caCert) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dn,
        "-validity", "2", "-keystore", store.toString());
    Path csr = dir.resolve(alias + ".csr");
    keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-file", csr.toString());
    Path cert = dir.resolve(alias + ".pem");
    List<String> gen = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile",
        csr.toString(), "-outfile", cert.toString(), "-rfc", "-validity", "2"));
    if (san != null) gen.addAll(List.of("-ext", san));
    keytool(gen.toArray(new String[0]));
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", store.toString());
    keytool("-importcert", "-alias", alias, "-file", cert.toString(), "-keystore", store.toString());
    return store;
  }

  private Path signedBySelf(String alias, String dn) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dn,
        "-validity", "2", "-keystore", store.toString());
    return store;
  }

  /** The same store as JKS. */
  public Path asJks(Path p12) throws Exception {
    Path jks = dir.resolve(p12.getFileName().toString().replace(".p12", ".jks"));
    if (!Files.exists(jks)) {
      keytool("-importkeystore", "-srckeystore", p12.toString(), "-srcstoretype", "PKCS12", "-srcstorepass", PASSWORD,
          "-destkeystore", jks.toString(), "-deststoretype", "JKS", "-deststorepass", PASSWORD);
    }
    return jks;
  }

  /** The key store's certificate chain, PEM. */
  public String chainPem(Path p12) throws Exception {
    KeyStore ks = load(p12);
    String alias = keyAlias(ks);
    StringBuilder sb = new StringBuilder();
    for (Certificate c : ks.getCertificateChain(alias)) sb.append(pem("CERTIFICATE", c.getEncoded()));
    return sb.toString();
  }

  /** The key store's private key, unencrypted PKCS#8 PEM. */
  public String keyPem(Path p12) throws Exception {
    KeyStore ks = load(p12);
    PrivateKey key = (PrivateKey) ks.getKey(keyAlias(ks), PASSWORD.toCharArray());
    return pem("PRIVATE KEY", key.getEncoded());
  }

  /** The CA certificate, PEM. */
  public String caPem() throws IOException {
    return Files.readString(dir.resolve("ca.pem"), StandardCharsets.US_ASCII);
  }

  private static String keyAlias(KeyStore ks) throws Exception {
    for (String a : java.util.Collections.list(ks.aliases())) if (ks.isKeyEntry(a)) return a;
    throw new IllegalStateException("no key entry");
  }

  private static KeyStore load(Path p12) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    return ks;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    // A certificate set is ~14 keytool JVMs: C1 only and one GC thread make each cheaper.
    cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    cmd.addAll(List.of(args));
    if (!cmd.contains("-srcstorepass")) cmd.addAll(List.of("-storepass", PASSWORD));
    if (cmd.contains("-genkeypair")) cmd.addAll(List.of("-keypass", PASSWORD, "-storetype", "PKCS12"));
    // Output to a file, not a pipe read to its end: reading a pipe would wait for the process
    // however long it runs, and the bound below would never apply.
    Path log = Files.createTempFile("keytool", ".log");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      p.getOutputStream().close(); // a prompt gets end of input, not a wait
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool timed out: " + cmd);
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) throw new IllegalStateException("keytool failed (" + String.join(" ", cmd) + "): " + out);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
