package org.scix.pipeline.gateway.deadletters;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;

/**
 * The dead-letter topic is read once, by the index, however many requests are answered: a topic
 * with many dead letters does not make every request read it all (each request used to).
 */
@ExtendWith(KafkaStackExtension.class)
class DeadLetterIndexIT {
  private static final int LETTERS = 3000;

  @Test
  void requestsAreAnsweredFromTheIndexWhichReadsEachRecordOnceAndSeesANewMarkerAtOnce(KafkaStack stack) throws Exception {
    String topic = "dlt-index-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        stack.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < LETTERS; i++) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(topic, i % 2, "job-" + i, ("value " + i).getBytes(StandardCharsets.UTF_8));
        letter.headers().add("dlt.reason", "gave up".getBytes(StandardCharsets.UTF_8));
        producer.send(letter);
      }
      producer.send(marker(topic, 0, "0-0", "replayed")).get();
    }
    KafkaSettings kafka = KafkaSettings.from(Settings.of(Map.of(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl())));
    try (DeadLetters deadLetters = new DeadLetters(kafka, topic, (t, bytes) -> {
      throw new IllegalArgumentException("not a job");
    }, null, "dlt-index-test")) {
      for (int i = 0; i < 20; i++) {
        assertThat(deadLetters.list(200)).hasSize(200).first().satisfies(newest -> assertThat(newest.state()).isEqualTo("dead"));
      }
      assertThat(deadLetters.get("0-0").state()).isEqualTo("replayed"); // the oldest: fetched by its offset, outcome from the index
      assertThat(deadLetters.get("1-700").key()).isEqualTo("job-1401");
      assertThat(deadLetters.get("1-99999")).isNull();

      assertThat(deadLetters.index().recordsRead()).isEqualTo(LETTERS + 1); // once each, not once per request
      assertThat(deadLetters.count()).isEqualTo(LETTERS);

      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
          stack.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
        producer.send(marker(topic, 1, "1-5", "discarded")).get();
      }
      assertThat(deadLetters.get("1-5").state()).isEqualTo("discarded"); // the read barrier: a marker just written is seen
    }
  }

  private static ProducerRecord<String, byte[]> marker(String topic, int partition, String ref, String action) {
    ProducerRecord<String, byte[]> marker = new ProducerRecord<>(topic, partition, "marker", null);
    marker.headers().add(DeadLetters.ACTION, action.getBytes(StandardCharsets.UTF_8));
    marker.headers().add(DeadLetters.REF, ref.getBytes(StandardCharsets.UTF_8));
    return marker;
  }
}
