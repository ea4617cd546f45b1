/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.secfpp;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.privacy.cluster.ClusterQuery;

/**
 * The vocabulary of SecFPP messages: config keys and tensor names. A training instruction carries
 * one tensor, {@value #PROMPT_GLOBAL} (the cluster's P_G); a clustering instruction carries the
 * public centres {@value #CENTRES} {@code [k, r]} and a zero {@value #CONTRIBUTION} whose place the
 * client fills (so that, under secure aggregation, {@code reply - sent} is exactly the
 * contribution).
 */
public final class SecFppWire {
  /** Config key: the phase, {@value #TRAIN}, {@value #CLUSTER} or {@value #ASSIGN}. */
  public static final String PHASE = "secfpp_phase";

  /** Phase: train P_G (+ P_L, head) locally and return P_G. */
  public static final String TRAIN = "train";

  /** Phase: contribute to a secure clustering sum. */
  public static final String CLUSTER = "cluster";

  /** Phase (EVALUATE): report the nearest final centre, the only clustering output revealed. */
  public static final String ASSIGN = "assign";

  /** Config key: which secure sum of the clustering ({@code COUNTS} or {@code SUMS}). */
  public static final String QUERY_KIND = "secfpp_query";

  /** Config key: the cluster whose P_G a training instruction carries. */
  public static final String CLUSTER_ID = "secfpp_cluster";

  /** Metric of an ASSIGN reply: the client's cluster. */
  public static final String CLUSTER_METRIC = "cluster";

  /** Tensor name of P_G. */
  public static final String PROMPT_GLOBAL = "prompt_global";

  /** Tensor name of the public centres. */
  public static final String CENTRES = "centres";

  /** Tensor name of the client's clustering contribution. */
  public static final String CONTRIBUTION = "contribution";

  private SecFppWire() {}

  /** The parameters of a clustering query: centres and a zero contribution slot. */
  public static ParameterSet query(ClusterQuery q) {
    float[] c = new float[q.k() * q.dim()];
    for (int a = 0; a < q.k(); a++) {
      for (int i = 0; i < q.dim(); i++) {
        c[a * q.dim() + i] = (float) q.centres()[a][i];
      }
    }
    return ParameterSet.builder()
        .add(CENTRES, new int[] {q.k(), q.dim()}, c)
        .add(CONTRIBUTION, new int[] {q.contributionLength()}, new float[q.contributionLength()])
        .build();
  }

  /** The query an instruction carries. */
  public static ClusterQuery query(Instruction in) {
    ParameterSet p = in.parameters();
    int[] shape = p.spec(CENTRES).shape().stream().mapToInt(Integer::intValue).toArray();
    float[] c = p.values(CENTRES);
    double[][] centres = new double[shape[0]][shape[1]];
    for (int a = 0; a < shape[0]; a++) {
      for (int i = 0; i < shape[1]; i++) {
        centres[a][i] = c[a * shape[1] + i];
      }
    }
    Object kind = in.config().get(QUERY_KIND);
    return new ClusterQuery(
        kind == null ? ClusterQuery.Kind.COUNTS : ClusterQuery.Kind.valueOf(kind.toString()),
        centres);
  }
}
