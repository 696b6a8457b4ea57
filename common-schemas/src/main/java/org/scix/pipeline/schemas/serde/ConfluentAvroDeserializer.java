package org.scix.pipeline.schemas.serde;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.schemas.avro.AvroBinaryValidator;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.TrustedAvroClasses;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;

/**
 * Reads Confluent-wire Avro records. The writer schema comes from the registry by the id in the
 * record; with a reader type (a generated class) records written with any compatible version,
 * older or newer, resolve to it. Without one, records are returned as {@code GenericRecord}s of
 * their writer schema.
 *
 * <p>Malformed records become a {@link SerializationException} naming the topic and the reason,
 * never a huge allocation: the body is validated against the writer schema first.
 */
public class ConfluentAvroDeserializer<T> implements Deserializer<T> {
  static {
    TrustedAvroClasses.register();
  }

  /** Kafka config key of the generated value class to read into (Confluent's name). */
  public static final String VALUE_TYPE_CONFIG = "specific.avro.value.type";

  private SchemaRegistryClient registry;
  private Schema readerSchema;
  private final Map<Integer, Reader<T>> readers = new ConcurrentHashMap<>();

  public ConfluentAvroDeserializer() {}

  public ConfluentAvroDeserializer(SchemaRegistryClient registry, Class<? extends SpecificRecord> readerType) {
    this.registry = registry;
    this.readerSchema = readerType == null ? null : SpecificData.get().getSchema(readerType);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (registry == null) {
      registry = new SchemaRegistryClient(RegistryConfig.fromConfigs(configs));
    }
    Object type = configs.get(VALUE_TYPE_CONFIG);
    if (type != null && readerSchema == null) {
      try {
        Class<?> cls = type instanceof Class<?> c ? c : Class.forName(type.toString());
        readerSchema = SpecificData.get().getSchema(cls);
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException(VALUE_TYPE_CONFIG + ": no class " + type, e);
      }
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null; // tombstone
    }
    int id = WireFormat.schemaId(topic, data);
    Reader<T> reader;
    try {
      reader = readers.computeIfAbsent(id, this::newReader);
    } catch (SchemaRegistryException e) {
      throw new SerializationException("cannot read a record of topic '" + topic + "': " + e.getMessage(), e);
    }
    byte[] body = Arrays.copyOfRange(data, WireFormat.HEADER_SIZE, data.length);
    try {
      reader.validator.validate(body);
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
      return reader.datumReader.read(null, decoder);
    } catch (InvalidAvroException | IOException | AvroRuntimeException e) {
      throw new SerializationException("malformed Avro record (schema id " + id + ") on topic '" + topic
          + "': " + e.getMessage(), e);
    }
  }

  private Reader<T> newReader(int id) {
    Schema writer = registry.getById(id);
    DatumReader<T> datumReader = readerSchema == null
        ? new GenericDatumReader<>(writer)
        : new SpecificDatumReader<>(writer, readerSchema);
    return new Reader<>(new AvroBinaryValidator(writer), datumReader);
  }

  private record Reader<T>(AvroBinaryValidator validator, DatumReader<T> datumReader) {}
}
