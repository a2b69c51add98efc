/* fogforge imu: writes windows of the demo's IMU workload (features or raw
 * samples) with their labels, from the seeded generator in fog/imu.c. */
#include "cli.h"

#include "dataio.h"
#include "imu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char imu_usage[] = "fogforge imu --count N [--seed S] [--robots R] [--raw] -o FILE [--labels FILE]";

int ff_cmd_imu(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, 0, 'n'},  {"seed", required_argument, 0, 's'},
        {"robots", required_argument, 0, 'r'}, {"raw", no_argument, 0, 'R'},
        {"output", required_argument, 0, 'o'}, {"labels", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},         {0}};
    long count = 0, seed = 1, robots = 8;
    int raw = 0, c;
    const char *outp = NULL, *labels = NULL;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!ff_cli_long("imu", "--count", optarg, 1, 10000000, &count))
                return 2;
            break;
        case 's':
            if (!ff_cli_long("imu", "--seed", optarg, 0, 2147483647, &seed))
                return 2;
            break;
        case 'r':
            if (!ff_cli_long("imu", "--robots", optarg, 1, 100000, &robots))
                return 2;
            break;
        case 'R': raw = 1; break;
        case 'o': outp = optarg; break;
        case 'l': labels = optarg; break;
        case 'h':
            printf("usage: %s\n\n"
                   "Writes N windows (0.5 s at 100 Hz, 6 axes) of the demo's IMU workload: the %d\n"
                   "features the classifier reads (default) or the %d raw values (--raw), one window\n"
                   "per line, from R simulated robots (windows alternate between them). --labels\n"
                   "writes the class of each window (0 calm, 1 wave impact, 2 collision).\n",
                   imu_usage, FF_IMU_FEATURES, FF_IMU_WINDOW * FF_IMU_AXES);
            return 0;
        default:
            return ff_cli_usage("imu", imu_usage);
        }
    }
    if (optind != argc || !count || !outp)
        return ff_cli_usage("imu", imu_usage);
    int width = raw ? FF_IMU_WINDOW * FF_IMU_AXES : FF_IMU_FEATURES;
    ff_imu *gen = ff_calloc((size_t)robots, sizeof *gen);
    for (long r = 0; r < robots; r++)
        ff_imu_init(&gen[r], (uint64_t)seed * 1000003u + (uint64_t)r);
    float *rows = ff_malloc(sizeof(float) * (size_t)(count * width));
    int32_t *lab = ff_malloc(sizeof(int32_t) * (size_t)count);
    float win[FF_IMU_WINDOW * FF_IMU_AXES];
    for (long k = 0; k < count; k++) {
        lab[k] = ff_imu_window(&gen[k % robots], win, -1);
        if (raw)
            memcpy(rows + k * width, win, sizeof win);
        else
            ff_imu_features(win, rows + k * width);
    }
    ff_err e = {0};
    int rc = ff_samples_write_float(outp, rows, count, width, &e);
    if (!rc && labels)
        rc = ff_samples_write_int(labels, lab, count, 1, &e);
    free(gen);
    free(rows);
    free(lab);
    return rc ? ff_cli_err(&e) : 0;
}
