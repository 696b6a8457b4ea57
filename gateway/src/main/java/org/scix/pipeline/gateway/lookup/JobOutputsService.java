package org.scix.pipeline.gateway.lookup;

import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.nio.ByteBuffer;
import org.scix.pipeline.gateway.api.BlockingCalls;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.jobs.JobOutputs;
import org.scix.pipeline.schemas.jobs.JobRef;
import org.scix.pipeline.schemas.output.TemplateOutput;

/** The Jobs gRPC service: {@code jobOutputs}, a job's outputs by its id ({@link OutputsByJob}), each as schemaless Avro of the seed TemplateOutput. */
public final class JobOutputsService {
  private final OutputsByJob outputs;
  private final BlockingCalls calls;
  private final SchemalessAvroCodec<JobRef> refs = SchemalessAvroCodec.of(JobRef.class);
  private final SchemalessAvroCodec<TemplateOutput> outputCodec = SchemalessAvroCodec.of(TemplateOutput.class);

  public JobOutputsService(OutputsByJob outputs, BlockingCalls calls) {
    this.outputs = outputs;
    this.calls = calls;
  }

  public ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(TemplateApi.JOBS_SERVICE)
        .addMethod(TemplateApi.unary(TemplateApi.JOB_OUTPUTS_METHOD, RawBytesMarshaller.INSTANCE,
                new AvroMarshaller<>(SchemalessAvroCodec.of(JobOutputs.class))),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer, () -> answer(outputs.find(jobId(raw))))))
        .build();
  }

  private String jobId(byte[] raw) {
    try {
      return refs.decode(raw).getJobId();
    } catch (InvalidAvroException e) {
      throw new InvalidRequestException("malformed JobRef: " + e.getMessage());
    }
  }

  private JobOutputs answer(OutputsByJob.Answer found) {
    return JobOutputs.newBuilder().setJobId(found.jobId()).setStatus(found.state().name()).setTopic(found.topic())
        .setPartition(found.partition()).setOffsets(found.offsets())
        .setOutputs(found.outputs().stream().map(o -> ByteBuffer.wrap(outputCodec.encode(o))).toList())
        .setMissing(found.missing()).build();
  }
}
