package org.scix.pipeline.schemas.grpc;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Passes gRPC message bytes through untouched.
 *
 * <p>Servers use it for requests on purpose: in grpc-java an exception thrown while a request
 * marshaller parses reaches the client as UNKNOWN whatever status it carries, so decoding
 * happens in the handler, where a malformed message can be answered with INVALID_ARGUMENT.
 * Message size is bounded before this runs by the server's {@code maxInboundMessageSize}.
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  public static final RawBytesMarshaller INSTANCE = new RawBytesMarshaller();

  private RawBytesMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new KnownLengthStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try (stream) {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] bytes) {
      super(bytes);
    }
  }
}
