/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * persona4j-bom manages every library module at the project's version, and nothing else; library
 * modules ship sources and javadoc jars (applications and checks do not).
 */
class BomTest {
  static final Path ROOT = Path.of(System.getProperty("persona4j.root", ".."));

  static Document pom(Path file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(file.toFile());
  }

  static String child(Element e, String name) {
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c.getTextContent().trim();
      }
    }
    return null;
  }

  /** Modules that are not libraries: applications and build checks. */
  static final List<String> NOT_LIBRARIES =
      List.of("persona4j-cli", "persona4j-bench", "persona4j-checks");

  /** The reactor's library modules: its jar modules but the applications and checks. */
  static List<String> libraryModules() throws Exception {
    List<String> out = new ArrayList<>();
    NodeList modules = pom(ROOT.resolve("pom.xml")).getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      String packaging = child(pom(pomOf(module)).getDocumentElement(), "packaging");
      if ((packaging == null || packaging.equals("jar")) && !NOT_LIBRARIES.contains(module)) {
        out.add(module);
      }
    }
    return out;
  }

  static Path pomOf(String module) {
    return ROOT.resolve(module).resolve("pom.xml");
  }

  static boolean skipsApiJars(String module) throws Exception {
    NodeList skip = pom(pomOf(module)).getElementsByTagName("persona4j.apiJars.skip");
    return skip.getLength() > 0 && skip.item(0).getTextContent().trim().equals("true");
  }

  @Test
  void libraryModulesShipSourcesAndJavadocOnceTheyHaveClasses() throws Exception {
    for (String module : libraryModules()) {
      if (!skipsApiJars(module)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        List<Path> classes =
            files
                .filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                .toList();
        assertThat(classes)
            .as(
                "%s has classes now: remove persona4j.apiJars.skip from its pom so that it ships"
                    + " sources and javadoc jars",
                module)
            .isEmpty();
      }
    }
    for (String app : NOT_LIBRARIES) {
      assertThat(skipsApiJars(app)).as("%s is not a library: it skips the API jars", app).isTrue();
    }
  }

  @Test
  void theBomManagesEveryLibraryModuleAtTheProjectVersion() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml")).getDocumentElement();
    Element bom = pom(ROOT.resolve("persona4j-bom/pom.xml")).getDocumentElement();
    assertThat(child(bom, "version")).isEqualTo(child(parent, "version"));
    assertThat(child(bom, "groupId")).isEqualTo(child(parent, "groupId"));
    assertThat(bom.getElementsByTagName("parent").getLength())
        .as("the BOM must not manage third-party versions, so it has no parent")
        .isZero();
    List<String> managed = new ArrayList<>();
    NodeList deps = bom.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      assertThat(child(d, "groupId")).isEqualTo("io.persona4j");
      assertThat(child(d, "version")).isEqualTo("${project.version}");
      managed.add(child(d, "artifactId"));
    }
    NodeList plugins = bom.getElementsByTagName("plugin");
    assertThat(plugins.getLength()).isEqualTo(1);
    String spotless = child((Element) plugins.item(0), "version");
    assertThat(ROOT.resolve("pom.xml"))
        .as("the BOM's spotless plugin (for `mvn spotless:apply` at the root) as the parent's")
        .content()
        .contains("<artifactId>spotless-maven-plugin</artifactId>\n        <version>" + spotless);
    List<String> libraries = libraryModules();
    assertThat(libraries)
        .contains("persona4j-core", "persona4j-adapters")
        .doesNotContain("persona4j-cli");
    assertThat(managed).containsExactlyInAnyOrderElementsOf(libraries);
  }
}
