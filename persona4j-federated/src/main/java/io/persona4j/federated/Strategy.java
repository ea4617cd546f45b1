package io.persona4j.federated;

import java.util.List;
import java.util.Set;

/**
 * Configures rounds and aggregates replies into a new {@link ServerState}. Implementations are
 * deterministic functions of their arguments (the server handles sampling, deadlines, validation
 * and retries), so a resumed run reproduces an uninterrupted one.
 */
public interface Strategy {

  /** One FIT instruction per sampled client for {@code round}. */
  List<Instruction> configureRound(int round, ServerState state, List<String> sampledClients);

  /**
   * The state after {@code round} from the validated replies (at least the configured minimum) and
   * the failures of this round; {@code state} is the state before the round and is not modified.
   */
  ServerState aggregate(int round, List<Reply> replies, List<Failure> failures, ServerState state);

  /** Metrics every reply must carry (finite) to be valid, e.g. {@code loss} for FELLRec. */
  default Set<String> requiredMetrics() {
    return Set.of();
  }
}
