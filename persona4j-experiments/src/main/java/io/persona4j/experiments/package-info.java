/**
 * Federated experiments built from the method modules: FELLRec on MovieLens ({@code fellrec}) and
 * SecFPP on text classification ({@code secfpp}). Each experiment runs its methods in one process
 * on the in-memory grid (the same engine as a gRPC deployment), writes a table, a JSON record and a
 * PNG.
 */
package io.persona4j.experiments;
