/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Headless Java2D charts with no dependency beyond the JDK: {@link
 * io.persona4j.core.chart.LineChart} (curves over steps or rounds, e.g. training loss), {@link
 * io.persona4j.core.chart.BarChart} (one bar per method with error bars) and {@link
 * io.persona4j.core.chart.Png} (atomic PNG files, side-by-side panels). Training, federated runs
 * and experiments all draw through this package.
 */
package io.persona4j.core.chart;
