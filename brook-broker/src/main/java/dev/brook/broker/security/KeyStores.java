package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Loads the key store and trust store of a listener from Kafka's keys: JKS and PKCS12 files, and
 * PEM (a file at {@code ssl.*store.location}, or inline in {@code ssl.keystore.certificate.chain} /
 * {@code ssl.keystore.key} / {@code ssl.truststore.certificates}). A PEM private key is PKCS#8,
 * clear ({@code PRIVATE KEY}) or encrypted with {@code ssl.key.password} ({@code ENCRYPTED PRIVATE
 * KEY}). Every failure is a {@link ConfigException} naming the key. Called at startup only.
 */
public final class KeyStores {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  static final char[] PEM_ENTRY_PASSWORD = new char[0];

  private KeyStores() {}

  /** The listener's key store, or null when none is configured. */
  public static KeyStore keyStore(ListenerSettings s) {
    String type = s.getString("ssl.keystore.type");
    String location = s.getString("ssl.keystore.location");
    if (type.equalsIgnoreCase("PEM")) {
      String chain = s.getString("ssl.keystore.certificate.chain");
      String key = s.getString("ssl.keystore.key");
      String keyName = s.keyName("ssl.keystore.key");
      if (chain == null && location != null) {
        chain = read(s.keyName("ssl.keystore.location"), location);
        key = chain; // one file holds the key and the chain, as Kafka reads it
        keyName = s.keyName("ssl.keystore.location");
      }
      if (chain == null) return null;
      if (key == null) throw new ConfigException(s.keyName("ssl.keystore.key"), "is required with ssl.keystore.certificate.chain");
      return pemKeyStore(s.keyName("ssl.keystore.certificate.chain"), chain, keyName, key, s.getString("ssl.key.password"));
    }
    if (location == null) return null;
    return fileStore(s.keyName("ssl.keystore.location"), type, location, s.getString("ssl.keystore.password"));
  }

  /** The password of the key entry: ssl.key.password, else the store's (PEM stores use none). */
  public static char[] keyPassword(ListenerSettings s) {
    if (s.getString("ssl.keystore.type").equalsIgnoreCase("PEM")) return PEM_ENTRY_PASSWORD;
    String p = s.getString("ssl.key.password");
    if (p == null) p = s.getString("ssl.keystore.password");
    return p == null ? new char[0] : p.toCharArray();
  }

  /** The listener's trust store, or null when none is configured (the JDK's default trust). */
  public static KeyStore trustStore(ListenerSettings s) {
    String type = s.getString("ssl.truststore.type");
    String location = s.getString("ssl.truststore.location");
    if (type.equalsIgnoreCase("PEM")) {
      String certs = s.getString("ssl.truststore.certificates");
      String keyName = s.keyName("ssl.truststore.certificates");
      if (certs == null && location != null) {
        certs = read(s.keyName("ssl.truststore.location"), location);
        keyName = s.keyName("ssl.truststore.location");
      }
      if (certs == null) return null;
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        List<Certificate> list = certificates(keyName, certs);
        for (int i = 0; i < list.size(); i++) ks.setCertificateEntry("ca-" + i, list.get(i));
        return ks;
      } catch (GeneralSecurityException | IOException e) {
        throw new ConfigException(keyName, "cannot build a trust store: " + e.getMessage());
      }
    }
    if (location == null) return null;
    return fileStore(s.keyName("ssl.truststore.location"), type, location, s.getString("ssl.truststore.password"));
  }

  private static KeyStore fileStore(String keyName, String type, String location, String password) {
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      KeyStore ks = KeyStore.getInstance(type);
      ks.load(in, password == null ? null : password.toCharArray());
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(keyName, "cannot load " + type + " store " + location + ": " + e.getMessage());
    }
  }

  private static String read(String keyName, String location) {
    try {
      return Files.readString(Path.of(location), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(keyName, "cannot read " + location + ": " + e.getMessage());
    }
  }

  static KeyStore pemKeyStore(String chainKey, String chainPem, String keyKey, String keyPem, String keyPassword) {
    List<Certificate> chain = certificates(chainKey, chainPem);
    PrivateKey key = privateKey(keyKey, keyPem, keyPassword);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("broker", key, PEM_ENTRY_PASSWORD, chain.toArray(new Certificate[0]));
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException(keyKey, "the key does not match the certificate chain: " + e.getMessage());
    }
  }

  static List<Certificate> certificates(String keyName, String pem) {
    List<Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(pem, "CERTIFICATE")) {
        out.add(cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (GeneralSecurityException e) {
      throw new ConfigException(keyName, "not a PEM certificate: " + e.getMessage());
    }
    if (out.isEmpty()) throw new ConfigException(keyName, "holds no -----BEGIN CERTIFICATE----- block");
    return out;
  }

  static PrivateKey privateKey(String keyName, String pem, String password) {
    List<byte[]> clear = blocks(pem, "PRIVATE KEY");
    List<byte[]> encrypted = blocks(pem, "ENCRYPTED PRIVATE KEY");
    byte[] pkcs8;
    if (!encrypted.isEmpty()) {
      if (password == null) throw new ConfigException(keyName, "the key is encrypted: set ssl.key.password");
      try {
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(encrypted.get(0));
        SecretKeyFactory f = SecretKeyFactory.getInstance(info.getAlgName());
        Cipher c = Cipher.getInstance(info.getAlgName());
        c.init(Cipher.DECRYPT_MODE, f.generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
        pkcs8 = info.getKeySpec(c).getEncoded();
      } catch (GeneralSecurityException | IOException e) {
        throw new ConfigException(keyName, "cannot decrypt the key with ssl.key.password: " + e.getMessage());
      }
    } else if (!clear.isEmpty()) {
      pkcs8 = clear.get(0);
    } else {
      throw new ConfigException(keyName, "holds no PKCS#8 -----BEGIN PRIVATE KEY----- block");
    }
    for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "DSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException(keyName, "not an RSA, EC, EdDSA or DSA private key");
  }

  private static List<byte[]> blocks(String pem, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals(type)) out.add(Base64.getMimeDecoder().decode(m.group(2)));
    }
    return out;
  }
}
