package org.scix.pipeline.schemas.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Schemaless Avro binary (no magic byte, no schema id) for one generated record type, as the
 * original Python clients put it in gRPC messages.
 *
 * <p>The wire schema may be a newer compatible version than the generated class (clients encode
 * with whatever is latest in the registry): decoding resolves wire to generated, encoding
 * converts back to the wire schema so the client can read the answer. Input is validated
 * against the wire schema before decoding, so malformed bytes fail with {@link
 * InvalidAvroException} and never with a large allocation. Instances are thread-safe.
 */
public final class SchemalessAvroCodec<T extends SpecificRecord> {
  static {
    TrustedAvroClasses.register();
  }

  private final Class<T> type;
  private final Schema wireSchema;
  private final boolean wireIsGenerated;
  private final AvroBinaryValidator validator;
  private final SpecificDatumReader<T> reader;
  private final SpecificDatumWriter<T> generatedWriter;
  private final GenericDatumWriter<Object> wireWriter;

  private SchemalessAvroCodec(Class<T> type, Schema wireSchema) {
    this.type = type;
    Schema generated = SpecificData.get().getSchema(type);
    this.wireSchema = wireSchema;
    this.wireIsGenerated = AvroSchemas.sameShape(generated, wireSchema);
    this.validator = new AvroBinaryValidator(wireSchema);
    this.reader = new SpecificDatumReader<>(wireSchema, generated);
    this.generatedWriter = new SpecificDatumWriter<>(generated);
    this.wireWriter = new GenericDatumWriter<>(wireSchema);
  }

  /** A codec whose wire schema is the generated class's own. */
  public static <T extends SpecificRecord> SchemalessAvroCodec<T> of(Class<T> type) {
    return new SchemalessAvroCodec<>(type, SpecificData.get().getSchema(type));
  }

  /** A codec for bytes written with {@code wireSchema}, which must be compatible with {@code type}. */
  public static <T extends SpecificRecord> SchemalessAvroCodec<T> of(Class<T> type, Schema wireSchema) {
    return new SchemalessAvroCodec<>(type, wireSchema);
  }

  public Schema wireSchema() {
    return wireSchema;
  }

  public T decode(byte[] data) {
    if (data.length == 0) {
      throw new InvalidAvroException(
          "empty message: a " + type.getSimpleName() + " is never zero bytes"
              + " (clients send zero bytes when they cannot encode their request, e.g. a task outside the enum)");
    }
    validator.validate(data);
    try {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, null);
      return reader.read(null, decoder);
    } catch (IOException | AvroRuntimeException | ClassCastException | IndexOutOfBoundsException e) {
      // Validation makes this unlikely; resolution can still fail (e.g. an enum symbol unknown to us).
      throw new InvalidAvroException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  public byte[] encode(T value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      if (wireIsGenerated) {
        generatedWriter.write(value, encoder);
      } else {
        wireWriter.write(SchemaConverter.convert(value, wireSchema), encoder);
      }
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
