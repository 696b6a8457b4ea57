package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a fenced worker may take its transactional id again: only if the consumer group, asked
 * after the fencing, has no member with this worker's client id other than this worker's own
 * consumer. A successor (a process started under the same instance id, so with the same
 * transactional and client ids) is a member of the group while it runs; a worker that finds one
 * stops rather than fence it in turn. What the group shows is what the broker knows, not a guess
 * from elapsed time: the coordinator's abort of a transaction that outlived its timeout (a worker
 * paused, or Kafka away) leaves no other member, and the worker carries on with a new producer.
 * A successor that started but has not joined yet is not seen; if this worker then takes the id
 * again, the successor's next commit is fenced and its own check finds this worker: one of the
 * two stops, and the consumer group's generation keeps either from committing stale results.
 * While the group cannot be described (Kafka away) the check waits, retrying, as long as the loop runs.
 */
final class GroupSuccessorCheck implements TransactionalWriter.SuccessorCheck {
  private static final Logger log = LoggerFactory.getLogger(GroupSuccessorCheck.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  /** A member of the group: its member id and client id. */
  record Member(String memberId, String clientId) {}

  private final Function<String, Collection<Member>> describe;
  private final String groupId;
  private final String clientId;
  private final BooleanSupplier keepTrying;
  private volatile String ownMemberId = "";

  /** @param describe the group's members now; throws when Kafka cannot tell */
  GroupSuccessorCheck(Function<String, Collection<Member>> describe, String groupId, String clientId, BooleanSupplier keepTrying) {
    this.describe = describe;
    this.groupId = groupId;
    this.clientId = clientId;
    this.keepTrying = keepTrying;
  }

  /** Describes the group through an admin client made for each check (checks are rare: after a fencing). */
  static GroupSuccessorCheck overAdmin(KafkaSettings kafka, String groupId, String clientId, BooleanSupplier keepTrying) {
    return new GroupSuccessorCheck(group -> {
      try (Admin admin = Admin.create(kafka.clientConfig())) {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
            .get(10, TimeUnit.SECONDS);
        return description.members().stream().map(m -> new Member(m.consumerId(), m.clientId())).toList();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (Exception e) {
        throw new IllegalStateException("cannot describe consumer group " + group + ": " + e, e);
      }
    }, groupId, clientId, keepTrying);
  }

  /** This worker's consumer joined the group under {@code memberId} (the poll thread tells, after each poll). */
  void joined(String memberId) {
    ownMemberId = memberId == null ? "" : memberId;
  }

  @Override
  public boolean ruledOut(String transactionalId) {
    while (keepTrying.getAsBoolean()) {
      Collection<Member> members;
      try {
        members = describe.apply(groupId);
      } catch (RuntimeException e) {
        log.warn("{}: cannot tell yet whether a successor holds this id ({}); retrying", transactionalId, e.getMessage());
        Threads.sleepQuietly(RETRY);
        continue;
      }
      String own = ownMemberId;
      for (Member member : members) {
        if (clientId.equals(member.clientId()) && !member.memberId().equals(own)) {
          log.error("{}: fenced by a successor: member {} of group {} runs under this worker's id; this worker stops",
              transactionalId, member.memberId(), groupId);
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
