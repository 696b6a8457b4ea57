package org.scix.pipeline.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.schemas.avro.TrustedAvroClasses;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;

/**
 * Kafka serializer writing Avro records in the Confluent wire format, registering the record's
 * schema under {@code <topic>-value} on first use (byte-compatible with Confluent's
 * {@code KafkaAvroSerializer}).
 *
 * <p>Configured either by Kafka ({@code schema.registry.url}, {@code basic.auth.user.info},
 * {@code auto.register.schemas}) or directly through the constructor.
 */
public class ConfluentAvroSerializer<T extends GenericContainer> implements Serializer<T> {
  static {
    TrustedAvroClasses.register();
  }

  public static final String AUTO_REGISTER_CONFIG = "auto.register.schemas";

  private final Map<SubjectSchema, Integer> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Schema, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();
  private SchemaRegistryClient registry;
  private SubjectNameStrategy subjects = SubjectNameStrategy.TOPIC_NAME;
  private boolean autoRegister = true;
  private boolean isKey;

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public ConfluentAvroSerializer() {}

  public ConfluentAvroSerializer(SchemaRegistryClient registry) {
    this.registry = registry;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    if (registry == null) {
      registry = new SchemaRegistryClient(RegistryConfig.fromConfigs(configs));
    }
    Object auto = configs.get(AUTO_REGISTER_CONFIG);
    if (auto != null) {
      autoRegister = Boolean.parseBoolean(auto.toString());
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    Schema schema = data.getSchema();
    String subject = subjects.subject(topic, isKey);
    int id;
    try {
      // Hot path: one map lookup per record; the registry client is asked once per subject and schema.
      id = idsBySubject.computeIfAbsent(new SubjectSchema(subject, schema),
          key -> autoRegister ? registry.register(subject, schema) : registry.lookUpId(subject, schema));
    } catch (SchemaRegistryException e) {
      throw new SerializationException("cannot serialize to topic '" + topic + "': " + e.getMessage(), e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(WireFormat.MAGIC_BYTE);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writers.computeIfAbsent(schema, SpecificDatumWriter::new).write(data, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode " + schema.getFullName() + " for topic '" + topic + "'", e);
    }
    return out.toByteArray();
  }

  /** Schema caches its hash code and compares by identity first, so this key is cheap on a hit. */
  private record SubjectSchema(String subject, Schema schema) {}
}
