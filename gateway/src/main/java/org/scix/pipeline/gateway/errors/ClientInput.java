package org.scix.pipeline.gateway.errors;

/** How an error message quotes what a client sent: never a megabyte of it. */
public final class ClientInput {
  /** Characters of a client's value an error message quotes at most. */
  static final int QUOTED_CHARS = 80;

  private ClientInput() {}

  /** The value as an error message quotes it: "null", itself, or its first {@value #QUOTED_CHARS} characters and its length. */
  public static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    return value.length() <= QUOTED_CHARS ? value : value.substring(0, QUOTED_CHARS) + "...(" + value.length() + " chars)";
  }
}
