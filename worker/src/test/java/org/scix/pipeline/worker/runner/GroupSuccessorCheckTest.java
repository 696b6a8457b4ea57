package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.worker.runner.GroupSuccessorCheck.Member;

class GroupSuccessorCheckTest {
  private static final String CLIENT = "scix-worker-w1";

  /** Fenced because the coordinator aborted a transaction that outlived its timeout: no one else runs under the id, carry on. */
  @Test
  void aFencedWorkerWhoseGroupShowsOnlyItselfUnderItsIdMayTakeItAgain() {
    GroupSuccessorCheck check = new GroupSuccessorCheck(group -> List.of(new Member("m-own", CLIENT), new Member("m-2", "scix-worker-w2")),
        "workers", CLIENT, () -> true);
    check.joined("m-own");
    assertThat(check.ruledOut("scix-worker-w1")).isTrue();
  }

  /** A process started under the same instance id is a member of the group: the fenced worker must not fence it in turn. */
  @Test
  void aFencedWorkerWhoseIdIsHeldByAnotherMemberMayNotTakeItAgain() {
    GroupSuccessorCheck check = new GroupSuccessorCheck(group -> List.of(new Member("m-successor", CLIENT)), "workers", CLIENT, () -> true);
    check.joined("m-own");
    assertThat(check.ruledOut("scix-worker-w1")).isFalse();
  }

  /** Kafka cannot tell yet (away): the check waits and asks again rather than guess. */
  @Test
  void whileTheGroupCannotBeDescribedTheCheckRetriesAndNeverGuesses() {
    AtomicInteger calls = new AtomicInteger();
    GroupSuccessorCheck check = new GroupSuccessorCheck(group -> {
      if (calls.incrementAndGet() < 2) {
        throw new IllegalStateException("coordinator not available");
      }
      return List.of();
    }, "workers", CLIENT, () -> true);
    assertThat(check.ruledOut("scix-worker-w1")).isTrue();
    assertThat(calls).hasValue(2);

    GroupSuccessorCheck stopping = new GroupSuccessorCheck(group -> {
      throw new IllegalStateException("away");
    }, "workers", CLIENT, () -> false);
    assertThat(stopping.ruledOut("scix-worker-w1")).isFalse();
  }
}
