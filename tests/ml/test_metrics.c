/* test_metrics.c - scores by hand, and fold assignment: GroupKFold keeps formulas whole and
** balances rows; row folds are near-equal; both are reproducible from the seed. */
#include <string.h>

#include "test.h"
#include "vitrum.h"

static void scores(void)
{
    double t[4] = {1, 2, 3, 4}, p[4] = {1, 2, 3, 6};
    vt_scores s = vt_scores_compute(4, t, p);
    CHECK_REL(s.rmse, 1.0, 1e-15);            /* sqrt(4 / 4) */
    CHECK_REL(s.mae, 0.5, 1e-15);
    CHECK_REL(s.r2, 1.0 - 4.0 / 5.0, 1e-15);  /* SST = 5 */
}

static void folds(void)
{
    /* 12 formulas with 1..4 rows each */
    const char *names[12] = {"LiF", "LiCl", "LiBr", "LiI", "Li2O", "Li2S", "Li3N", "Li3P", "LiH", "Li2C", "LiB", "LiAl"};
    const char *formulas[30];
    size_t n = 0;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j <= i % 4; j++) formulas[n++] = names[i];
    double T = 1000;
    vt_dataset *d;
    CHECK(vt_dataset_from_formulas(n, formulas, 1, &T, &d) == VT_OK);
    int f1[30], f2[30], f3[30];
    CHECK(vt_folds_assign(d, 3, 1, 7, f1) == VT_OK);
    CHECK(vt_folds_assign(d, 3, 1, 7, f2) == VT_OK);
    CHECK(memcmp(f1, f2, n * sizeof f1[0]) == 0);
    size_t rows[3] = {0};
    for (size_t r = 0; r < n; r++) {
        rows[f1[r]]++;
        for (size_t q = 0; q < n; q++)
            if (strcmp(d->formula[q], d->formula[r]) == 0) CHECK(f1[q] == f1[r]);
    }
    CHECK(rows[0] == 10 && rows[1] == 10 && rows[2] == 10); /* 30 rows, greedy by size: 10 each */
    CHECK(vt_folds_assign(d, 4, 0, 1, f3) == VT_OK);
    size_t per[4] = {0};
    for (size_t r = 0; r < n; r++) per[f3[r]]++;
    for (int k = 0; k < 4; k++) CHECK(per[k] == 7 || per[k] == 8);
    CHECK(vt_folds_assign(d, 13, 1, 1, f3) == VT_EINVAL); /* more folds than formulas */
    vt_dataset_free(d);
}

int main(void)
{
    scores();
    folds();
    TEST_DONE();
}
