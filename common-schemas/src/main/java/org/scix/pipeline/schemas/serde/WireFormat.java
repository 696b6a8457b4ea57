package org.scix.pipeline.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/** The Confluent wire format: byte 0 is {@code 0x00}, bytes 1-4 the schema id (big-endian), then Avro binary. */
public final class WireFormat {
  public static final byte MAGIC_BYTE = 0x0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The schema id of a framed record, or a {@link SerializationException} saying why there is none. */
  public static int schemaId(String topic, byte[] data) {
    if (data == null || data.length < HEADER_SIZE) {
      throw new SerializationException("record on topic '" + topic + "' is "
          + (data == null ? "null" : data.length + " byte(s)") + ", shorter than the 5-byte Confluent header");
    }
    if (data[0] != MAGIC_BYTE) {
      throw new SerializationException("record on topic '" + topic + "' starts with byte 0x"
          + Integer.toHexString(data[0] & 0xff) + ", not the Confluent magic byte 0x00");
    }
    return ByteBuffer.wrap(data, 1, 4).getInt();
  }
}
