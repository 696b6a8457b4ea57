package org.scix.pipeline.gateway;

import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.util.HostNames;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.gateway.batches.BatchSettings;
import org.scix.pipeline.gateway.delayed.DelayedJobsSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.gateway.submit.SubmitterSettings;

/**
 * Everything the gateway reads at start, validated there: the settings of each of its parts, each
 * owned (keys, defaults, checks) by that part's record. Every key is listed in docs/configuration.md.
 *
 * @param instanceId stable per replica; names the transactional producers so a restart fences its predecessor
 * @param opsPort metrics and health probes (0: off)
 */
public record GatewayConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    String instanceId,
    GrpcServerSettings server,
    SubmitterSettings submitter,
    ApiSettings api,
    StatusViewSettings statusView,
    DashboardSettings dashboard,
    DelayedJobsSettings delayed,
    BatchSettings batches,
    int opsPort) {

  public static final String INSTANCE_ID = "GATEWAY_INSTANCE_ID";
  public static final String OPS_PORT = "GATEWAY_OPS_PORT";

  public static GatewayConfig from(Settings s) {
    GrpcServerSettings server = GrpcServerSettings.from(s);
    String instanceId = s.string(INSTANCE_ID, HostNames.local("gateway") + "-" + server.port());
    if (!instanceId.matches("[A-Za-z0-9._-]{1,200}")) {
      throw new ConfigException(INSTANCE_ID, "use letters, digits, '.', '_' and '-' only, got '" + instanceId + "'");
    }
    ApiSettings api = ApiSettings.from(s);
    StatusViewSettings statusView = StatusViewSettings.from(s);
    if (statusView.retention().compareTo(api.idempotencyWindow().multipliedBy(2)) < 0) {
      // A repeat of a key maps to its job for up to two windows; forgetting it sooner would run it again.
      throw new ConfigException(StatusViewSettings.RETENTION, "must be at least twice " + ApiSettings.IDEMPOTENCY_WINDOW + " ("
          + api.idempotencyWindow().toMillis() + " ms), got " + statusView.retention().toMillis() + " ms");
    }
    TopicSettings topics = TopicSettings.from(s);
    return new GatewayConfig(
        KafkaSettings.from(s),
        topics,
        instanceId,
        server,
        SubmitterSettings.from(s, instanceId),
        api,
        statusView,
        DashboardSettings.from(s),
        DelayedJobsSettings.from(s, topics),
        BatchSettings.from(s),
        s.integer(OPS_PORT, 9464, 0, 65535));
  }
}
