package org.scix.pipeline.gateway.batches;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * Batches over JSON, as the dashboard uses them. A batch's body has {@code task}, {@code ingest},
 * {@code ingest_type}, {@code priority}, {@code split} and {@code dateranges} in any order; it is
 * read to its end and checked before anything is written. An {@code idempotency-key} header works
 * as on gRPC.
 */
public final class BatchesHttpApi {
  private static final String BATCH_ID = "([0-9a-f]{32})";
  private final Batches batches;

  public BatchesHttpApi(Batches batches) {
    this.batches = batches;
  }

  /** Adds {@code POST base}, {@code GET base/<id>}, {@code GET base/<id>/jobs} and {@code POST base/<id>/cancel}. */
  public HttpRouter routes(HttpRouter router, String base) {
    String b = Pattern.quote(base);
    return router
        .post(b + "/?", request -> Reply.ok(json(submit(request))))
        .get(b + "/" + BATCH_ID, request -> Reply.ok(json(batches.status(request.path(1)))))
        .get(b + "/" + BATCH_ID + "/jobs", request -> Reply.ok(json(batches.jobs(request.path(1), request.param("after").orElse(null),
            limit(request.param("limit").orElse("100"))))))
        .post(b + "/" + BATCH_ID + "/cancel", request -> Reply.ok(json(batches.cancel(request.path(1)))));
  }

  private BatchSummary submit(HttpRouter.Request request) throws IOException, InterruptedException {
    String idempotencyKey = request.exchange().getRequestHeaders().getFirst(TemplateApi.IDEMPOTENCY_KEY_HEADER);
    try (InputStream in = request.exchange().getRequestBody(); JsonParser parser = Json.MAPPER.createParser(in)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidRequestException("a batch is a JSON object");
      }
      BatchRequest first = new BatchRequest();
      StagedDateranges listed = StagedDateranges.none();
      boolean seenDateranges = false;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if (field.equals("dateranges")) {
          if (seenDateranges) {
            throw new InvalidRequestException("dateranges: given twice");
          }
          seenDateranges = true;
          listed = batches.stage(listed(parser), 0); // staged: fields may follow, nothing is written before the body's end
          continue;
        }
        JsonNode value = parser.readValueAsTree();
        switch (field) {
          case "task" -> first.setTask(value.isTextual() ? value.asText() : value.toString());
          case "ingest" -> first.setIngest(value.isNull() ? null : value.asBoolean());
          case "ingest_type" -> first.setIngestType(value.isNull() ? null : value.asText());
          case "priority" -> first.setPriority(value.isNull() ? null : value.asText());
          case "split" -> first.setSplit(split(value));
          default -> throw new InvalidRequestException("unknown field '" + field + "': a batch has task, ingest, ingest_type, priority, "
              + "split and dateranges");
        }
      }
      if (token != JsonToken.END_OBJECT) {
        throw new InvalidRequestException("a batch is a JSON object");
      }
      return batches.submit(BatchPlan.from(first), listed, idempotencyKey);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidRequestException("not JSON: " + e.getOriginalMessage());
    }
  }

  /** The dateranges array, read one string at a time as it arrives. */
  private static BatchSource listed(JsonParser parser) {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidRequestException("dateranges: an array of strings");
    }
    return () -> {
      try {
        JsonToken next = parser.nextToken();
        if (next == JsonToken.END_ARRAY) {
          return null;
        }
        if (next != JsonToken.VALUE_STRING) {
          throw new InvalidRequestException("dateranges: an array of strings, found " + next);
        }
        return parser.getText();
      } catch (IOException e) {
        throw new InvalidRequestException("dateranges: not JSON (" + e.getMessage() + "); nothing of the batch was submitted");
      }
    };
  }

  private static SplitRange split(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject() || !value.hasNonNull("from") || !value.hasNonNull("to")) {
      throw new InvalidRequestException("split: {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\", \"days_per_job\": N}");
    }
    return new SplitRange(value.get("from").asText(), value.get("to").asText(), value.path("days_per_job").asInt(1));
  }

  private static int limit(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("limit: a number from 1 to " + Batches.MAX_PAGE + ", got '" + text + "'");
    }
  }

  static ObjectNode json(BatchSummary s) {
    return Json.object().put("batch_id", s.getBatchId()).put("total", s.getTotal()).put("pending", s.getPending())
        .put("processing", s.getProcessing()).put("success", s.getSuccess()).put("error", s.getError())
        .put("cancel_requested", s.getCancelRequested());
  }

  private static ObjectNode json(BatchJobsPage page) {
    ObjectNode node = Json.object().put("batch_id", page.getBatchId());
    ArrayNode jobs = node.putArray("jobs");
    page.getJobs().forEach(job -> jobs.addObject().put("job_id", job.getJobId()).put("status", job.getStatus()));
    return node.put("next", page.getNext());
  }
}
