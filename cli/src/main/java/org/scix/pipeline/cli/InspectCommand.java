package org.scix.pipeline.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.kafka.TopicReader.From;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print a topic's records as JSON lines, decoded through the schema registry.")
final class InspectCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "TOPIC")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the oldest record (default: only new records, with --follow).")
  boolean fromBeginning;

  @Option(names = "--max", description = "Stop after this many records.")
  Integer max;

  @Option(names = "--follow", description = "Keep reading new records.")
  boolean follow;

  @Option(names = "--partition")
  Integer partition;

  @Option(names = "--key", description = "Only records with this key.")
  String key;

  @Override
  public Integer call() {
    KafkaTarget target = new KafkaTarget();
    RecordJson json = new RecordJson(new ConfluentAvroDeserializer<>(new SchemaRegistryClient(target.kafka.registry()), null));
    AtomicInteger printed = new AtomicInteger();
    try (TopicReader reader = TopicReader.open(target.kafka, "scix-pipeline-cli")) {
      List<TopicPartition> partitions = reader.partitions(topic, KafkaTarget.REACH_TIMEOUT).stream()
          .filter(p -> partition == null || p.partition() == partition).toList();
      if (partitions.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' has no partition " + partition);
      }
      reader.read(partitions, fromBeginning ? From.BEGINNING : From.END, follow, record -> {
        if (key == null || key.equals(record.key())) {
          System.out.println(json.render(record));
          printed.incrementAndGet();
        }
      }, () -> max != null && printed.get() >= max);
    }
    return 0;
  }
}
