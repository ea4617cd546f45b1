import io.persona4j.experiments.secfpp.*;
import java.nio.file.*;
var p = SecFppPreset.domainsPreset();
for (long seed = 1; seed <= 3; seed++) {
  var cs = SecFppDatasets.domains(Path.of("../shared/data/amazon-food-reviews"), Path.of("../shared/data/movielens-small"), p, seed);
  long[] correct = new long[2]; long[] total = new long[2]; long[] pos = new long[2];
  for (int i = 0; i < cs.size(); i++) {
    var c = cs.get(i);
    int d = SecFppDatasets.domainOf(i, p);
    long ones = c.trainLabels().stream().filter(l -> l == 1).count();
    int maj = ones * 2 >= c.trainLabels().size() ? 1 : 0;
    for (int l : c.testLabels()) { total[d]++; if (l == maj) correct[d]++; if (l == 1) pos[d]++; }
  }
  System.out.printf("seed %d majority-of-own-train: reviews %.3f movielens %.3f all %.3f | positive share reviews %.3f movielens %.3f%n", seed, correct[0]/(double)total[0], correct[1]/(double)total[1], (correct[0]+correct[1])/(double)(total[0]+total[1]), pos[0]/(double)total[0], pos[1]/(double)total[1]);
}
/exit
