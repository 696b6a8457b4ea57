package org.scix.pipeline.gateway.tasks;

import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import org.scix.pipeline.gateway.api.BlockingCalls;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.tasks.TaskControl;
import org.scix.pipeline.schemas.tasks.TaskInfo;
import org.scix.pipeline.schemas.tasks.TaskLimit;
import org.scix.pipeline.schemas.tasks.TaskList;

/**
 * The Tasks gRPC service, beside the original ones: list the tasks, pause or resume one, set its
 * concurrency limit ({@link TaskAdmin} does the work). An unknown task is INVALID_ARGUMENT naming the known ones.
 */
public final class TaskService {
  private final TaskAdmin tasks;
  private final BlockingCalls calls;
  private final SchemalessAvroCodec<TaskControl> controls = SchemalessAvroCodec.of(TaskControl.class);
  private final SchemalessAvroCodec<TaskLimit> limits = SchemalessAvroCodec.of(TaskLimit.class);

  public TaskService(TaskAdmin tasks, BlockingCalls calls) {
    this.tasks = tasks;
    this.calls = calls;
  }

  public ServerServiceDefinition definition() {
    var info = new AvroMarshaller<>(SchemalessAvroCodec.of(TaskInfo.class));
    var list = new AvroMarshaller<>(SchemalessAvroCodec.of(TaskList.class));
    return ServerServiceDefinition.builder(TemplateApi.TASKS_SERVICE)
        .addMethod(TemplateApi.unary(TemplateApi.LIST_TASKS_METHOD, RawBytesMarshaller.INSTANCE, list),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer,
                () -> new TaskList(tasks.list().stream().map(TaskService::info).toList()))))
        .addMethod(TemplateApi.unary(TemplateApi.PAUSE_TASK_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer, () -> {
              TaskControl control = decode(controls, raw, "TaskControl");
              return info(tasks.setPaused(control.getTask(), true, control.getBy()));
            })))
        .addMethod(TemplateApi.unary(TemplateApi.LIMIT_TASK_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer, () -> {
              TaskLimit limit = decode(limits, raw, "TaskLimit");
              return info(tasks.setConcurrency(limit.getTask(), limit.getConcurrency(), limit.getBy()));
            })))
        .addMethod(TemplateApi.unary(TemplateApi.RESUME_TASK_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer, () -> {
              TaskControl control = decode(controls, raw, "TaskControl");
              return info(tasks.setPaused(control.getTask(), false, control.getBy()));
            })))
        .build();
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> T decode(SchemalessAvroCodec<T> codec, byte[] raw, String what) {
    try {
      return codec.decode(raw);
    } catch (InvalidAvroException e) {
      throw new InvalidRequestException("malformed " + what + ": " + e.getMessage());
    }
  }

  static TaskInfo info(TaskAdmin.TaskView view) {
    return new TaskInfo(view.task(), view.paused(), view.pausedAt() == null ? null : view.pausedAt().toString(), view.pausedBy(),
        view.concurrency());
  }
}
