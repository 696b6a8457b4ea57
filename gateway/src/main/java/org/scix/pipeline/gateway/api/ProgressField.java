package org.scix.pipeline.gateway.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * The field a call that asked for progress ({@value TemplateApi#PROGRESS_HEADER} metadata) gets
 * after each TemplateInput message: {@link TemplateApi#PROGRESS_FIELD_SCHEMA}, in Avro binary. A
 * record's encoding is its fields' in order, so the message is then exactly a record of the
 * TemplateInput fields plus this last one; calls that did not ask get the seed bytes unchanged.
 */
final class ProgressField {
  private ProgressField() {}

  /** {@code message} followed by the union: null, or {done, total, message}. */
  static byte[] append(byte[] message, JobRecord.Progress progress) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.length + 32);
    bytes.writeBytes(message);
    BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
    try {
      if (progress == null) {
        out.writeIndex(0);
      } else {
        out.writeIndex(1);
        out.writeLong(progress.done());
        out.writeLong(progress.total());
        if (progress.message() == null) {
          out.writeIndex(0);
        } else {
          out.writeIndex(1);
          out.writeString(progress.message());
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }
}
