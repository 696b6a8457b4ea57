package org.scix.pipeline.gateway.batches;

import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import org.scix.pipeline.gateway.api.BlockingCalls;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.interceptors.CallMetadata;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchQuery;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * The Batches gRPC service, beside the original ones: submitBatch (client streaming: the first
 * message says what the jobs run; every message may list dateranges), batchStatus, batchJobs and
 * cancelBatch. Requests are schemaless Avro decoded here (a malformed one is INVALID_ARGUMENT);
 * the work runs on the batch threads, never on a gRPC thread. A stream is staged whole (flow
 * control: one message requested at a time) before its batch is written in one short transaction.
 */
public final class BatchService {
  private final Batches batches;
  private final BlockingCalls calls;
  private final long idleTimeoutMillis;
  private final SchemalessAvroCodec<BatchRequest> requests = SchemalessAvroCodec.of(BatchRequest.class);
  private final SchemalessAvroCodec<BatchQuery> queries = SchemalessAvroCodec.of(BatchQuery.class);

  /**
   * @param calls run the calls (one batch writes at a time; the others wait)
   * @param settings a stream that sends nothing for its whole timeout is refused
   */
  public BatchService(Batches batches, BlockingCalls calls, BatchSettings settings) {
    this.batches = batches;
    this.calls = calls;
    this.idleTimeoutMillis = settings.timeout().toMillis();
  }

  public ServerServiceDefinition definition() {
    var summary = new AvroMarshaller<>(SchemalessAvroCodec.of(BatchSummary.class));
    var page = new AvroMarshaller<>(SchemalessAvroCodec.of(BatchJobsPage.class));
    return ServerServiceDefinition.builder(TemplateApi.BATCHES_SERVICE)
        .addMethod(TemplateApi.clientStreaming(TemplateApi.SUBMIT_BATCH_METHOD, RawBytesMarshaller.INSTANCE, summary),
            ServerCalls.asyncClientStreamingCall(this::submitBatch))
        .addMethod(TemplateApi.unary(TemplateApi.BATCH_STATUS_METHOD, RawBytesMarshaller.INSTANCE, summary),
            ServerCalls.asyncUnaryCall((raw, observer) -> unary(observer, () -> batches.status(query(raw).getBatchId()))))
        .addMethod(TemplateApi.unary(TemplateApi.BATCH_JOBS_METHOD, RawBytesMarshaller.INSTANCE, page),
            ServerCalls.asyncUnaryCall((raw, observer) -> unary(observer, () -> {
              BatchQuery q = query(raw);
              return batches.jobs(q.getBatchId(), q.getAfter(), q.getLimit());
            })))
        .addMethod(TemplateApi.unary(TemplateApi.CANCEL_BATCH_METHOD, RawBytesMarshaller.INSTANCE, summary),
            ServerCalls.asyncUnaryCall((raw, observer) -> unary(observer, () -> batches.cancel(query(raw).getBatchId()))))
        .build();
  }

  private <R> void unary(StreamObserver<R> observer, BlockingCalls.Work<R> work) {
    calls.answer(observer, work);
  }

  private BatchQuery query(byte[] raw) {
    try {
      return queries.decode(raw);
    } catch (InvalidAvroException e) {
      throw new InvalidRequestException("malformed BatchQuery: " + e.getMessage());
    }
  }

  /** The stream is read into a small hand-off the batch's staging takes from; each take asks gRPC for one more message. */
  private StreamObserver<byte[]> submitBatch(StreamObserver<BatchSummary> observer) {
    ServerCallStreamObserver<BatchSummary> call = (ServerCallStreamObserver<BatchSummary>) observer;
    call.disableAutoRequest();
    Stream stream = new Stream(call, CallMetadata.idempotencyKey()); // read here: the gRPC context is not passed to the batch threads
    call.request(1);
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] raw) {
        stream.offer(raw);
      }

      @Override
      public void onError(Throwable t) {
        stream.offer(Stream.CANCELLED);
      }

      @Override
      public void onCompleted() {
        stream.offer(Stream.END);
        if (!stream.started) {
          stream.started = true;
          unary(observer, () -> {
            throw new InvalidRequestException("submitBatch needs at least one message (the first says the task)");
          });
        }
      }
    };
  }

  /** One submitBatch call: its messages in arrival order, taken by the batch thread. */
  private final class Stream implements BatchSource {
    static final byte[] END = new byte[0];
    static final byte[] CANCELLED = new byte[0];
    private final ServerCallStreamObserver<BatchSummary> call;
    private final String idempotencyKey;
    private final ArrayDeque<byte[]> arrived = new ArrayDeque<>();
    private Iterator<String> listed = Collections.emptyIterator();
    private long seen;
    volatile boolean started;

    Stream(ServerCallStreamObserver<BatchSummary> call, String idempotencyKey) {
      this.call = call;
      this.idempotencyKey = idempotencyKey;
    }

    synchronized void offer(byte[] raw) {
      arrived.addLast(raw);
      notifyAll();
      if (!started && raw != END && raw != CANCELLED) {
        started = true; // the first message: decode it on a batch thread and stage the batch there
        unary(call, () -> {
          BatchRequest first = decode(take());
          listed = first.getDateranges().iterator();
          call.request(1);
          return batches.submit(BatchPlan.from(first), this, idempotencyKey);
        });
      }
    }

    private synchronized byte[] take() throws InterruptedException {
      long deadline = System.currentTimeMillis() + idleTimeoutMillis;
      while (arrived.isEmpty()) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new OperationTimeoutException("the batch stream sent nothing for " + idleTimeoutMillis / 1000 + " s ("
              + BatchSettings.TIMEOUT + "); nothing of it was submitted");
        }
        wait(left);
      }
      return arrived.pollFirst();
    }

    @Override
    public String next() throws InterruptedException {
      while (!listed.hasNext()) {
        byte[] raw = take();
        if (raw == END) {
          return null;
        }
        if (raw == CANCELLED) {
          throw new OperationTimeoutException("the caller cancelled the batch stream; nothing of it was submitted");
        }
        BatchRequest more = decode(raw);
        if (more.getTask() != null || more.getSplit() != null) {
          throw new InvalidRequestException("message " + (seen + 1) + " of the stream: only the first may give task, priority or "
              + "split; later ones list dateranges");
        }
        listed = more.getDateranges().iterator();
        call.request(1);
      }
      return listed.next();
    }

    private BatchRequest decode(byte[] raw) {
      seen++;
      try {
        return requests.decode(raw);
      } catch (InvalidAvroException e) {
        throw new InvalidRequestException("message " + seen + " of the stream is not a BatchRequest: " + e.getMessage());
      }
    }
  }

}
