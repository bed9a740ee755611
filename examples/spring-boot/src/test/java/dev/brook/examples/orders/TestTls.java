package dev.brook.examples.orders;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key stores made at test time with the JDK's {@code keytool} (nothing checked in that could
 * expire): a CA, the broker's certificate for {@code localhost}/{@code 127.0.0.1} and the
 * application's client certificate {@code CN=orders-app}, both signed by the CA, and a trust store
 * holding the CA. PKCS12, password {@link #PASSWORD}.
 */
final class TestTls {
  static final String PASSWORD = "example-secret";

  final Path broker;
  final Path client;
  final Path trustStore;

  TestTls(Path dir) throws Exception {
    Path ca = dir.resolve("ca.p12");
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Orders Test CA",
        "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString());
    Path caCert = dir.resolve("ca.pem");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caCert.toString());
    trustStore = dir.resolve("truststore.p12");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", trustStore.toString());
    broker = signed(dir, "broker", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", ca, caCert);
    client = signed(dir, "orders-app", "CN=orders-app", null, ca, caCert);
  }

  private static Path signed(Path dir, String alias, String dn, String san, Path ca, Path caCert) throws Exception {
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

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storepass", PASSWORD));
    if (cmd.contains("-genkeypair")) cmd.addAll(List.of("-keypass", PASSWORD, "-storetype", "PKCS12"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool timed out: " + cmd);
    }
    if (p.exitValue() != 0) throw new IllegalStateException("keytool failed (" + String.join(" ", cmd) + "): " + out);
  }
}
