package org.scix.pipeline.schemas.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import org.apache.avro.specific.SpecificRecord;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;

/**
 * A typed schemaless-Avro marshaller, for clients (which parse responses) and for server
 * responses. Malformed bytes become {@link Status#INTERNAL} on a client, since a server that
 * answers garbage is broken; servers never parse requests with it (see {@link RawBytesMarshaller}).
 */
public final class AvroMarshaller<T extends SpecificRecord> implements MethodDescriptor.Marshaller<T> {
  private final SchemalessAvroCodec<T> codec;

  public AvroMarshaller(SchemalessAvroCodec<T> codec) {
    this.codec = codec;
  }

  @Override
  public InputStream stream(T value) {
    return RawBytesMarshaller.INSTANCE.stream(codec.encode(value));
  }

  @Override
  public T parse(InputStream stream) {
    try {
      return codec.decode(RawBytesMarshaller.INSTANCE.parse(stream));
    } catch (InvalidAvroException e) {
      throw Status.INTERNAL.withDescription("malformed Avro message: " + e.getMessage()).withCause(e)
          .asRuntimeException();
    }
  }
}
