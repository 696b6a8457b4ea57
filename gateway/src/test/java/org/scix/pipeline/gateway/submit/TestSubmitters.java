package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.scix.pipeline.schemas.avro.TrustedAvroClasses;

/** Builds a {@link JobSubmitter} over a given producer (e.g. MockProducer) for unit tests. */
public final class TestSubmitters {
  static {
    TrustedAvroClasses.register();
  }

  private TestSubmitters() {}

  /** A 2 s send deadline, 1 MiB records; a timed-out commit counts as outcome-unknown after 200 ms. */
  public static JobSubmitter create(TopicSettings topics, Supplier<Producer<String, Object>> producer) {
    return create(topics, producer, Duration.ofSeconds(2), 1024 * 1024);
  }

  /** One lane with this send deadline and record size limit. */
  public static JobSubmitter create(TopicSettings topics, Supplier<Producer<String, Object>> producer, Duration sendDeadline,
      int maxRecordBytes) {
    return create(topics, producer, sendDeadline, maxRecordBytes, avroBinary());
  }

  /** One lane whose records are serialized by {@code values}. */
  public static JobSubmitter create(TopicSettings topics, Supplier<Producer<String, Object>> producer, Duration sendDeadline,
      int maxRecordBytes, Serializer<Object> values) {
    return new JobSubmitter(new JobRecords(topics, values, new RecordSizeLimit(maxRecordBytes), "gateway-test", topics.partitions()),
        (lane, keepTrying) -> new TransactionalWriter("test", producer, keepTrying, Duration.ofMillis(200)),
        SubmitterSettings.oneLane("test", sendDeadline), new OwnPendings(Duration.ZERO), () -> { }, new SimpleMeterRegistry());
  }

  /** Plain Avro binary (no registry): real sizes, without a schema registry. */
  public static Serializer<Object> avroBinary() {
    return (topic, value) -> {
      if (value instanceof byte[] bytes) {
        return bytes;
      }
      SpecificRecord record = (SpecificRecord) value;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      try {
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    };
  }
}
