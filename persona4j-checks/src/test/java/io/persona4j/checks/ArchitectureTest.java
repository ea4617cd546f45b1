/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.EvaluationResult;
import io.persona4j.checks.fixture.violations.CoreReachingUp;
import io.persona4j.checks.fixture.violations.PrivacyWithJackson;
import io.persona4j.core.fixture.layering.CoreImportsAdapters;
import io.persona4j.privacy.fixture.layering.PrivacyImportsJackson;
import io.persona4j.steer.fixture.layering.SteerImportsTheGrid;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering ({@link Layering}) holds for every main class of every module; and the rules
 * do fail on classes that break it (fixtures in this module's test sources, which the main check
 * does not import).
 */
class ArchitectureTest {
  /** Main classes only: no test classes, no test jars. */
  static final ImportOption MAIN_ONLY =
      (Location location) ->
          !location.contains("/test-classes/") && !location.contains("-tests.jar");

  static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(MAIN_ONLY).importPackages("io.persona4j");
  }

  @Test
  void everyModuleIsSeenByTheCheck() {
    for (Map.Entry<String, String> m : Layering.PACKAGES.entrySet()) {
      String prefix = m.getValue().replace("..", ".");
      long n = main.stream().filter(c -> c.getName().startsWith(prefix)).count();
      // serve and steer start as skeletons (a package-info); the others have many classes
      assertThat(n).as("main classes of %s", m.getKey()).isPositive();
    }
    assertThat(main.size()).isGreaterThan(400);
    assertThat(main.stream().anyMatch(c -> c.getPackageName().contains("fixture")))
        .as("fixtures are test classes and stay out of the main check")
        .isFalse();
  }

  @Test
  void modulesUseOnlyTheModulesBelowThem() {
    Layering.modules().check(main);
  }

  @Test
  void privacyDependsOnTheJdkOnly() {
    Layering.privacyUsesTheJdkOnly().check(main);
  }

  @Test
  void steerUsesOnlyTheTransportSecurityClasses() {
    Layering.steerUsesOnlyTransportSecurity().check(main);
  }

  @Test
  void theRulesFailOnClassesThatBreakTheLayering() {
    JavaClasses fixtures =
        new ClassFileImporter()
            .importClasses(
                CoreImportsAdapters.class, PrivacyImportsJackson.class, SteerImportsTheGrid.class);
    EvaluationResult layering = Layering.modules().evaluate(fixtures);
    assertThat(layering.hasViolation()).isTrue();
    assertThat(String.join("\n", layering.getFailureReport().getDetails()))
        .contains(CoreImportsAdapters.class.getName())
        .contains("io.persona4j.adapters.lora.LoraModel");
    EvaluationResult jdkOnly = Layering.privacyUsesTheJdkOnly().evaluate(fixtures);
    assertThat(jdkOnly.hasViolation()).isTrue();
    assertThat(String.join("\n", jdkOnly.getFailureReport().getDetails()))
        .contains(PrivacyImportsJackson.class.getName())
        .contains("com.fasterxml.jackson");
    EvaluationResult steer = Layering.steerUsesOnlyTransportSecurity().evaluate(fixtures);
    assertThat(steer.hasViolation()).isTrue();
    assertThat(String.join("\n", steer.getFailureReport().getDetails()))
        .contains(SteerImportsTheGrid.class.getName())
        .contains("io.persona4j.transport.grpc.GrpcGrid")
        .doesNotContain("TlsCredentials");
    assertThat(String.join("\n", layering.getFailureReport().getDetails()))
        .as("steer reaching federated breaks the module rule too")
        .contains("io.persona4j.federated.Grid");
  }

  @Test
  void classesOutsideTheModulesAreNotJudged() {
    JavaClasses outside =
        new ClassFileImporter().importClasses(CoreReachingUp.class, PrivacyWithJackson.class);
    assertThat(Layering.modules().evaluate(outside).hasViolation()).isFalse();
  }
}
