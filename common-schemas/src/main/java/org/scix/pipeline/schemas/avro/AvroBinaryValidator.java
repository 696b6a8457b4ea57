package org.scix.pipeline.schemas.avro;

import org.apache.avro.Schema;

/**
 * Walks Avro binary data against a writer schema before anything is decoded, so that hostile
 * input (a string length of 2^31, a union branch or enum index out of range, a truncated
 * varint) is rejected with a precise reason instead of reaching Avro's decoder, which would
 * allocate whatever length the bytes claim.
 *
 * <p>Every length is checked against the bytes that actually remain, so validation allocates
 * nothing and runs in time linear in the input.
 */
public final class AvroBinaryValidator {
  private static final int MAX_DEPTH = 64;

  private final Schema schema;

  public AvroBinaryValidator(Schema schema) {
    this.schema = schema;
  }

  /** Throws {@link InvalidAvroException} unless {@code data} is exactly one datum of the schema. */
  public void validate(byte[] data) {
    Cursor cursor = new Cursor(data);
    walk(schema, cursor, 0, schema.getName());
    if (cursor.pos != data.length) {
      throw new InvalidAvroException(
          (data.length - cursor.pos) + " trailing byte(s) after a complete " + schema.getName());
    }
  }

  private void walk(Schema s, Cursor c, int depth, String path) {
    if (depth > MAX_DEPTH) {
      throw new InvalidAvroException("nesting deeper than " + MAX_DEPTH + " at " + path);
    }
    switch (s.getType()) {
      case NULL -> { }
      case BOOLEAN -> {
        int b = c.readByte(path);
        if (b != 0 && b != 1) {
          throw new InvalidAvroException("boolean byte " + b + " is neither 0 nor 1 at " + path);
        }
      }
      case INT -> c.readVarLong(5, path);
      case LONG -> c.readVarLong(10, path);
      case FLOAT -> c.skip(4, path);
      case DOUBLE -> c.skip(8, path);
      case STRING, BYTES -> c.skip(c.readLength(path), path);
      case FIXED -> c.skip(s.getFixedSize(), path);
      case ENUM -> {
        long index = c.readVarLong(5, path);
        if (index < 0 || index >= s.getEnumSymbols().size()) {
          throw new InvalidAvroException(
              "enum index " + index + " outside " + s.getName() + " (" + s.getEnumSymbols().size()
                  + " symbols) at " + path);
        }
      }
      case UNION -> {
        long branch = c.readVarLong(5, path);
        if (branch < 0 || branch >= s.getTypes().size()) {
          throw new InvalidAvroException(
              "union branch " + branch + " outside " + s.getTypes().size() + " branches at " + path);
        }
        walk(s.getTypes().get((int) branch), c, depth + 1, path);
      }
      case RECORD -> {
        for (Schema.Field f : s.getFields()) {
          walk(f.schema(), c, depth + 1, path + "." + f.name());
        }
      }
      case ARRAY -> walkBlocks(c, path, () -> walk(s.getElementType(), c, depth + 1, path + "[]"));
      case MAP -> walkBlocks(c, path, () -> {
        c.skip(c.readLength(path), path);
        walk(s.getValueType(), c, depth + 1, path + "{}");
      });
    }
  }

  private static void walkBlocks(Cursor c, String path, Runnable item) {
    while (true) {
      long count = c.readVarLong(10, path);
      if (count == 0) {
        return;
      }
      if (count < 0) {
        c.readLength(path); // block size in bytes, informative only
        count = -count;
      }
      // Each item takes at least one byte unless it is null/empty; bound the loop by the input.
      if (count > c.remaining() + 1L) {
        throw new InvalidAvroException("block of " + count + " items exceeds the input at " + path);
      }
      for (long i = 0; i < count; i++) {
        item.run();
      }
    }
  }

  private static final class Cursor {
    private final byte[] data;
    private int pos;

    Cursor(byte[] data) {
      this.data = data;
    }

    int remaining() {
      return data.length - pos;
    }

    int readByte(String path) {
      if (pos >= data.length) {
        throw truncated(path);
      }
      return data[pos++] & 0xff;
    }

    long readVarLong(int maxBytes, String path) {
      long raw = 0;
      for (int i = 0; i < maxBytes; i++) {
        int b = readByte(path);
        raw |= (long) (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
          return (raw >>> 1) ^ -(raw & 1); // zig-zag
        }
      }
      throw new InvalidAvroException("variable-length number longer than " + maxBytes + " bytes at " + path);
    }

    int readLength(String path) {
      long length = readVarLong(10, path);
      if (length < 0) {
        throw new InvalidAvroException("negative length " + length + " at " + path);
      }
      if (length > remaining()) {
        throw new InvalidAvroException(
            "length " + length + " exceeds the " + remaining() + " remaining byte(s) at " + path);
      }
      return (int) length;
    }

    void skip(int n, String path) {
      if (n > remaining()) {
        throw truncated(path);
      }
      pos += n;
    }

    private InvalidAvroException truncated(String path) {
      return new InvalidAvroException("input truncated at byte " + pos + " while reading " + path);
    }
  }
}
