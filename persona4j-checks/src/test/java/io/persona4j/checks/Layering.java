/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Persona4j's module layering as ArchUnit rules over packages (what a class imports, not only what
 * its Maven module declares). A module may use the modules listed for it and nothing above:
 *
 * <pre>
 * core            (nothing of ours)
 * privacy         (nothing of ours; and the JDK only)
 * adapters        core
 * rec             core, adapters
 * federated       core, adapters, privacy
 * transport-grpc  federated and what it rests on (core, adapters, privacy)
 * experiments     the method modules: core, adapters, privacy, rec, federated, steer
 * serve           core, adapters
 * steer           core, adapters, transport-grpc's TLS and token pieces only
 * cli, bench      every library module (not each other)
 * </pre>
 */
final class Layering {
  /** Module name -> its packages. */
  static final Map<String, String> PACKAGES = new LinkedHashMap<>();

  /** Module name -> the modules it may use. */
  static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

  static {
    module("core", "io.persona4j.core..");
    module("privacy", "io.persona4j.privacy..");
    module("adapters", "io.persona4j.adapters..", "core");
    module("rec", "io.persona4j.rec..", "core", "adapters");
    module("federated", "io.persona4j.federated..", "core", "adapters", "privacy");
    module(
        "transport-grpc",
        "io.persona4j.transport.grpc..",
        "federated",
        "core",
        "adapters",
        "privacy");
    module(
        "experiments",
        "io.persona4j.experiments..",
        "core",
        "adapters",
        "privacy",
        "rec",
        "federated",
        "steer");
    module("serve", "io.persona4j.serve..", "core", "adapters");
    module("steer", "io.persona4j.steer..", "core", "adapters", "transport-grpc");
    List<String> libraries =
        List.of(
            "core",
            "privacy",
            "adapters",
            "rec",
            "federated",
            "transport-grpc",
            "experiments",
            "serve",
            "steer");
    module("cli", "io.persona4j.cli..", libraries.toArray(String[]::new));
    module("bench", "io.persona4j.bench..", libraries.toArray(String[]::new));
  }

  private Layering() {}

  private static void module(String name, String packages, String... allowed) {
    PACKAGES.put(name, packages);
    ALLOWED.put(name, List.of(allowed));
  }

  /** Every module may use only the modules listed for it. */
  static LayeredArchitecture modules() {
    // Layers may be empty here (fixtures hold one layer's classes only); ArchitectureTest checks
    // separately that every module's classes are seen.
    LayeredArchitecture arch =
        layeredArchitecture().consideringOnlyDependenciesInLayers().withOptionalLayers(true);
    for (Map.Entry<String, String> m : PACKAGES.entrySet()) {
      arch = arch.layer(m.getKey()).definedBy(m.getValue());
    }
    for (Map.Entry<String, List<String>> m : ALLOWED.entrySet()) {
      arch =
          m.getValue().isEmpty()
              ? arch.whereLayer(m.getKey()).mayNotAccessAnyLayer()
              : arch.whereLayer(m.getKey())
                  .mayOnlyAccessLayers(m.getValue().toArray(String[]::new));
    }
    return arch;
  }

  /**
   * The transport classes steer may use (docs/ARCHITECTURE.md: "transport-grpc's TLS and token
   * pieces only"; it must not reach federated through transport-grpc).
   */
  static final List<String> STEER_TRANSPORT_CLASSES =
      List.of(
          "io.persona4j.transport.grpc.TlsCredentials",
          "io.persona4j.transport.grpc.ClientRegistry");

  /**
   * steer uses only {@link #STEER_TRANSPORT_CLASSES} of transport-grpc (and their nested types,
   * such as {@code ClientRegistry.Verdict}).
   */
  static ArchRule steerUsesOnlyTransportSecurity() {
    DescribedPredicate<JavaClass> otherTransport =
        new DescribedPredicate<>("transport-grpc classes other than " + STEER_TRANSPORT_CLASSES) {
          @Override
          public boolean test(JavaClass c) {
            return c.getPackageName().startsWith("io.persona4j.transport.grpc")
                && !STEER_TRANSPORT_CLASSES.contains(c.getName().replaceFirst("\\$.*", ""));
          }
        };
    return noClasses()
        .that()
        .resideInAPackage("io.persona4j.steer..")
        .should()
        .dependOnClassesThat(otherTransport)
        .allowEmptyShould(true)
        .because("steer may use transport-grpc's TLS and token pieces only");
  }

  /** The privacy primitives depend on the JDK alone (no DJL, no Jackson, no logging). */
  static ArchRule privacyUsesTheJdkOnly() {
    return classes()
        .that()
        .resideInAPackage("io.persona4j.privacy..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "javax..", "io.persona4j.privacy..", "")
        .because("persona4j-privacy depends on the JDK only");
  }
}
