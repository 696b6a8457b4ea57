package org.scix.pipeline.schemas.avro;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes it looks up by schema name unless they are trusted.
 * Our generated classes are; this adds their package to Avro's global trust list, once, without
 * dropping anything an application already trusts.
 */
public final class TrustedAvroClasses {
  private static final String GENERATED_PACKAGE_PREFIX = "org.scix.pipeline.schemas.";
  private static volatile boolean registered;

  private TrustedAvroClasses() {}

  public static synchronized void register() {
    if (registered) {
      return;
    }
    ClassSecurityValidator.ClassSecurityPredicate ours = type -> type.getName().startsWith(GENERATED_PACKAGE_PREFIX);
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    registered = true;
  }
}
