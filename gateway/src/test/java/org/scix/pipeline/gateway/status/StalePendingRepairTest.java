package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.testing.TestStatuses;

/** The repair writes the job's end again, under its id, on the status topic. */
class StalePendingRepairTest {
  @Test
  void writesTheEndAgainUnderTheJobsKey() {
    MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    List<Object> serialized = new java.util.ArrayList<>();
    StalePendingRepair repair = new StalePendingRepair(producer, "TEMPLATEStatus", (topic, value) -> {
      serialized.add(value);
      return new byte[] {1};
    }, new SimpleMeterRegistry());
    JobRecord ended = JobRecord.of(TestStatuses.of("job", JobState.Pending).at(1_000).build(), 3)
        .fold(TestStatuses.of("job", JobState.Success).writer("w-2").at(2_000).build());

    repair.accept(List.of(ended));

    assertThat(producer.history()).singleElement().satisfies(record -> {
      assertThat(record.topic()).isEqualTo("TEMPLATEStatus");
      assertThat(record.key()).isEqualTo("job");
    });
    assertThat(serialized).containsExactly(ended.endEvent());
  }
}
