package org.scix.pipeline.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API (also served by Apicurio under
 * {@code /apis/ccompat/v7}; the base URL may carry such a path).
 *
 * <p>Registrations and lookups by id are cached for the life of the client, so once a schema is
 * known, a registry outage only affects schemas never seen before. Thread-safe.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final Optional<String> authorization;
  private final Duration timeout;
  private final HttpClient http;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

  public SchemaRegistryClient(RegistryConfig config) {
    this.baseUrl = config.url().endsWith("/") ? config.url().substring(0, config.url().length() - 1) : config.url();
    this.authorization = config.basicAuthUserInfo()
        .map(userInfo -> "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
    this.timeout = config.requestTimeout();
    this.http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
  public int register(String subject, Schema schema) {
    String cacheKey = subject + '\0' + schema.toString();
    Integer cached = idsBySubjectAndSchema.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema),
        "register a schema under subject '" + subject + "'");
    int id = answer.path("id").asInt();
    idsBySubjectAndSchema.put(cacheKey, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /** The id of {@code schema} if it is already registered under {@code subject}, without registering it. */
  public int lookUpId(String subject, Schema schema) {
    String cacheKey = subject + '\0' + schema.toString();
    Integer cached = idsBySubjectAndSchema.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("POST", "/subjects/" + encode(subject), schemaBody(schema),
        "look up a schema under subject '" + subject + "'");
    int id = answer.path("id").asInt();
    idsBySubjectAndSchema.put(cacheKey, id);
    return id;
  }

  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
    Schema schema = parse(answer.path("schema").asText(), "schema id " + id);
    schemasById.putIfAbsent(id, schema);
    return schema;
  }

  public RegisteredSchema getLatest(String subject) {
    JsonNode answer = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null,
        "fetch the latest version of subject '" + subject + "'");
    Schema schema = parse(answer.path("schema").asText(), "subject '" + subject + "'");
    int id = answer.path("id").asInt();
    schemasById.putIfAbsent(id, schema);
    return new RegisteredSchema(subject, answer.path("version").asInt(), id, schema);
  }

  /** Whether {@code schema} may be registered as the next version of {@code subject}. */
  public boolean isCompatible(String subject, Schema schema) {
    JsonNode answer = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
        schemaBody(schema), "check compatibility with subject '" + subject + "'");
    return answer.path("is_compatible").asBoolean(false);
  }

  /** Sets the global compatibility level (e.g. {@code BACKWARD}). */
  public void setGlobalCompatibility(String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    call("PUT", "/config", body.toString(), "set global compatibility to " + level);
  }

  private JsonNode call(String method, String path, String body, String action) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(timeout)
        .header("Accept", CONTENT_TYPE + ", application/json");
    authorization.ifPresent(value -> request.header("Authorization", value));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SchemaRegistryException("cannot " + action + ": schema registry at " + baseUrl
          + " is unreachable (" + e + ")", 0, 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while trying to " + action, 0, 0, e);
    }
    JsonNode json = readJson(response.body());
    if (response.statusCode() / 100 != 2) {
      int errorCode = json.path("error_code").asInt(response.statusCode());
      String message = json.path("message").asText(response.body());
      throw new SchemaRegistryException("cannot " + action + ": " + describe(response.statusCode(), errorCode)
          + " (HTTP " + response.statusCode() + ", error_code " + errorCode + ": " + message + ")",
          response.statusCode(), errorCode, null);
    }
    return json;
  }

  private static String describe(int status, int errorCode) {
    return switch (errorCode) {
      case SchemaRegistryException.SUBJECT_NOT_FOUND -> "subject not found";
      case SchemaRegistryException.VERSION_NOT_FOUND -> "version not found";
      case SchemaRegistryException.SCHEMA_NOT_FOUND -> "schema not found";
      case SchemaRegistryException.INVALID_SCHEMA -> "invalid schema";
      default -> switch (status) {
        case 401, 403 -> "not authorized";
        case 409 -> "schema is incompatible with an earlier version";
        case 422 -> "invalid request";
        default -> status >= 500 ? "registry error" : "unexpected answer";
      };
    };
  }

  private static JsonNode readJson(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode().put("message", body);
    }
  }

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static Schema parse(String text, String what) {
    try {
      return new Schema.Parser().parse(text);
    } catch (RuntimeException e) {
      throw new SchemaRegistryException("registry returned an unparsable Avro schema for " + what + ": "
          + e.getMessage(), 200, 0, e);
    }
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
