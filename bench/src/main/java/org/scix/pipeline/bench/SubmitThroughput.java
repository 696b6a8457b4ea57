package org.scix.pipeline.bench;

import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;

/** submit.*: the gateway's Init rate next to gRPC's (no-op server, same codec) and Kafka's producer on the same broker. */
final class SubmitThroughput {
  private SubmitThroughput() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    ctx.say("submit: no-op gRPC server, %d outstanding calls, %d s", c.submitConcurrency(), c.submitMeasure().toSeconds());
    Services.Service noop = ctx.services().noopServer();
    SubmitLoad.Outcome grpc = SubmitLoad.run(noop.grpcPort(), noop.pid(), c.submitConcurrency(), c.submitWarmup(), c.submitMeasure());
    ctx.services().stop(noop);
    results.put("submit.grpc_noop_rps", grpc.callsPerSecond());
    results.put("submit.noop_cpu_us_per_call", grpc.cpuMicrosPerCall());

    ctx.topics("bench-submit");
    ctx.say("submit: gateway (acks=all, Pending after the commit)");
    Services.Service gateway = ctx.services().gateway("bench-submit-gw", Services.topics("bench-submit", BenchContext.PARTITIONS), "1g");
    SubmitLoad.Outcome ours = SubmitLoad.run(gateway.grpcPort(), gateway.pid(), c.submitConcurrency(), c.submitWarmup(), c.submitMeasure());
    ctx.services().stop(gateway);
    results.put("submit.gateway_rps", ours.callsPerSecond());
    results.put("submit.gateway_cpu_us_per_call", ours.cpuMicrosPerCall());
    results.put("submit.gateway_failed_calls", ours.failed());

    // Context for the CPU ratio: the same no-op, answering as late as the gateway did (its mean
    // call time, by Little's law), so gRPC handles as few calls per read and write as it did there.
    long answerEveryMs = Math.max(1, Math.round(1000.0 * c.submitConcurrency() / Math.max(1, ours.callsPerSecond())));
    ctx.say("submit: no-op gRPC server answering every %d ms (the gateway's mean call time)", answerEveryMs);
    Services.Service late = ctx.services().noopServer(answerEveryMs);
    SubmitLoad.Outcome lateNoop = SubmitLoad.run(late.grpcPort(), late.pid(), c.submitConcurrency(), c.submitWarmup(), c.submitMeasure());
    ctx.services().stop(late);
    results.put("submit.noop_same_latency_answer_ms", answerEveryMs);
    results.put("submit.noop_same_latency_rps", lateNoop.callsPerSecond());
    results.put("submit.noop_same_latency_cpu_us_per_call", lateNoop.cpuMicrosPerCall());

    int recordSize = jobRecordSize();
    ctx.say("submit: Kafka ProducerPerformance, %d records of %d bytes, acks=all", c.producerRecords(), recordSize);
    results.put("submit.kafka_producer_rps", KafkaTools.producerRecordsPerSecond(ctx, "bench-producer-perf", c.producerRecords(), recordSize));
    results.put("submit.record_bytes", recordSize);
  }

  /** Bytes of the job record the gateway writes: Confluent header (5) + the Avro job. */
  static int jobRecordSize() {
    SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
    TemplateInput job = codec.decode(SubmitLoad.INIT);
    job.setHash("0".repeat(64));
    job.setStatus(statusenum.Pending);
    job.getTaskArgs().setPersistence(null);
    return 5 + codec.encode(job).length;
  }
}
