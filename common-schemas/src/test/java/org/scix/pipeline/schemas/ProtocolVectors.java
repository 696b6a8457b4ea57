package org.scix.pipeline.schemas;

import java.util.HexFormat;

/** The byte vectors of shared/PROTOCOL.md, taken from the original Python client. */
public final class ProtocolVectors {
  public static final String HASH = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";

  /** initTemplate, SYMBOL1, ingest true, ingest_type "metadata", daterange "2023-04-26", persistence false. */
  public static final byte[] INIT_REQUEST = hex("02020000020102106d657461646174610214323032332d30342d32360000");

  /** The Pending answer to {@link #INIT_REQUEST} with hash {@link #HASH}. */
  public static final byte[] INIT_RESPONSE = concat(hex("008001"), HASH.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      hex("0200020002010210" + "6d65746164617461" + "0214323032332d30342d3236" + "02"));

  /** monitorTemplate, MONITOR, hash {@link #HASH}, persistence true. */
  public static final byte[] MONITOR_REQUEST = concat(hex("008001"), HASH.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      hex("0206000000000001"));

  private ProtocolVectors() {}

  public static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
