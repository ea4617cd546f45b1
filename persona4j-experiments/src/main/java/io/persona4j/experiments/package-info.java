/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Experiments built from the method modules: sequential recommendation ({@code rec}: popularity,
 * SASRec, LLaRA-LoRA, iLoRA), FELLRec on MovieLens ({@code fellrec}) and SecFPP on text
 * classification ({@code secfpp}). The federated ones run their methods in one process on the
 * in-memory grid (the same engine as a gRPC deployment). Each writes a table, a JSON record and
 * charts under its output directory.
 */
package io.persona4j.experiments;
