package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.scix.pipeline.localstack.BuildLayout;

/** Kafka's own measuring tools (kafka-tools, on the broker's classpath), run as child JVMs on the same broker. */
final class KafkaTools {
  private static final Pattern RECORDS_PER_SEC = Pattern.compile("([0-9.]+) records/sec");
  private static final Pattern P50 = Pattern.compile("50th = ([0-9.]+)");
  private static final Pattern P99 = Pattern.compile("99th = ([0-9.]+)");

  private KafkaTools() {}

  /** ProducerPerformance: records/s with acks=all, idempotent (the producer default), unlimited offered rate. */
  static double producerRecordsPerSecond(BenchContext ctx, String topic, int records, int recordSize) throws Exception {
    createTopic(ctx, topic, BenchContext.PARTITIONS);
    String output = ctx.services().runTool("producer-performance", new BuildLayout().brokerClasspath(),
        "org.apache.kafka.tools.ProducerPerformance",
        List.of("--topic", topic, "--num-records", Integer.toString(records), "--record-size", Integer.toString(recordSize),
            "--throughput", "-1", "--producer-props", "bootstrap.servers=" + ctx.stack().bootstrapServers(), "acks=all"),
        Duration.ofMinutes(5));
    return last(RECORDS_PER_SEC, output, "ProducerPerformance");
  }

  /** EndToEndLatency: one producer-to-consumer hop, acks=all; returns {p50, p99} in ms. */
  static double[] endToEndLatencyMs(BenchContext ctx, String topic, int records, int recordSize) throws Exception {
    createTopic(ctx, topic, 1);
    String output = ctx.services().runTool("end-to-end-latency", new BuildLayout().brokerClasspath(),
        "org.apache.kafka.tools.EndToEndLatency",
        List.of(ctx.stack().bootstrapServers(), topic, Integer.toString(records), "all", Integer.toString(recordSize)),
        Duration.ofMinutes(5));
    return new double[] {last(P50, output, "EndToEndLatency"), last(P99, output, "EndToEndLatency")};
  }

  private static void createTopic(BenchContext ctx, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", ctx.stack().bootstrapServers()))) {
      if (!admin.listTopics().names().get().contains(topic)) {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      }
    }
  }

  private static double last(Pattern pattern, String output, String tool) {
    Matcher m = pattern.matcher(output);
    Double value = null;
    while (m.find()) {
      value = Double.parseDouble(m.group(1));
    }
    if (value == null) {
      throw new IllegalStateException(tool + " printed no " + pattern + ":\n" + output);
    }
    return value;
  }
}
