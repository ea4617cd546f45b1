package io.persona4j.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * persona4j-bom manages every library module (those that ship sources and javadoc jars) at the
 * project's version, and nothing else.
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

  /** The reactor's modules that are libraries: jars that do not skip the API jars. */
  static List<String> libraryModules() throws Exception {
    List<String> out = new ArrayList<>();
    NodeList modules = pom(ROOT.resolve("pom.xml")).getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      Element project = pom(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement();
      String packaging = child(project, "packaging");
      NodeList skip = project.getElementsByTagName("persona4j.apiJars.skip");
      boolean app = skip.getLength() > 0 && skip.item(0).getTextContent().trim().equals("true");
      if ((packaging == null || packaging.equals("jar")) && !app) {
        out.add(module);
      }
    }
    return out;
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
