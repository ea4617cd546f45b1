/** Non-learned reference recommenders ({@link io.persona4j.rec.baseline.Popularity}). */
package io.persona4j.rec.baseline;
