/* Writes a synthetic classification CSV to stdout, for the streaming benchmark:
 *   gen_csv ROWS FEATURES SEED > big.csv
 * Header f1..fK,label; features uniform in [-1, 1) with 5 decimals; label = argmax of a fixed
 * random linear teacher over 4 classes. Deterministic for a given seed. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint64_t state;
static uint64_t next(void) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double unit(void) { return (double)(next() >> 11) * 0x1p-53; }

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: gen_csv ROWS FEATURES SEED\n"); return 2; }
  long rows = atol(argv[1]); int k = atoi(argv[2]); state = strtoull(argv[3], 0, 10);
  if (rows < 1 || k < 1 || k > 4096) { fprintf(stderr, "gen_csv: bad sizes\n"); return 2; }
  double *w = malloc(sizeof(double) * 4 * k), *x = malloc(sizeof(double) * k);
  for (int i = 0; i < 4 * k; i++) w[i] = unit() * 2 - 1;
  static char buf[1 << 16];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  for (int j = 0; j < k; j++) printf(j ? ",f%d" : "f%d", j + 1);
  printf(",label\n");
  for (long r = 0; r < rows; r++) {
    double best = -1e300; int arg = 0;
    for (int j = 0; j < k; j++) { x[j] = unit() * 2 - 1; printf("%.5f,", x[j]); }
    for (int c = 0; c < 4; c++) {
      double s = 0;
      for (int j = 0; j < k; j++) s += w[c * k + j] * x[j];
      if (s > best) { best = s; arg = c; }
    }
    printf("%d\n", arg);
  }
  return 0;
}
