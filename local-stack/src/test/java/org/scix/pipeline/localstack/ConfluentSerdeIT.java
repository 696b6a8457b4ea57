package org.scix.pipeline.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.serde.ConfluentAvroSerializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/** The Confluent-wire serde and registry client against the real broker and the real registry. */
@ExtendWith(KafkaStackExtension.class)
class ConfluentSerdeIT {
  private KafkaStack stack;
  private SchemaRegistryClient registry;

  @BeforeEach
  void setUp(KafkaStack stack) {
    this.stack = stack;
    this.registry = new SchemaRegistryClient(RegistryConfig.of(stack.schemaRegistryUrl()));
  }

  @Test
  void specificRecordRoundTripsThroughATopicAndItsSchemaLandsUnderTopicValue() {
    String topic = "serde-roundtrip-" + UUID.randomUUID();
    JobStatus sent = JobStatus.newBuilder()
        .setJobId("a".repeat(64)).setStatus(JobState.Processing).setTask("SYMBOL1")
        .setTime(Instant.ofEpochMilli(1_700_000_000_000L)).setAttempt(2).setWorker("w-1").build();

    try (KafkaProducer<String, JobStatus> producer = producer(new ConfluentAvroSerializer<>(registry))) {
      producer.send(new ProducerRecord<>(topic, sent.getJobId(), sent)).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    List<ConsumerRecord<String, JobStatus>> received =
        consumeAll(topic, new ConfluentAvroDeserializer<>(registry, JobStatus.class), 1);

    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.value()).isEqualTo(sent);
      assertThat(r.key()).isEqualTo(sent.getJobId());
    });
    assertThat(registry.getLatest(topic + "-value").schema()).isEqualTo(JobStatus.getClassSchema());
  }

  @Test
  void recordsFramedWithMagicByteAndSchemaId() {
    String topic = "serde-wire-" + UUID.randomUUID();
    JobStatus status = JobStatus.newBuilder().setJobId("b".repeat(64)).setStatus(JobState.Pending)
        .setTime(Instant.EPOCH).build();
    byte[] bytes = new ConfluentAvroSerializer<JobStatus>(registry).serialize(topic, status);
    int id = registry.getLatest(topic + "-value").id();

    assertThat(bytes[0]).isZero();
    assertThat(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
  }

  @Test
  void incompatibleSchemaChangeIsRejectedWith409NamingTheSubject() {
    String subject = "serde-incompatible-" + UUID.randomUUID() + "-value";
    Schema v1 = SchemaBuilder.record("Thing").fields().requiredString("name").endRecord();
    Schema incompatible = SchemaBuilder.record("Thing").fields().requiredString("name").requiredInt("size").endRecord();
    registry.register(subject, v1);

    assertThat(registry.isCompatible(subject, incompatible)).isFalse();
    assertThatThrownBy(() -> registry.register(subject, incompatible))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(409);
          assertThat(e.isIncompatible()).isTrue();
          assertThat(e.getMessage()).contains(subject).contains("incompatible");
        });
  }

  @Test
  void newerCompatibleVersionIsReadByOlderReaderAndOlderByNewer() {
    String topic = "serde-evolution-" + UUID.randomUUID();
    Schema v1 = SchemaBuilder.record("Thing").fields().requiredString("name").endRecord();
    Schema v2 = SchemaBuilder.record("Thing").fields().requiredString("name")
        .name("size").type().intType().intDefault(7).endRecord();
    GenericRecord oldRecord = new GenericData.Record(v1);
    oldRecord.put("name", "old");
    GenericRecord newRecord = new GenericData.Record(v2);
    newRecord.put("name", "new");
    newRecord.put("size", 42);

    ConfluentAvroSerializer<GenericRecord> serializer = new ConfluentAvroSerializer<>(registry);
    byte[] written1 = serializer.serialize(topic, oldRecord);
    byte[] written2 = serializer.serialize(topic, newRecord); // v2 is BACKWARD-compatible: accepted

    // A v1 reader reads the v2 record (drops 'size'); a v2 reader reads the v1 record (default 7).
    GenericRecord readOld = readAs(v1, topic, written2);
    GenericRecord readNew = readAs(v2, topic, written1);
    assertThat(readOld.get("name").toString()).isEqualTo("new");
    assertThat(readOld.getSchema().getField("size")).isNull();
    assertThat(readNew.get("name").toString()).isEqualTo("old");
    assertThat(readNew.get("size")).isEqualTo(7);
  }

  @Test
  void unknownSubjectAndUnknownIdAreNamedInTheError() {
    assertThatThrownBy(() -> registry.getLatest("no-such-subject"))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
          assertThat(e.getMessage()).contains("no-such-subject").contains("subject not found");
        });
    assertThatThrownBy(() -> registry.getById(987_654))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
          assertThat(e.getMessage()).contains("987654");
        });
  }

  @Test
  void unreachableRegistryFailsClearlyButCachedSchemasKeepWorking() {
    String topic = "serde-cache-" + UUID.randomUUID();
    JobStatus status = JobStatus.newBuilder().setJobId("c".repeat(64)).setStatus(JobState.Success)
        .setTime(Instant.EPOCH).build();
    ConfluentAvroSerializer<JobStatus> serializer = new ConfluentAvroSerializer<>(registry);
    byte[] first = serializer.serialize(topic, status);
    ConfluentAvroDeserializer<JobStatus> deserializer = new ConfluentAvroDeserializer<>(registry, JobStatus.class);
    deserializer.deserialize(topic, first);

    // Same cache, registry gone: known schemas still work.
    SchemaRegistryClient down = new SchemaRegistryClient(RegistryConfig.of("http://127.0.0.1:" + Ports.free()));
    assertThatThrownBy(() -> down.getLatest("x-value"))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.isUnreachable()).isTrue();
          assertThat(e.getMessage()).contains("unreachable").contains("x-value");
        });
    assertThat(serializer.serialize(topic, status)).isEqualTo(first);
    assertThat(deserializer.deserialize(topic, first)).isEqualTo(status);
  }

  @Test
  void malformedRecordBecomesASerializationExceptionNamingTheTopic() {
    ConfluentAvroDeserializer<JobStatus> deserializer = new ConfluentAvroDeserializer<>(registry, JobStatus.class);
    assertThatThrownBy(() -> deserializer.deserialize("t1", new byte[] {1, 2, 3, 4, 5, 6}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("t1").hasMessageContaining("magic");
    byte[] body = new ConfluentAvroSerializer<JobStatus>(registry).serialize("t2",
        JobStatus.newBuilder().setJobId("d".repeat(64)).setStatus(JobState.Success).setTime(Instant.EPOCH).build());
    byte[] truncated = java.util.Arrays.copyOf(body, body.length - 3);
    assertThatThrownBy(() -> deserializer.deserialize("t2", truncated))
        .isInstanceOf(SerializationException.class).hasMessageContaining("t2").hasMessageContaining("malformed");
  }

  @Test
  void rootPathProxyServesTheConfluentApiWhereExistingClientsLook() throws Exception {
    String subject = "proxy-" + UUID.randomUUID();
    Schema schema = SchemaBuilder.record("P").fields().requiredString("x").endRecord();
    int id = registry.register(subject, schema);
    try (RegistryRootProxy proxy = new RegistryRootProxy("127.0.0.1", 0, stack.schemaRegistryUrl())) {
      SchemaRegistryClient viaRoot = new SchemaRegistryClient(RegistryConfig.of(proxy.url()));
      assertThat(viaRoot.getLatest(subject).id()).isEqualTo(id);
      assertThat(viaRoot.getLatest(subject).schema()).isEqualTo(schema);
    }
  }

  private GenericRecord readAs(Schema reader, String topic, byte[] data) {
    ConfluentAvroDeserializer<GenericRecord> generic = new ConfluentAvroDeserializer<>(registry, null);
    GenericRecord written = generic.deserialize(topic, data);
    // Resolve through the same writer schema into the reader's shape.
    org.apache.avro.generic.GenericDatumReader<GenericRecord> resolving =
        new org.apache.avro.generic.GenericDatumReader<>(written.getSchema(), reader);
    try {
      return resolving.read(null, org.apache.avro.io.DecoderFactory.get()
          .binaryDecoder(java.util.Arrays.copyOfRange(data, 5, data.length), null));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private <V> KafkaProducer<String, V> producer(org.apache.kafka.common.serialization.Serializer<V> serializer) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), serializer);
  }

  private <V> List<ConsumerRecord<String, V>> consumeAll(String topic,
      org.apache.kafka.common.serialization.Deserializer<V> deserializer, int expected) {
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "serde-it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), deserializer)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
