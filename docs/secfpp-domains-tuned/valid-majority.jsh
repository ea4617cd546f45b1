import io.persona4j.experiments.secfpp.*;
import java.nio.file.*;
// trivial baseline on the validation split of seed 1 (what the sweep evaluates on): each client
// predicts the majority class of its own training labels (class 1 on a tie)
var p = SecFppPreset.domainsPreset();
var cs = SecFppDatasets.domains(Path.of("../shared/data/amazon-food-reviews"), Path.of("../shared/data/movielens-small"), p, 1);
long[] correct = new long[2]; long[] total = new long[2];
for (int i = 0; i < cs.size(); i++) {
  var c = cs.get(i);
  int d = SecFppDatasets.domainOf(i, p);
  long ones = c.trainLabels().stream().filter(l -> l == 1).count();
  int maj = ones * 2 >= c.trainLabels().size() ? 1 : 0;
  for (int l : c.validLabels()) { total[d]++; if (l == maj) correct[d]++; }
}
System.out.printf("seed 1 validation, majority of own training labels: reviews %.4f movielens %.4f all %.4f%n", correct[0]/(double)total[0], correct[1]/(double)total[1], (correct[0]+correct[1])/(double)(total[0]+total[1]));
/exit
