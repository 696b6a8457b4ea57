package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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

  /**
   * Kafka's own floor for one transactional round on this broker: begin, send one record of the
   * job's size, send offsets for a group, commit. Returns {p50, p99} in ms over {@code rounds}.
   *
   * @param retryBackoffMs the producer's retry.backoff.ms, null for Kafka's default (100 ms): a
   *     round begun right after the previous commit may find its markers still being written
   *     (CONCURRENT_TRANSACTIONS) and waits that long before it retries
   */
  static double[] transactionalRoundMs(BenchContext ctx, String topic, int rounds, int recordSize, Integer retryBackoffMs)
      throws Exception {
    createTopic(ctx, topic, 1);
    Map<String, Object> config = new HashMap<>();
    if (retryBackoffMs != null) {
      config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, retryBackoffMs);
    }
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.stack().bootstrapServers());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    TopicPartition partition = new TopicPartition(topic, 0);
    ConsumerGroupMetadata group = new ConsumerGroupMetadata("bench-txn-floor-group");
    byte[] value = new byte[recordSize];
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      for (int i = 0; i < rounds + rounds / 10; i++) {
        long start = System.nanoTime();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, 0, null, value));
        producer.sendOffsetsToTransaction(Map.of(partition, new OffsetAndMetadata(i)), group);
        producer.commitTransaction();
        if (i >= rounds / 10) { // the first tenth warms up
          histogram.recordValue((System.nanoTime() - start) / 1000);
        }
      }
    }
    return new double[] {histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0};
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
