package org.scix.pipeline.client;

import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;

/**
 * One message of a Monitor call that asked for progress: the job's status and its latest progress
 * ({@code done} of {@code total}, and a message), all null before the task reported any and once
 * the job ended.
 */
public record ProgressUpdate(String jobId, statusenum status, Long done, Long total, String message) {
  /** The TemplateInput record with the progress field last: what such a call's messages are. */
  static final Schema SCHEMA;

  static {
    Schema base = TemplateInput.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    base.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    Schema holder = new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"ProgressHolder\", \"fields\": ["
        + TemplateApi.PROGRESS_FIELD_SCHEMA + "]}");
    Schema.Field progress = holder.getField("progress");
    fields.add(new Schema.Field(progress, progress.schema()));
    SCHEMA = Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
  }

  /** Decodes such a message. */
  static ProgressUpdate decode(byte[] message) {
    try {
      GenericRecord record = new GenericDatumReader<GenericRecord>(SCHEMA).read(null, DecoderFactory.get().binaryDecoder(message, null));
      Object status = record.get("status");
      GenericRecord progress = (GenericRecord) record.get("progress");
      return new ProgressUpdate(record.get("hash") == null ? null : record.get("hash").toString(),
          status == null ? null : statusenum.valueOf(status.toString()),
          progress == null ? null : (Long) progress.get("done"), progress == null ? null : (Long) progress.get("total"),
          progress == null || progress.get("message") == null ? null : progress.get("message").toString());
    } catch (IOException e) {
      throw new UncheckedIOException("not a Monitor message with progress", e);
    }
  }

  /** Reads the messages of a Monitor call with progress. */
  static final class Marshaller implements MethodDescriptor.Marshaller<ProgressUpdate> {
    @Override
    public InputStream stream(ProgressUpdate value) {
      throw new UnsupportedOperationException("a client only reads these");
    }

    @Override
    public ProgressUpdate parse(InputStream stream) {
      try {
        return decode(stream.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
