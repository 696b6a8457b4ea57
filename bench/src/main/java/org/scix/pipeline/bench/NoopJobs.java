package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.localstack.LocalStack;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * noop_jobs.*: the job-queue figure. No-op jobs through the whole stack as a user runs it (a
 * gateway, two workers whose tasks do nothing, Init calls 64 at a time until every job is
 * Success), after a warm-up; jobs per second, and jobs per CPU-second of every process of the
 * stack (gateway, workers, broker, registry; the load generator is not counted), with each
 * process's share per job. Next to it, in the same run, Kafka's own floor: as many records of the
 * job's size produced (acks=all, idempotent) and consumed, per CPU-second of broker and clients;
 * {@code kafka_floor_ratio} is the stack's CPU per job over Kafka's CPU for the {@value
 * #RECORDS_PER_JOB} data records a job needs (its input record, Pending, Success, output).
 *
 * <p>The warm-up runs at least {@link BenchConfig#noopWarmup()} (60 s in the full bench) so the
 * measured window is not the JIT compiling; the JIT's CPU in the window is shown apart
 * ({@code jit_cpu_share}: the compiler threads' share of the gateway's and workers' CPU).
 */
final class NoopJobs {
  private static final int OUTSTANDING = 64;
  /** Data records a no-op job needs on Kafka: the job on the input topic, Pending and Success on the status topic, its output. */
  static final int RECORDS_PER_JOB = 4;
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  /** The broker's counters reported per job: records and bytes, and the requests that carry transactions. */
  private static final List<String> PER_JOB_COUNTERS = List.of(BrokerCounters.RECORDS_IN, BrokerCounters.BYTES_IN,
      BrokerCounters.BYTES_OUT, "Produce", "Fetch", "EndTxn", "WriteTxnMarkers", "AddPartitionsToTxn", "AddOffsetsToTxn",
      "TxnOffsetCommit", "Metadata");

  private NoopJobs() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    String prefix = "bench-noop";
    int partitions = Integer.getInteger("noop.partitions", BenchContext.PARTITIONS);
    int warmupJobs = Integer.getInteger("noop.warmupJobs", c.noopWarmupJobs()); // e.g. 40,000: about 60 s, for a warm JIT
    TopicSettings topics = ctx.topics(prefix, partitions);
    Map<String, String> env = new HashMap<>(Services.topics(prefix, partitions));
    env.put(TaskSettings.SIMULATE_ALL_MS, "0");
    env.put(WorkerConfig.GROUP_ID, prefix + "-workers");
    Services.Service gateway = ctx.services().gateway(prefix + "-gw", env, "1g");
    List<Services.Service> workers = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      workers.add(ctx.services().worker(prefix + "-w" + i, env));
    }
    WorkerScaling.awaitAssigned(ctx, prefix + "-workers", workers.size(), partitions);

    ctx.say("noop jobs: at least %d and %d s to warm up, then %d measured, %d calls at a time", warmupJobs,
        c.noopWarmup().toSeconds(), c.noopJobs(), OUTSTANDING);
    long warmupStart = System.nanoTime();
    long warmupSent = 0;
    long warmupFailed = 0;
    do {
      warmupFailed += send(gateway, warmupJobs);
      warmupSent += warmupJobs;
      Topics.awaitSuccesses(ctx, topics.status(), (int) (warmupSent - warmupFailed), TIMEOUT);
    } while (System.nanoTime() - warmupStart < c.noopWarmup().toNanos());
    results.info("noop_jobs.warmup_jobs", warmupSent);

    long brokerPid = ctx.stack() instanceof LocalStack local ? local.broker().pid() : -1;
    long registryPid = ctx.stack() instanceof LocalStack local ? local.registry().pid() : -1;
    Map<String, Long> brokerBefore = brokerPid > 0 ? BrokerCounters.snapshot(brokerPid) : Map.of();
    double[] transactionsBefore = transactions(ctx, gateway, workers);
    long[] before = cpu(gateway, workers, brokerPid, registryPid);
    long jitBefore = jitCpu(gateway, workers);
    long start = System.nanoTime();
    long failed = send(gateway, c.noopJobs());
    Topics.awaitSuccesses(ctx, topics.status(), (int) (warmupSent - warmupFailed + c.noopJobs() - failed), TIMEOUT);
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] after = cpu(gateway, workers, brokerPid, registryPid);
    long jitNs = jitCpu(gateway, workers) - jitBefore;
    double[] transactionsAfter = transactions(ctx, gateway, workers);
    Map<String, Long> brokerAfter = brokerPid > 0 ? BrokerCounters.snapshot(brokerPid) : Map.of();
    workers.forEach(ctx.services()::stop);
    ctx.services().stop(gateway);

    double jobs = c.noopJobs() - failed;
    long gatewayNs = after[0] - before[0];
    long workersNs = after[1] - before[1];
    long brokerNs = after[2] - before[2];
    long registryNs = after[3] - before[3];
    double totalSeconds = (gatewayNs + workersNs + brokerNs + registryNs) / 1e9;
    results.put("noop_jobs.jobs", jobs);
    results.put("noop_jobs.failed_calls", warmupFailed + failed);
    results.put("noop_jobs.jobs_per_s", jobs / seconds);
    results.put("noop_jobs.jobs_per_cpu_s", jobs / totalSeconds);
    results.put("noop_jobs.cpu_us_per_job", totalSeconds * 1e6 / jobs);
    results.put("noop_jobs.jit_cpu_share", jitNs / 1e9 / totalSeconds);
    results.put("noop_jobs.jobs_per_cpu_s_without_jit", jobs / (totalSeconds - jitNs / 1e9));
    results.put("noop_jobs.cpu_us_per_job_gateway", gatewayNs / 1e3 / jobs);
    results.put("noop_jobs.cpu_us_per_job_worker", workersNs / 1e3 / jobs);
    results.put("noop_jobs.cpu_us_per_job_broker", brokerNs / 1e3 / jobs);
    results.put("noop_jobs.cpu_us_per_job_registry", registryNs / 1e3 / jobs);
    results.put("noop_jobs.jobs_per_submit_transaction", jobs / (transactionsAfter[0] - transactionsBefore[0]));
    results.put("noop_jobs.jobs_per_worker_transaction", jobs / (transactionsAfter[1] - transactionsBefore[1]));
    // Where the broker's share goes: what each job asked of it (the bench's own status reader included).
    for (String counter : PER_JOB_COUNTERS) {
      if (brokerAfter.containsKey(counter)) {
        String key = counter.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        results.put("noop_jobs.broker_" + key + "_per_job", (brokerAfter.get(counter) - brokerBefore.getOrDefault(counter, 0L)) / jobs);
      }
    }

    ctx.say("noop jobs: Kafka's own produce + consume of %d records of %d bytes", c.noopJobs() * RECORDS_PER_JOB,
        SubmitThroughput.jobRecordSize());
    double kafkaRecordsPerCpuS = kafkaRecordsPerCpuSecond(ctx, prefix + "-kafka", c.noopJobs() * RECORDS_PER_JOB, brokerPid);
    results.put("noop_jobs.kafka_records_per_cpu_s", kafkaRecordsPerCpuS);
    results.put("noop_jobs.kafka_cpu_us_per_job_records", RECORDS_PER_JOB * 1e6 / kafkaRecordsPerCpuS);
    results.put("noop_jobs.kafka_floor_ratio", results.get("noop_jobs.cpu_us_per_job") / results.get("noop_jobs.kafka_cpu_us_per_job_records"));
  }

  /** CPU nanoseconds the JIT's compiler threads of the gateway and the workers used so far (threads that exited are not counted). */
  private static long jitCpu(Services.Service gateway, List<Services.Service> workers) {
    return ProcessCpu.compilerThreadNanos(gateway.pid()) + workers.stream().mapToLong(w -> ProcessCpu.compilerThreadNanos(w.pid())).sum();
  }

  /**
   * Sends the jobs; the number of calls that failed. A failed call is counted, not retried, and
   * its job not awaited (a call told "outcome unknown" may still have left a job behind, which only
   * makes the figure slightly pessimistic); more than 1% failed fails the scenario.
   */
  private static long send(Services.Service gateway, int jobs) throws InterruptedException {
    long failed = SubmitLoad.sendAll(gateway.grpcPort(), jobs, OUTSTANDING);
    if (failed > jobs / 100) {
      throw new IllegalStateException(failed + " of " + jobs + " Init calls failed; see the gateway's log");
    }
    return failed;
  }

  /** Transactions committed so far: the gateway's submit transactions, the workers' together. */
  private static double[] transactions(BenchContext ctx, Services.Service gateway, List<Services.Service> workers) throws Exception {
    double worker = 0;
    for (Services.Service w : workers) {
      worker += ctx.services().metric(w, "pipeline_worker_transactions_total");
    }
    return new double[] {ctx.services().metric(gateway, "pipeline_submit_batch_size_count"), worker};
  }

  /** CPU nanoseconds so far: the gateway, the workers together, the broker, the registry (0 where unknown). */
  private static long[] cpu(Services.Service gateway, List<Services.Service> workers, long brokerPid, long registryPid) {
    long workersNs = workers.stream().mapToLong(w -> ProcessCpu.nanos(w.pid())).sum();
    return new long[] {ProcessCpu.nanos(gateway.pid()), workersNs, brokerPid > 0 ? ProcessCpu.nanos(brokerPid) : 0,
        registryPid > 0 ? ProcessCpu.nanos(registryPid) : 0};
  }

  /**
   * Records produced (acks=all, idempotent, batched as Kafka's defaults batch them) and consumed
   * back, per CPU-second of the broker and of this JVM (the clients; it does nothing else meanwhile).
   */
  private static double kafkaRecordsPerCpuSecond(BenchContext ctx, String topic, int records, long brokerPid) throws Exception {
    ctx.topics(topic); // created like the pipeline's topics (the input topic among them)
    String input = topic + ".TEMPLATEInput";
    byte[] value = new byte[SubmitThroughput.jobRecordSize()];
    long self = ProcessHandle.current().pid();
    long before = ProcessCpu.nanos(self) + (brokerPid > 0 ? ProcessCpu.nanos(brokerPid) : 0);
    Properties producerConfig = new Properties();
    producerConfig.putAll(ctx.kafka().clientConfig());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(input, Integer.toString(i).getBytes(), value));
      }
      producer.flush();
    }
    Properties consumerConfig = new Properties();
    consumerConfig.putAll(ctx.kafka().clientConfig());
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    int read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(input, Duration.ofSeconds(15)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (read < records && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        read += batch.count();
      }
    }
    if (read < records) {
      throw new IllegalStateException("read back only " + read + " of " + records + " records");
    }
    long after = ProcessCpu.nanos(self) + (brokerPid > 0 ? ProcessCpu.nanos(brokerPid) : 0);
    return records / ((after - before) / 1e9);
  }
}
