package org.scix.pipeline.system;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A throwaway CA and certificates signed by it, written as PEM files, made fresh for each test run. */
final class TestCertificates {
  private final KeyPair caKeys = rsa();
  private final X509Certificate ca;
  private long serial = 1;

  TestCertificates() throws Exception {
    ca = sign("CN=scix-test-ca", caKeys, caKeys.getPrivate(), new X500Name("CN=scix-test-ca"), true);
  }

  /** Writes {@code name.crt}, {@code name.key} (PKCS#8) and {@code ca.crt} into {@code dir}, SAN localhost and 127.0.0.1. */
  Issued issue(Path dir, String name) throws Exception {
    KeyPair keys = rsa();
    X509Certificate cert = sign("CN=" + name, keys, caKeys.getPrivate(), new X500Name(ca.getSubjectX500Principal().getName()), false);
    Files.createDirectories(dir);
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Path caFile = dir.resolve("ca.crt");
    pem(certFile, cert);
    pem(keyFile, new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
    pem(caFile, ca);
    return new Issued(certFile, keyFile, caFile);
  }

  record Issued(Path cert, Path key, Path ca) {}

  private X509Certificate sign(String subject, KeyPair keys, PrivateKey issuerKey, X500Name issuer, boolean isCa) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial++),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject), keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (!isCa) {
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    }
    return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void pem(Path file, Object object) throws IOException {
    try (Writer writer = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
      pem.writeObject(object);
    }
  }
}
