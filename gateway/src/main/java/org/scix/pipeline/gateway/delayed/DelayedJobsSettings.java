package org.scix.pipeline.gateway.delayed;

import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;

/**
 * How the gateway replicas share the delayed jobs.
 *
 * @param groupId the consumer group of all replicas of one deployment on the delayed topic: each
 *     partition, and the delayed jobs on it, is owned by one replica at a time
 */
public record DelayedJobsSettings(String groupId) {
  public static final String GROUP_ID = "DELAYED_GROUP_ID";

  public static DelayedJobsSettings from(Settings s, TopicSettings topics) {
    return new DelayedJobsSettings(s.string(GROUP_ID, "scix-gateways-" + topics.delayed()));
  }
}
